#include "vtkNVTrainNetwork.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <stdexcept>

#include "neuralview/architecture.h"
#include "neuralview/field_dataset.h"
#include "neuralview/onnx_io.h"
#include "neuralview/trainer.h"
#include "nvControllerCommunicator.h"
#include "nvImageTensors.h"
#include "nvPieceExtent.h"
#include "vtkCompositeDataIterator.h"
#include "vtkCompositeDataSet.h"
#include "vtkDataArray.h"
#include "vtkDoubleArray.h"
#include "vtkFieldData.h"
#include "vtkImageData.h"
#include "vtkInformation.h"
#include "vtkInformationVector.h"
#include "vtkIntArray.h"
#include "vtkObjectFactory.h"
#include "vtkSmartPointer.h"
#include "vtkStreamingDemandDrivenPipeline.h"
#include "vtkStringArray.h"
#include "vtkTable.h"

vtkStandardNewMacro(vtkNVTrainNetwork);

// Samples gathered from the input (over time steps, blocks or one image),
// kept for every epoch so that the upstream pipeline runs once per sample.
struct vtkNVTrainNetwork::Collection {
  std::vector<nv::Tensor> fields;
  std::vector<nv::Tensor> targets;
  // For a field split over ranks: the part of each field this rank owns
  // (tensor axis order; empty when it owns the whole field).
  std::vector<std::vector<int64_t>> owned_begin, owned_size;
  int piece[6] = {0, -1, 0, -1, 0, -1};  // this rank's piece without ghost layers
  int whole[6] = {0, -1, 0, -1, 0, -1};
  bool split = false;
  uint64_t piece_number = 0;
  std::vector<std::string> channel_names;
  int association = -1;
  std::string problem;  // first error met while gathering; reported by all ranks together
};

namespace {

const char* task_name(int task) {
  switch (task) {
    case vtkNVTrainNetwork::CLASSIFICATION:
      return "classification";
    case vtkNVTrainNetwork::REGRESSION:
      return "regression";
    case vtkNVTrainNetwork::AUTOENCODER:
      return "autoencoder";
    default:
      return "segmentation";
  }
}

// The part of `image` (a piece with ghost layers) inside `piece` (point
// extent without ghosts), as begin and size per tensor axis (z, y, x; no z
// for a flat image). Neighbouring pieces share their boundary plane of
// points: it is owned by the upper piece, so that every point is owned once.
// Cells are owned from the piece's first point to its last.
void owned_part(vtkImageData* image, int association, const int piece[6], const int whole[6],
                std::vector<int64_t>& begin, std::vector<int64_t>& size) {
  int extent[6];
  image->GetExtent(extent);
  const bool cells = association == vtkDataObject::FIELD_ASSOCIATION_CELLS;
  const int axes = extent[4] == extent[5] ? 2 : 3;
  begin.clear();
  size.clear();
  for (int t = 0; t < axes; ++t) {
    const int a = axes - 1 - t;  // tensor axis t is VTK axis a
    const int lo = std::max(piece[2 * a], extent[2 * a]), hi = std::min(piece[2 * a + 1], extent[2 * a + 1]);
    const bool flat = extent[2 * a] == extent[2 * a + 1];  // a cell-less axis keeps its single point
    const bool shares_upper_plane = piece[2 * a + 1] < whole[2 * a + 1];
    begin.push_back(lo - extent[2 * a]);
    size.push_back(std::max(1, flat ? 1 : (cells || shares_upper_plane ? hi - lo : hi - lo + 1)));
  }
}

// A per-sample target stored as field data: one class id, or the values of
// a vector (all components of the first tuple, or one value per tuple).
nv::Tensor field_data_target(vtkImageData* image, const std::string& name, bool single_value) {
  vtkDataArray* array = image->GetFieldData()->GetArray(name.c_str());
  if (!array) throw std::invalid_argument("the input has no field-data array '" + name + "' to use as the label");
  if (array->GetNumberOfTuples() == 0) throw std::invalid_argument("field-data array '" + name + "' is empty");
  std::vector<float> values;
  if (array->GetNumberOfComponents() > 1 || single_value)
    for (int c = 0; c < (single_value ? 1 : array->GetNumberOfComponents()); ++c)
      values.push_back(static_cast<float>(array->GetComponent(0, c)));
  else
    for (vtkIdType t = 0; t < array->GetNumberOfTuples(); ++t)
      values.push_back(static_cast<float>(array->GetComponent(t, 0)));
  return nv::Tensor({static_cast<int64_t>(values.size())}, values);
}

vtkSmartPointer<vtkDoubleArray> column(const std::string& name) {
  auto array = vtkSmartPointer<vtkDoubleArray>::New();
  array->SetName(name.c_str());
  return array;
}

}  // namespace

