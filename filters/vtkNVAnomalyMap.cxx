#include "vtkNVAnomalyMap.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <map>
#include <stdexcept>

#include "neuralview/channel_matching.h"
#include "neuralview/onnx_io.h"
#include "neuralview/predictor.h"
#include "nvControllerCommunicator.h"
#include "nvDistributedQuantile.h"
#include "nvFeatureVectors.h"
#include "nvImageTensors.h"
#include "vtkCellData.h"
#include "vtkCompositeDataIterator.h"
#include "vtkCompositeDataSet.h"
#include "vtkDataArray.h"
#include "vtkDataSet.h"
#include "vtkDoubleArray.h"
#include "vtkFieldData.h"
#include "vtkFloatArray.h"
#include "vtkIdTypeArray.h"
#include "vtkImageData.h"
#include "vtkInformation.h"
#include "vtkInformationVector.h"
#include "vtkIntArray.h"
#include "vtkMultiProcessController.h"
#include "vtkNew.h"
#include "vtkObjectFactory.h"
#include "vtkPointData.h"
#include "vtkSmartPointer.h"
#include "vtkStreamingDemandDrivenPipeline.h"
#include "vtkTable.h"

vtkStandardNewMacro(vtkNVAnomalyMap);

namespace {

std::map<std::string, int> arrays_of(vtkDataSetAttributes* attributes) {
  std::map<std::string, int> arrays;
  for (int i = 0; i < attributes->GetNumberOfArrays(); ++i)
    if (vtkDataArray* a = attributes->GetArray(i))
      if (a->GetName()) arrays[a->GetName()] = a->GetNumberOfComponents();
  return arrays;
}

// The reconstruction error of an autoencoder on one image (as ApplyNetwork).
vtkSmartPointer<vtkFloatArray> reconstruction_error(nv::Predictor& predictor, vtkImageData* image,
                                                    const std::vector<std::string>& mapping_entries, int& association) {
  const nv::ModelMetadata& meta = predictor.metadata();
  if (meta.task != "autoencoder")
    throw std::invalid_argument("the model is a " + (meta.task.empty() ? std::string("segmentation") : meta.task) +
                                " model, not an autoencoder: it has no reconstruction error");
  std::vector<std::string> channels = meta.channel_names;
  if (channels.empty())
    for (int64_t c = 0; c < predictor.input_channels(); ++c) channels.push_back("input_" + std::to_string(c));
  const auto mapping = nv::parse_channel_mapping(mapping_entries);
  std::vector<nv::ChannelSource> sources;
  association = vtkDataObject::FIELD_ASSOCIATION_POINTS;
  try {
    sources = nv::match_channels(channels, arrays_of(image->GetPointData()), mapping);
  } catch (const std::invalid_argument&) {
    if (image->GetCellData()->GetNumberOfArrays() == 0) throw;
    association = vtkDataObject::FIELD_ASSOCIATION_CELLS;
    sources = nv::match_channels(channels, arrays_of(image->GetCellData()), mapping);
  }
  vtkDataSetAttributes* attributes = nv::attributes_of(image, association);
  const nv::Shape spatial = nv::image_spatial_shape(image, association);
  const int64_t n = nv::element_count(spatial);
  nv::Shape shape = {static_cast<int64_t>(sources.size())};
  shape.insert(shape.end(), spatial.begin(), spatial.end());
  nv::Tensor field(shape);
  for (size_t c = 0; c < sources.size(); ++c) {
    vtkDataArray* array = attributes->GetArray(sources[c].array.c_str());
    for (int64_t i = 0; i < n; ++i) field[c * n + i] = static_cast<float>(array->GetComponent(i, sources[c].component));
  }
  nv::FieldPredictionOptions options;
  options.tile_size = 512;
  const nv::Tensor out = predictor.predict_field(field, options);
  predictor.normalise(field, 0);
  const int64_t C = std::min(out.dim(0), field.dim(0));
  auto error = vtkSmartPointer<vtkFloatArray>::New();
  error->SetName("ReconstructionError");
  error->SetNumberOfTuples(n);
  for (int64_t i = 0; i < n; ++i) {
    double squared = 0;
    for (int64_t c = 0; c < C; ++c) {
      const double d = out[c * n + i] - field[c * n + i];
      squared += d * d;
    }
    error->SetValue(i, static_cast<float>(squared / C));
  }
  return error;
}

}  // namespace

vtkNVAnomalyMap::vtkNVAnomalyMap() { this->SetNumberOfOutputPorts(2); }

vtkNVAnomalyMap::~vtkNVAnomalyMap() = default;

void vtkNVAnomalyMap::AddChannelMapping(const char* entry) {
  if (!entry || !*entry) return;
  this->ChannelMapping.emplace_back(entry);
  this->Modified();
}

void vtkNVAnomalyMap::ClearChannelMapping() {
  this->ChannelMapping.clear();
  this->Modified();
}