vtkNVTrainNetwork::vtkNVTrainNetwork() : Samples(std::make_unique<Collection>()) {}

vtkNVTrainNetwork::~vtkNVTrainNetwork() = default;

void vtkNVTrainNetwork::AddInputArray(const char* name) {
  if (!name) return;
  this->InputArrays.emplace_back(name);
  this->Modified();
}

void vtkNVTrainNetwork::ClearInputArrays() {
  this->InputArrays.clear();
  this->Modified();
}

void vtkNVTrainNetwork::AddClassWeight(double weight) {
  this->ClassWeights.push_back(weight);
  this->Modified();
}

void vtkNVTrainNetwork::ClearClassWeights() {
  this->ClassWeights.clear();
  this->Modified();
}

void vtkNVTrainNetwork::AddClassName(const char* name) {
  if (!name) return;
  this->ClassNames.emplace_back(name);
  this->Modified();
}

void vtkNVTrainNetwork::ClearClassNames() {
  this->ClassNames.clear();
  this->Modified();
}

int vtkNVTrainNetwork::FillInputPortInformation(int, vtkInformation* info) {
  info->Remove(vtkAlgorithm::INPUT_REQUIRED_DATA_TYPE());
  info->Append(vtkAlgorithm::INPUT_REQUIRED_DATA_TYPE(), "vtkImageData");
  info->Append(vtkAlgorithm::INPUT_REQUIRED_DATA_TYPE(), "vtkCompositeDataSet");
  return 1;
}

int vtkNVTrainNetwork::RequestInformation(vtkInformation*, vtkInformationVector** inputVector,
                                          vtkInformationVector* outputVector) {
  vtkInformation* inInfo = inputVector[0]->GetInformationObject(0);
  this->TimeSteps.clear();
  this->TrainingOverTime = false;
  if (this->UseTimeSteps && inInfo->Has(vtkStreamingDemandDrivenPipeline::TIME_STEPS())) {
    const int n = inInfo->Length(vtkStreamingDemandDrivenPipeline::TIME_STEPS());
    const double* steps = inInfo->Get(vtkStreamingDemandDrivenPipeline::TIME_STEPS());
    std::vector<double> all(steps, steps + n);
    if (this->MaximumSamples > 0 && static_cast<int>(all.size()) > this->MaximumSamples)
      all.resize(this->MaximumSamples);
    // Data parallel over time: each rank owns a contiguous block of whole time
    // steps, so the global sample numbering (rank 0's first) is the time
    // order, exactly as in a single-process run.
    nv::ControllerCommunicator comm;
    const size_t ranks = static_cast<size_t>(comm.size()), rank = static_cast<size_t>(comm.rank());
    const size_t first = all.size() * rank / ranks, last = all.size() * (rank + 1) / ranks;
    this->TimeSteps.assign(all.begin() + first, all.begin() + last);
    this->TrainingOverTime = !all.empty();
  }
  // The history does not depend on time: the output has no time steps.
  vtkInformation* outInfo = outputVector->GetInformationObject(0);
  outInfo->Remove(vtkStreamingDemandDrivenPipeline::TIME_STEPS());
  outInfo->Remove(vtkStreamingDemandDrivenPipeline::TIME_RANGE());
  return 1;
}

int vtkNVTrainNetwork::RequestUpdateExtent(vtkInformation*, vtkInformationVector** inputVector, vtkInformationVector*) {
  vtkInformation* inInfo = inputVector[0]->GetInformationObject(0);
  if (!this->TimeSteps.empty() && this->CurrentTimeIndex < this->TimeSteps.size())
    inInfo->Set(vtkStreamingDemandDrivenPipeline::UPDATE_TIME_STEP(), this->TimeSteps[this->CurrentTimeIndex]);
  if (this->TrainingOverTime) {
    // Whole time steps are the samples: ask for the full extent, not a piece.
    inInfo->Set(vtkStreamingDemandDrivenPipeline::UPDATE_PIECE_NUMBER(), 0);
    inInfo->Set(vtkStreamingDemandDrivenPipeline::UPDATE_NUMBER_OF_PIECES(), 1);
    inInfo->Set(vtkStreamingDemandDrivenPipeline::UPDATE_NUMBER_OF_GHOST_LEVELS(), 0);
  } else if (this->CropSize > 0) {
    // One field split over ranks: each rank crops its own piece, and ghost
    // layers half a crop wide let crops centred near the piece's edge reach
    // into the neighbour's points, so no rank needs the whole field.
    const int ghosts = this->CropSize / 2 + 1;
    int levels = inInfo->Has(vtkStreamingDemandDrivenPipeline::UPDATE_NUMBER_OF_GHOST_LEVELS())
                     ? inInfo->Get(vtkStreamingDemandDrivenPipeline::UPDATE_NUMBER_OF_GHOST_LEVELS())
                     : 0;
    inInfo->Set(vtkStreamingDemandDrivenPipeline::UPDATE_NUMBER_OF_GHOST_LEVELS(), std::max(levels, ghosts));
  }
  return 1;
}

std::string vtkNVTrainNetwork::CollectSamples(vtkDataObject* input) {
  Collection& samples = *this->Samples;
  try {
    if (this->InputArrays.empty()) throw std::invalid_argument("no input arrays are selected");
    const bool pixel_labels = this->Task == SEGMENTATION;
    const bool needs_label = this->Task != AUTOENCODER;
    if (needs_label && this->LabelArray.empty())
      throw std::invalid_argument(std::string("the ") + task_name(this->Task) + " task needs a LabelArray");
    for (vtkImageData* image : nv::images_of(input)) {
      if (this->MaximumSamples > 0 && static_cast<int>(samples.fields.size()) >= this->MaximumSamples) break;
      nv::ImageField field = nv::field_from_image(image, this->InputArrays);
      if (field.values.empty()) continue;  // an empty piece
      if (samples.channel_names.empty()) {
        samples.channel_names = field.channel_names;
        samples.association = field.association;
      }
      nv::Tensor target;
      if (pixel_labels)
        target = nv::label_map_from_image(image, this->LabelArray, field.association);
      else if (needs_label)
        target = field_data_target(image, this->LabelArray, this->Task == CLASSIFICATION);
      std::vector<int64_t> owned_begin, owned_size;
      if (samples.split) owned_part(image, field.association, samples.piece, samples.whole, owned_begin, owned_size);
      samples.owned_begin.push_back(std::move(owned_begin));
      samples.owned_size.push_back(std::move(owned_size));
      samples.fields.push_back(std::move(field.values));
      samples.targets.push_back(std::move(target));
    }
  } catch (const std::exception& e) {
    if (samples.problem.empty()) samples.problem = e.what();
  }
  return samples.problem;
}