int vtkNVAnomalyMap::FillInputPortInformation(int, vtkInformation* info) {
  info->Remove(vtkAlgorithm::INPUT_REQUIRED_DATA_TYPE());
  info->Append(vtkAlgorithm::INPUT_REQUIRED_DATA_TYPE(), "vtkDataSet");
  info->Append(vtkAlgorithm::INPUT_REQUIRED_DATA_TYPE(), "vtkCompositeDataSet");
  return 1;
}

int vtkNVAnomalyMap::FillOutputPortInformation(int port, vtkInformation* info) {
  info->Set(vtkDataObject::DATA_TYPE_NAME(), port == 0 ? "vtkDataObject" : "vtkTable");
  return 1;
}

int vtkNVAnomalyMap::RequestDataObject(vtkInformation*, vtkInformationVector** inputVector,
                                       vtkInformationVector* outputVector) {
  vtkDataObject* input = vtkDataObject::GetData(inputVector[0], 0);
  if (!input) return 0;
  vtkInformation* outInfo = outputVector->GetInformationObject(0);
  vtkDataObject* output = vtkDataObject::GetData(outInfo);
  if (!output || !output->IsA(input->GetClassName())) {
    vtkSmartPointer<vtkDataObject> fresh;
    fresh.TakeReference(input->NewInstance());
    outInfo->Set(vtkDataObject::DATA_OBJECT(), fresh);
  }
  vtkInformation* tableInfo = outputVector->GetInformationObject(1);
  if (!vtkTable::GetData(tableInfo)) tableInfo->Set(vtkDataObject::DATA_OBJECT(), vtkSmartPointer<vtkTable>::New());
  return 1;
}