int vtkNVTrainNetwork::RequestData(vtkInformation* request, vtkInformationVector** inputVector,
                                   vtkInformationVector* outputVector) {
  vtkDataObject* input = vtkDataObject::GetData(inputVector[0], 0);
  vtkTable* output = vtkTable::GetData(outputVector, 0);
  if (this->CurrentTimeIndex == 0) {
    *this->Samples = Collection{};
    if (!this->TrainingOverTime && this->CropSize > 0 && vtkImageData::SafeDownCast(input)) {
      vtkInformation* outInfo = outputVector->GetInformationObject(0);
      vtkInformation* inInfo = inputVector[0]->GetInformationObject(0);
      this->Samples->split = nv::piece_extent_without_ghosts(outInfo, inInfo, nullptr, this->Samples->piece);
      if (this->Samples->split) inInfo->Get(vtkStreamingDemandDrivenPipeline::WHOLE_EXTENT(), this->Samples->whole);
      this->Samples->piece_number =
          static_cast<uint64_t>(outInfo->Get(vtkStreamingDemandDrivenPipeline::UPDATE_PIECE_NUMBER()));
    }
  }

  // A rank that owns no time step (more ranks than steps) gathers nothing but
  // still takes part in training's collectives.
  if (!this->TrainingOverTime || !this->TimeSteps.empty()) this->CollectSamples(input);
  if (!this->TimeSteps.empty()) {
    ++this->CurrentTimeIndex;
    this->UpdateProgress(0.05 * this->CurrentTimeIndex / this->TimeSteps.size());
    if (this->CurrentTimeIndex < this->TimeSteps.size()) {
      // Ask the executive to run this filter again for the next time step.
      request->Set(vtkStreamingDemandDrivenPipeline::CONTINUE_EXECUTING(), 1);
      return 1;
    }
    request->Remove(vtkStreamingDemandDrivenPipeline::CONTINUE_EXECUTING());
    this->CurrentTimeIndex = 0;
  }
  const int result = this->Train(output);
  *this->Samples = Collection{};  // free the samples; they are gathered again on the next run
  return result;
}

int vtkNVTrainNetwork::Train(vtkTable* output) {
  nv::ControllerCommunicator comm;
  nv::use_default_threads_per_rank(comm);
  Collection& samples = *this->Samples;
  const std::string task = task_name(this->Task);
  std::string problem = samples.problem;

  // Build the dataset; any rank's problem stops all ranks before a collective.
  std::unique_ptr<nv::FieldDataset> data;
  if (problem.empty()) {
    try {
      data = std::make_unique<nv::FieldDataset>(nv::target_kind_for_task(task), this->CropSize, this->CropsPerSample,
                                                static_cast<uint64_t>(this->Seed));
      for (size_t i = 0; i < samples.fields.size(); ++i) {
        if (samples.owned_begin[i].empty())
          data->add_field(std::move(samples.fields[i]), std::move(samples.targets[i]));
        else
          data->add_piece(std::move(samples.fields[i]), std::move(samples.targets[i]), samples.owned_begin[i],
                          samples.owned_size[i], samples.piece_number);
      }
    } catch (const std::exception& e) {
      problem = e.what();
    }
  }
  double local_count = data ? static_cast<double>(data->size()) : 0.0;
  if (!nv::all_ranks_ok(comm, problem.empty())) {
    vtkErrorMacro(<< "cannot train: " << (problem.empty() ? "another rank could not gather its samples" : problem));
    return 0;
  }
  comm.allreduce_sum(&local_count, 1);
  if (local_count < 1) {
    vtkErrorMacro(<< "cannot train: the input holds no samples (is it empty?)");
    return 0;
  }

  std::string model_path = this->ModelFile;
  std::vector<nv::EpochRecord> history;
  std::unique_ptr<nv::Trainer> trainer;
  try {
    // Normalisation from the training data, stored in the model.
    const nv::ChannelStatistics stats = data->channel_statistics(comm);
    data->normalise(stats.mean, stats.stddev);

    // Output size: classes from the labels (or the given names), targets, or channels.
    int64_t outputs = 0;
    std::vector<double> class_counts;
    if (this->Task == SEGMENTATION || this->Task == CLASSIFICATION) {
      double top = 0;
      for (size_t i = 0; i < data->field_count(); ++i)
        for (float v : data->target(i).values()) top = std::max<double>(top, v);
      comm.allreduce_max(&top, 1);
      outputs = std::max<int64_t>(static_cast<int64_t>(top) + 1, static_cast<int64_t>(this->ClassNames.size()));
      outputs = std::max<int64_t>(outputs, 2);
      class_counts = data->class_counts(outputs);  // owned points only: ghost labels are a neighbour's
      comm.allreduce_sum(class_counts.data(), class_counts.size());
    } else if (this->Task == REGRESSION) {
      double width = data->field_count() ? static_cast<double>(data->target(0).size()) : 0.0;
      comm.allreduce_max(&width, 1);
      outputs = static_cast<int64_t>(width);
    } else {
      outputs = static_cast<int64_t>(stats.channels());
    }
    // A rank without samples learns the sample shape from the others.
    nv::Shape sample_shape = data->sample_input_shape();
    std::vector<double> shape_code(5, -1.0);
    for (size_t a = 0; a < sample_shape.size() && a < shape_code.size(); ++a)
      shape_code[a] = static_cast<double>(sample_shape[a]);
    comm.allreduce_max(shape_code.data(), shape_code.size());
    sample_shape.clear();
    for (double d : shape_code)
      if (d > 0) sample_shape.push_back(static_cast<int64_t>(d));
    if (data->field_count() == 0) {
      nv::Shape target_shape;
      if (this->Task == SEGMENTATION)
        target_shape.assign(sample_shape.begin() + 1, sample_shape.end());
      else if (this->Task == AUTOENCODER)
        target_shape = sample_shape;
      else
        target_shape = {this->Task == CLASSIFICATION ? 1 : outputs};
      data->expect_sample_shapes(sample_shape, target_shape);
    }

    nv::GraphSpec spec =
        nv::create_network(this->Architecture, task, sample_shape, outputs, static_cast<uint64_t>(this->Seed));
    nv::ModelMetadata& meta = spec.metadata;
    meta.task = task;
    meta.channel_names = samples.channel_names.empty() ? this->InputArrays : samples.channel_names;
    meta.channel_mean = stats.mean;
    meta.channel_stddev = stats.stddev;
    if (this->Task == SEGMENTATION || this->Task == CLASSIFICATION) {
      meta.class_names.clear();
      for (int64_t k = 0; k < outputs; ++k)
        meta.class_names.push_back(k < static_cast<int64_t>(this->ClassNames.size()) ? this->ClassNames[k]
                                                                                     : "class" + std::to_string(k));
    } else if (this->Task == REGRESSION) {
      meta.target_names.clear();
      for (int64_t k = 0; k < outputs; ++k)
        meta.target_names.push_back(outputs == 1 ? this->LabelArray : this->LabelArray + "_" + std::to_string(k));
    }
    meta.extra["label_array"] = this->LabelArray;
    meta.extra["association"] = samples.association == vtkDataObject::FIELD_ASSOCIATION_CELLS ? "cells" : "points";

    nv::TrainingOptions options;
    options.task = task;
    options.epochs = this->Epochs;
    options.batch_size = this->BatchSize;
    options.learning_rate = this->LearningRate;
    options.optimizer = this->Optimizer;
    options.weight_decay = this->WeightDecay;
    options.schedule = this->Schedule;
    options.warmup_epochs = this->WarmupEpochs;
    options.validation_fraction = this->ValidationFraction;
    options.seed = static_cast<uint64_t>(this->Seed);
    options.precision = this->Precision == 1 ? nv::Precision::bf16 : nv::Precision::f32;
    options.time_limit_seconds = this->TimeLimit;
    if (this->Task == SEGMENTATION || this->Task == CLASSIFICATION) {
      options.num_classes = outputs;
      if (this->ClassWeighting == INVERSE_FREQUENCY) {
        double total = 0;
        for (double c : class_counts) total += c;
        for (double c : class_counts)
          options.class_weights.push_back(c > 0 ? std::pow(c / total, -this->ClassWeightPower) : 0.0);
      } else if (this->ClassWeighting == MANUAL_WEIGHTS) {
        if (static_cast<int64_t>(this->ClassWeights.size()) != outputs)
          throw std::invalid_argument("ClassWeights has " + std::to_string(this->ClassWeights.size()) +
                                      " values but there are " + std::to_string(outputs) + " classes");
        options.class_weights = this->ClassWeights;
      }
    }

    trainer = std::make_unique<nv::Trainer>(spec, options, comm);
    nv::TrainingCallbacks callbacks;
    callbacks.progress = [this](double fraction, const std::string& message) {
      this->SetProgressText(message.c_str());
      this->UpdateProgress(0.05 + 0.9 * fraction);
    };
    callbacks.should_stop = [this]() { return this->GetAbortExecute() != 0; };
    history = trainer->fit(*data, callbacks);
  } catch (const std::exception& e) {
    problem = e.what();
  }
  if (!problem.empty()) {
    vtkErrorMacro(<< "training failed: " << problem);
    return 0;
  }

  // Rank 0 writes the best model. A failure to write at ModelFile falls back
  // to the temporary directory so that the trained network is never lost.
  if (model_path.empty()) model_path = (std::filesystem::temp_directory_path() / "neuralview-model.onnx").string();
  if (comm.rank() == 0) {
    const nv::GraphSpec best = trainer->best_model();
    try {
      nv::save_onnx(best, model_path);
      if (this->ModelFile.empty()) vtkWarningMacro(<< "ModelFile is not set; the model was written to " << model_path);
    } catch (const std::exception& e) {
      const std::string fallback =
          (std::filesystem::temp_directory_path() / ("neuralview-rescued-" + std::to_string(this->Seed) + ".onnx"))
              .string();
      nv::save_onnx(best, fallback);
      vtkErrorMacro(<< "could not write the model to " << model_path << " (" << e.what() << "); it was saved to "
                    << fallback);
      model_path = fallback;
    }
  }

  // The history table: one row per completed epoch.
  auto epoch = vtkSmartPointer<vtkIntArray>::New();
  epoch->SetName("Epoch");
  output->AddColumn(epoch);
  std::vector<vtkSmartPointer<vtkDoubleArray>> columns;
  auto add = [&](const std::string& name) {
    columns.push_back(column(name));
    output->AddColumn(columns.back());
    return columns.back().Get();
  };
  vtkDoubleArray* train_loss = add("TrainLoss");
  vtkDoubleArray* validation_loss = add("ValidationLoss");
  vtkDoubleArray* learning_rate = add("LearningRate");
  vtkDoubleArray* seconds = add("Seconds");
  const bool classes = this->Task == SEGMENTATION || this->Task == CLASSIFICATION;
  vtkDoubleArray* accuracy = classes ? add("Accuracy") : nullptr;
  vtkDoubleArray* mean_iou = classes ? add("MeanIoU") : nullptr;
  vtkDoubleArray* auc = classes ? add("AUC") : nullptr;
  std::vector<vtkDoubleArray*> class_iou, mae;
  const nv::ModelMetadata meta = trainer->best_model().metadata;
  if (classes)
    for (const std::string& name : meta.class_names) class_iou.push_back(add("IoU_" + name));
  if (!history.empty())
    for (size_t k = 0; k < history.front().mae.size(); ++k)
      mae.push_back(add("MAE_" + (k < meta.target_names.size() ? meta.target_names[k] : std::to_string(k))));
  for (const nv::EpochRecord& r : history) {
    epoch->InsertNextValue(r.epoch + 1);
    train_loss->InsertNextValue(r.train_loss);
    validation_loss->InsertNextValue(r.validation_loss);
    learning_rate->InsertNextValue(r.learning_rate);
    seconds->InsertNextValue(r.seconds);
    if (classes) {
      accuracy->InsertNextValue(r.accuracy);
      mean_iou->InsertNextValue(r.mean_iou);
      auc->InsertNextValue(r.auc);
      for (size_t k = 0; k < class_iou.size(); ++k)
        class_iou[k]->InsertNextValue(k < r.class_iou.size() ? r.class_iou[k] : std::nan(""));
    }
    for (size_t k = 0; k < mae.size(); ++k) mae[k]->InsertNextValue(k < r.mae.size() ? r.mae[k] : std::nan(""));
  }
  auto path = vtkSmartPointer<vtkStringArray>::New();
  path->SetName("ModelFile");
  path->InsertNextValue(model_path);
  output->GetFieldData()->AddArray(path);
  auto reason = vtkSmartPointer<vtkStringArray>::New();
  reason->SetName("StopReason");
  reason->InsertNextValue(trainer->stop_reason());
  output->GetFieldData()->AddArray(reason);
  this->UpdateProgress(1.0);
  return 1;
}

void vtkNVTrainNetwork::PrintSelf(ostream& os, vtkIndent indent) {
  this->Superclass::PrintSelf(os, indent);
  os << indent << "Task: " << task_name(this->Task) << "\n" << indent << "Architecture: " << this->Architecture << "\n";
  os << indent << "Epochs: " << this->Epochs << "\n" << indent << "BatchSize: " << this->BatchSize << "\n";
  os << indent << "ModelFile: " << this->ModelFile << "\n";
}