int vtkNVAnomalyMap::RequestData(vtkInformation*, vtkInformationVector** inputVector,
                                 vtkInformationVector* outputVector) {
  vtkDataObject* input = vtkDataObject::GetData(inputVector[0], 0);
  vtkInformation* inInfo = inputVector[0]->GetInformationObject(0);
  vtkDataObject* output = vtkDataObject::GetData(outputVector, 0);
  vtkTable* table = vtkTable::GetData(outputVector, 1);
  output->ShallowCopy(input);
  nv::ControllerCommunicator comm;
  vtkMultiProcessController* controller = nv::parallel_controller();
  const bool root = !controller || controller->GetLocalProcessId() == 0;

  // The samples: every leaf of a collection (empty ones included, so that
  // ranks agree on the numbering), or the data set itself.
  std::vector<vtkDataSet*> samples;
  if (auto* composite = vtkCompositeDataSet::SafeDownCast(output)) {
    vtkSmartPointer<vtkCompositeDataIterator> it;
    it.TakeReference(composite->NewIterator());
    it->SkipEmptyNodesOff();
    for (it->InitTraversal(); !it->IsDoneWithTraversal(); it->GoToNextItem())
      samples.push_back(vtkDataSet::SafeDownCast(it->GetCurrentDataObject()));
  } else {
    samples.push_back(vtkDataSet::SafeDownCast(output));
  }

  std::string problem;
  std::vector<vtkDataArray*> errors(samples.size(), nullptr);
  std::vector<vtkDataSetAttributes*> where(samples.size(), nullptr);
  std::vector<std::vector<char>> owned(samples.size());
  std::vector<double> values;
  try {
    if (!(this->Quantile >= 0.0 && this->Quantile <= 1.0))
      throw std::invalid_argument("Quantile must lie in [0, 1], not " + std::to_string(this->Quantile));
    std::unique_ptr<nv::Predictor> predictor;
    if (!this->ModelFile.empty()) {
      std::error_code error;
      if (!std::filesystem::is_regular_file(this->ModelFile, error))
        throw std::invalid_argument("cannot read the model file '" + this->ModelFile + "'");
      predictor = std::make_unique<nv::Predictor>(nv::load_onnx(this->ModelFile));
    }
    int whole[6];
    const bool has_whole =
        vtkImageData::SafeDownCast(output) && inInfo->Has(vtkStreamingDemandDrivenPipeline::WHOLE_EXTENT());
    if (has_whole) inInfo->Get(vtkStreamingDemandDrivenPipeline::WHOLE_EXTENT(), whole);
    for (size_t s = 0; s < samples.size(); ++s) {
      vtkDataSet* set = samples[s];
      if (!set || (set->GetNumberOfPoints() == 0 && set->GetNumberOfCells() == 0)) continue;
      int association = vtkDataObject::FIELD_ASSOCIATION_POINTS;
      vtkDataArray* error = nullptr;
      if (predictor) {
        auto* image = vtkImageData::SafeDownCast(set);
        if (!image) throw std::invalid_argument("computing the error from a model needs image data");
        vtkSmartPointer<vtkFloatArray> computed =
            reconstruction_error(*predictor, image, this->ChannelMapping, association);
        nv::attributes_of(image, association)->AddArray(computed);
        error = computed;
      } else {
        error = set->GetPointData()->GetArray(this->ErrorArray.c_str());
        if (!error) {
          error = set->GetCellData()->GetArray(this->ErrorArray.c_str());
          association = vtkDataObject::FIELD_ASSOCIATION_CELLS;
        }
        if (!error)
          throw std::invalid_argument("the input has no point or cell array '" + this->ErrorArray +
                                      "' (apply an autoencoder with Apply Network, or give a ModelFile)");
      }
      if (error->GetNumberOfComponents() != 1)
        throw std::invalid_argument("the error array '" + std::string(error->GetName()) + "' must have one component");
      errors[s] = error;
      where[s] = association == vtkDataObject::FIELD_ASSOCIATION_CELLS
                     ? static_cast<vtkDataSetAttributes*>(set->GetCellData())
                     : static_cast<vtkDataSetAttributes*>(set->GetPointData());
      if (auto* image = vtkImageData::SafeDownCast(set))
        owned[s] = nv::owned_tuples(image, association, has_whole ? whole : nullptr);
      for (vtkIdType i = 0; i < error->GetNumberOfTuples(); ++i) {
        if (!owned[s].empty() && !owned[s][i]) continue;
        const double v = error->GetComponent(i, 0);
        if (!std::isfinite(v)) throw std::invalid_argument("the error array holds NaN or infinite values");
        values.push_back(v);
      }
    }
  } catch (const std::exception& e) {
    problem = e.what();
  }
  if (!nv::all_ranks_ok(comm, problem.empty())) {
    vtkErrorMacro(<< "cannot map anomalies: " << (problem.empty() ? "another rank failed" : problem));
    return 0;
  }
  const double threshold = nv::distributed_quantile(values, this->Quantile, comm);
  if (std::isnan(threshold)) {
    vtkErrorMacro(<< "cannot map anomalies: the input holds no error values (is it empty?)");
    return 0;
  }

  // Mark, and reduce per-sample statistics: (sum, count, anomalous) summed, max maxed.
  double slots = static_cast<double>(samples.size());
  comm.allreduce_max(&slots, 1);
  const size_t S = static_cast<size_t>(slots);
  std::vector<double> sums(3 * S, 0.0), maxima(S, -std::numeric_limits<double>::infinity());
  for (size_t s = 0; s < samples.size(); ++s) {
    if (!errors[s]) continue;
    vtkDataArray* error = errors[s];
    vtkNew<vtkIntArray> anomaly;
    anomaly->SetName("Anomaly");
    anomaly->SetNumberOfTuples(error->GetNumberOfTuples());
    for (vtkIdType i = 0; i < error->GetNumberOfTuples(); ++i) {
      const double v = error->GetComponent(i, 0);
      const bool marked = v > threshold;
      anomaly->SetValue(i, marked ? 1 : 0);
      if (!owned[s].empty() && !owned[s][i]) continue;
      sums[3 * s] += v;
      sums[3 * s + 1] += 1;
      sums[3 * s + 2] += marked ? 1 : 0;
      maxima[s] = std::max(maxima[s], v);
    }
    where[s]->AddArray(anomaly);
    where[s]->SetActiveScalars("Anomaly");
  }
  comm.allreduce_sum(sums.data(), sums.size());
  comm.allreduce_max(maxima.data(), maxima.size());

  auto field_value = [](const char* name, double value) {
    vtkNew<vtkDoubleArray> array;
    array->SetName(name);
    array->InsertNextValue(value);
    return vtkSmartPointer<vtkDoubleArray>(array.Get());
  };
  for (size_t s = 0; s < samples.size(); ++s) {
    if (!samples[s]) continue;
    vtkFieldData* fd = samples[s]->GetFieldData();
    fd->AddArray(field_value("AnomalyThreshold", threshold));
    if (sums[3 * s + 1] > 0) {
      fd->AddArray(field_value("AnomalyScore", sums[3 * s] / sums[3 * s + 1]));
      fd->AddArray(field_value("AnomalousFraction", sums[3 * s + 2] / sums[3 * s + 1]));
    }
  }
  if (root) {
    vtkNew<vtkIdTypeArray> sample, anomalous;
    sample->SetName("Sample");
    anomalous->SetName("AnomalousPoints");
    vtkNew<vtkDoubleArray> mean, maximum, fraction;
    mean->SetName("MeanError");
    maximum->SetName("MaxError");
    fraction->SetName("AnomalousFraction");
    for (size_t s = 0; s < S; ++s) {
      if (sums[3 * s + 1] == 0) continue;
      sample->InsertNextValue(static_cast<vtkIdType>(s));
      mean->InsertNextValue(sums[3 * s] / sums[3 * s + 1]);
      maximum->InsertNextValue(maxima[s]);
      anomalous->InsertNextValue(static_cast<vtkIdType>(sums[3 * s + 2]));
      fraction->InsertNextValue(sums[3 * s + 2] / sums[3 * s + 1]);
    }
    table->AddColumn(sample);
    table->AddColumn(mean);
    table->AddColumn(maximum);
    table->AddColumn(anomalous);
    table->AddColumn(fraction);
    table->GetFieldData()->AddArray(field_value("AnomalyThreshold", threshold));
  }
  return 1;
}

void vtkNVAnomalyMap::PrintSelf(ostream& os, vtkIndent indent) {
  this->Superclass::PrintSelf(os, indent);
  os << indent << "ErrorArray: " << this->ErrorArray << "\n" << indent << "Quantile: " << this->Quantile << "\n";
}
