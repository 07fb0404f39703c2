#include "vtkNVApplyNetwork.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <stdexcept>
#include <system_error>

#include "neuralview/channel_matching.h"
#include "neuralview/onnx_io.h"
#include "neuralview/predictor.h"
#include "nvControllerCommunicator.h"
#include "nvImageTensors.h"
#include "nvPieceExtent.h"
#include "vtkCellData.h"
#include "vtkCompositeDataIterator.h"
#include "vtkCompositeDataSet.h"
#include "vtkDataArray.h"
#include "vtkDoubleArray.h"
#include "vtkFieldData.h"
#include "vtkFloatArray.h"
#include "vtkImageData.h"
#include "vtkInformation.h"
#include "vtkInformationVector.h"
#include "vtkIntArray.h"
#include "vtkNew.h"
#include "vtkObjectFactory.h"
#include "vtkPointData.h"
#include "vtkSmartPointer.h"
#include "vtkStreamingDemandDrivenPipeline.h"
#include "vtkTable.h"

vtkStandardNewMacro(vtkNVApplyNetwork);

struct vtkNVApplyNetwork::LoadedModel {
  std::string path;
  std::filesystem::file_time_type written;
  std::unique_ptr<nv::Predictor> predictor;
};

namespace {

std::map<std::string, int> arrays_of(vtkDataSetAttributes* attributes) {
  std::map<std::string, int> arrays;
  for (int i = 0; i < attributes->GetNumberOfArrays(); ++i)
    if (vtkDataArray* a = attributes->GetArray(i))
      if (a->GetName()) arrays[a->GetName()] = a->GetNumberOfComponents();
  return arrays;
}

vtkSmartPointer<vtkFloatArray> float_array(const std::string& name, const float* values, int64_t count) {
  auto array = vtkSmartPointer<vtkFloatArray>::New();
  array->SetName(name.c_str());
  array->SetNumberOfTuples(count);
  std::copy(values, values + count, array->GetPointer(0));
  return array;
}

std::string class_name(const nv::ModelMetadata& meta, int64_t k) {
  return k < static_cast<int64_t>(meta.class_names.size()) ? meta.class_names[k] : "class" + std::to_string(k);
}

}  // namespace

vtkNVApplyNetwork::vtkNVApplyNetwork() { this->SetNumberOfOutputPorts(2); }

vtkNVApplyNetwork::~vtkNVApplyNetwork() = default;

void vtkNVApplyNetwork::AddChannelMapping(const char* entry) {
  if (!entry || !*entry) return;
  this->ChannelMapping.emplace_back(entry);
  this->Modified();
}

void vtkNVApplyNetwork::ClearChannelMapping() {
  this->ChannelMapping.clear();
  this->Modified();
}

vtkMTimeType vtkNVApplyNetwork::GetMTime() {
  // A model file rewritten since it was loaded (a new training run) marks
  // the filter modified, so the next update reads it again.
  if (this->Loaded && this->Loaded->path == this->ModelFile) {
    std::error_code error;
    const auto written = std::filesystem::last_write_time(this->ModelFile, error);
    if (!error && written != this->Loaded->written) {
      this->Loaded.reset();
      this->Modified();
    }
  }
  return this->Superclass::GetMTime();
}

vtkNVApplyNetwork::LoadedModel& vtkNVApplyNetwork::Model() {
  if (this->ModelFile.empty()) throw std::invalid_argument("ModelFile is not set");
  std::error_code error;
  const auto written = std::filesystem::last_write_time(this->ModelFile, error);
  if (error) throw std::invalid_argument("cannot read the model file '" + this->ModelFile + "': " + error.message());
  if (!this->Loaded || this->Loaded->path != this->ModelFile || this->Loaded->written != written) {
    auto loaded = std::make_unique<LoadedModel>();
    loaded->path = this->ModelFile;
    loaded->written = written;
    loaded->predictor = std::make_unique<nv::Predictor>(nv::load_onnx(this->ModelFile));
    this->Loaded = std::move(loaded);
  }
  return *this->Loaded;
}

int vtkNVApplyNetwork::FillInputPortInformation(int, vtkInformation* info) {
  info->Remove(vtkAlgorithm::INPUT_REQUIRED_DATA_TYPE());
  info->Append(vtkAlgorithm::INPUT_REQUIRED_DATA_TYPE(), "vtkImageData");
  info->Append(vtkAlgorithm::INPUT_REQUIRED_DATA_TYPE(), "vtkCompositeDataSet");
  return 1;
}

int vtkNVApplyNetwork::FillOutputPortInformation(int port, vtkInformation* info) {
  info->Set(vtkDataObject::DATA_TYPE_NAME(), port == 0 ? "vtkDataObject" : "vtkTable");
  return 1;
}

int vtkNVApplyNetwork::RequestDataObject(vtkInformation*, vtkInformationVector** inputVector,
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

int vtkNVApplyNetwork::RequestUpdateExtent(vtkInformation* request, vtkInformationVector** inputVector,
                                           vtkInformationVector* outputVector) {
  this->Superclass::RequestUpdateExtent(request, inputVector, outputVector);
  vtkInformation* outInfo = outputVector->GetInformationObject(0);
  vtkInformation* inInfo = inputVector[0]->GetInformationObject(0);
  int ghosts = 0;
  if (nv::number_of_pieces(outInfo) > 1) {
    try {
      const nv::SpatialGeometry& g = this->Model().predictor->geometry();
      // Rounding the window out to the downsampling grid needs up to one more step on each side.
      ghosts = static_cast<int>(g.receptive_radius + 2 * g.downsampling);
    } catch (const std::exception&) {
      // The model's problem is reported by RequestData.
    }
  }
  // Remember the piece: by RequestData the output's update extent may have
  // been overwritten with the grown one.
  if (nv::request_halo(outInfo, inInfo, ghosts, this->RequestedPiece)) this->HasRequestedPiece = true;
  return 1;
}

int vtkNVApplyNetwork::RequestData(vtkInformation*, vtkInformationVector** inputVector,
                                   vtkInformationVector* outputVector) {
  vtkDataObject* input = vtkDataObject::GetData(inputVector[0], 0);
  vtkDataObject* output = vtkDataObject::GetData(outputVector, 0);
  vtkTable* table = vtkTable::GetData(outputVector, 1);
  output->ShallowCopy(input);
  // With ghost layers the input is larger than the piece asked for: the
  // network runs on an aligned window around the piece, the output keeps the piece.
  int piece[6] = {0, -1, 0, -1, 0, -1}, whole[6] = {0, -1, 0, -1, 0, -1};
  vtkInformation* outInfo = outputVector->GetInformationObject(0);
  vtkInformation* inInfo = inputVector[0]->GetInformationObject(0);
  const int pieces = outInfo->Has(vtkStreamingDemandDrivenPipeline::UPDATE_NUMBER_OF_PIECES())
                         ? outInfo->Get(vtkStreamingDemandDrivenPipeline::UPDATE_NUMBER_OF_PIECES())
                         : 1;
  const bool cropped =
      vtkImageData::SafeDownCast(input) && pieces > 1 && inInfo->Has(vtkStreamingDemandDrivenPipeline::WHOLE_EXTENT());
  int inputExtent[6] = {0, -1, 0, -1, 0, -1};
  if (cropped) {
    nv::piece_extent_without_ghosts(outInfo, inInfo, this->HasRequestedPiece ? this->RequestedPiece : nullptr, piece);
    inInfo->Get(vtkStreamingDemandDrivenPipeline::WHOLE_EXTENT(), whole);
    vtkImageData::SafeDownCast(input)->GetExtent(inputExtent);
    for (int a = 0; a < 3; ++a) {
      piece[2 * a] = std::max(piece[2 * a], inputExtent[2 * a]);
      piece[2 * a + 1] = std::min(piece[2 * a + 1], inputExtent[2 * a + 1]);
    }
    nv::crop_image(vtkImageData::SafeDownCast(input), piece, vtkImageData::SafeDownCast(output));
  }
  nv::ControllerCommunicator ranks;
  nv::use_default_threads_per_rank(ranks);
  try {
    LoadedModel& model = this->Model();
    nv::Predictor& predictor = *model.predictor;
    const nv::ModelMetadata& meta = predictor.metadata();
    const std::map<std::string, std::string> mapping = nv::parse_channel_mapping(this->ChannelMapping);
    std::vector<std::string> channels = meta.channel_names;
    if (channels.empty())  // a model without names (e.g. from PyTorch): channels by position, named input_k
      for (int64_t c = 0; c < predictor.input_channels(); ++c) channels.push_back("input_" + std::to_string(c));
    if (static_cast<int64_t>(channels.size()) != predictor.input_channels())
      throw std::invalid_argument("the model names " + std::to_string(channels.size()) + " channels but takes " +
                                  std::to_string(predictor.input_channels()));
    const std::string task = meta.task.empty() ? "segmentation" : meta.task;
    std::vector<vtkImageData*> images = nv::images_of(output);
    for (size_t b = 0; b < images.size(); ++b) {
      vtkImageData* image = images[b];
      if (image->GetNumberOfPoints() == 0) continue;
      this->UpdateProgress(static_cast<double>(b) / images.size());
      // Channels from point data if they are all there, else from cell data.
      int association = vtkDataObject::FIELD_ASSOCIATION_POINTS;
      std::vector<nv::ChannelSource> sources;
      try {
        sources = nv::match_channels(channels, arrays_of(image->GetPointData()), mapping);
      } catch (const std::invalid_argument&) {
        association = vtkDataObject::FIELD_ASSOCIATION_CELLS;
        std::map<std::string, int> cell_arrays = arrays_of(image->GetCellData());
        if (cell_arrays.empty()) sources = nv::match_channels(channels, arrays_of(image->GetPointData()), mapping);
        sources = nv::match_channels(channels, cell_arrays, mapping);
      }
      vtkDataSetAttributes* attributes = nv::attributes_of(image, association);
      const nv::Shape spatial = nv::image_spatial_shape(image, association);
      const int64_t n = nv::element_count(spatial);
      // The values come from the input image, which may carry ghost layers.
      const bool halo = cropped && images.size() == 1 && association == vtkDataObject::FIELD_ASSOCIATION_POINTS;
      vtkImageData* source_image = halo ? vtkImageData::SafeDownCast(input) : image;
      vtkDataSetAttributes* source_attributes = nv::attributes_of(source_image, association);
      const nv::Shape source_spatial = nv::image_spatial_shape(source_image, association);
      const int64_t source_n = nv::element_count(source_spatial);
      nv::Shape shape = {static_cast<int64_t>(sources.size())};
      shape.insert(shape.end(), source_spatial.begin(), source_spatial.end());
      nv::Tensor field(shape);
      for (size_t c = 0; c < sources.size(); ++c) {
        vtkDataArray* array = source_attributes->GetArray(sources[c].array.c_str());
        for (int64_t i = 0; i < source_n; ++i)
          field[c * source_n + i] = static_cast<float>(array->GetComponent(i, sources[c].component));
      }
      // Window of the input the network runs on (tensor axis order z, y, x),
      // and where the piece lies in it.
      std::vector<int64_t> window_begin(source_spatial.size(), 0), window_size = source_spatial;
      std::vector<int64_t> piece_begin(source_spatial.size(), 0), piece_size = spatial;
      if (halo) {
        const nv::SpatialGeometry& g = predictor.geometry();
        const int64_t F = g.downsampling, R = g.receptive_radius;
        for (size_t t = 0; t < source_spatial.size(); ++t) {
          const int a = static_cast<int>(source_spatial.size() - 1 - t);  // tensor axis t is VTK axis a
          const int64_t lo = whole[2 * a], in_lo = inputExtent[2 * a], in_hi = inputExtent[2 * a + 1];
          // Aligned to the downsampling grid of the whole field, reaching R past the piece.
          const nv::AxisWindow w =
              nv::aligned_window(whole[2 * a + 1] + 1 - lo, piece[2 * a] - lo, piece[2 * a + 1] + 1 - lo, F, R);
          int64_t s = lo + w.begin, e = lo + w.end;
          // Should the input hold fewer ghost layers than asked for, stay on the grid.
          if (s < in_lo) s = lo + (in_lo - lo + F - 1) / F * F;
          if (e > in_hi + 1) e = lo + (in_hi + 1 - lo) / F * F;
          window_begin[t] = s - in_lo;
          window_size[t] = e - s;
          piece_begin[t] = piece[2 * a] - s;
        }
        field = nv::crop_field(field, window_begin, window_size);
      }

      if (task == "segmentation" || task == "autoencoder") {
        const bool monte_carlo = this->UncertaintyPasses > 0;
        if (monte_carlo && task != "segmentation")
          throw std::invalid_argument(
              "UncertaintyPasses (Monte-Carlo dropout) applies to segmentation models; this "
              "model's task is " +
              task);
        nv::Tensor out, entropy;
        if (monte_carlo) {
          out = predictor.predict_field_monte_carlo(field, this->UncertaintyPasses,
                                                    static_cast<uint64_t>(this->UncertaintySeed), entropy);
        } else {
          nv::FieldPredictionOptions options;
          options.tile_size = this->TileSize;
          out = predictor.predict_field(field, options);
        }
        if (halo) {
          out = nv::crop_field(out, piece_begin, piece_size);
          field = nv::crop_field(field, piece_begin, piece_size);
          if (monte_carlo) {
            nv::Shape with_channel = {1};
            with_channel.insert(with_channel.end(), entropy.shape().begin(), entropy.shape().end());
            entropy = nv::crop_field(entropy.reshaped(with_channel), piece_begin, piece_size);
          }
        }
        if (monte_carlo) attributes->AddArray(float_array("Uncertainty", entropy.data(), n));
        if (task == "segmentation") {
          // Monte-Carlo dropout already returns the mean probabilities.
          const nv::Tensor probability = monte_carlo ? out : nv::softmax_over_first_axis(out);
          const int64_t K = probability.dim(0);
          auto prediction = vtkSmartPointer<vtkIntArray>::New();
          prediction->SetName("Prediction");
          prediction->SetNumberOfTuples(n);
          for (int64_t i = 0; i < n; ++i) {
            int64_t best = 0;
            for (int64_t k = 1; k < K; ++k)
              if (probability[k * n + i] > probability[best * n + i]) best = k;
            prediction->SetValue(i, static_cast<int>(best));
          }
          attributes->AddArray(prediction);
          for (int64_t k = 0; k < K; ++k)
            attributes->AddArray(float_array("Probability_" + class_name(meta, k), probability.data() + k * n, n));
          attributes->SetActiveScalars("Prediction");
        } else {
          nv::Tensor normalised = field;
          predictor.normalise(normalised, 0);
          const int64_t C = out.dim(0);
          auto reconstruction = vtkSmartPointer<vtkFloatArray>::New();
          reconstruction->SetName("Reconstruction");
          reconstruction->SetNumberOfComponents(static_cast<int>(C));
          reconstruction->SetNumberOfTuples(n);
          auto error = vtkSmartPointer<vtkFloatArray>::New();
          error->SetName("ReconstructionError");
          error->SetNumberOfTuples(n);
          for (int64_t i = 0; i < n; ++i) {
            double squared = 0;
            for (int64_t c = 0; c < C; ++c) {
              const double mean = c < static_cast<int64_t>(meta.channel_mean.size()) ? meta.channel_mean[c] : 0.0;
              const double sd = c < static_cast<int64_t>(meta.channel_stddev.size()) && meta.channel_stddev[c] > 0
                                    ? meta.channel_stddev[c]
                                    : 1.0;
              reconstruction->SetComponent(i, static_cast<int>(c), out[c * n + i] * sd + mean);
              const double d = out[c * n + i] - normalised[c * n + i];
              squared += d * d;
            }
            error->SetValue(i, static_cast<float>(squared / C));
          }
          attributes->AddArray(reconstruction);
          attributes->AddArray(error);
        }
      } else {
        nv::Shape batched = {1};
        batched.insert(batched.end(), field.shape().begin(), field.shape().end());
        const nv::Tensor out = predictor.predict_samples(field.reshaped(batched), 1);
        const int64_t K = out.size();
        auto prediction = vtkSmartPointer<vtkDoubleArray>::New();
        prediction->SetName("Prediction");
        if (task == "classification") {
          const nv::Tensor probability = nv::softmax_over_first_axis(out.reshaped({K}));
          int64_t best = 0;
          for (int64_t k = 1; k < K; ++k)
            if (probability[k] > probability[best]) best = k;
          prediction->InsertNextValue(static_cast<double>(best));
          for (int64_t k = 0; k < K; ++k) {
            auto p = vtkSmartPointer<vtkDoubleArray>::New();
            p->SetName(("Probability_" + class_name(meta, k)).c_str());
            p->InsertNextValue(probability[k]);
            image->GetFieldData()->AddArray(p);
            if (b == 0) table->AddColumn(p);
          }
        } else {
          prediction->SetNumberOfComponents(static_cast<int>(K));
          prediction->SetNumberOfTuples(1);
          for (int64_t k = 0; k < K; ++k) {
            prediction->SetComponent(0, static_cast<int>(k), out[k]);
            if (k < static_cast<int64_t>(meta.target_names.size()))
              prediction->SetComponentName(static_cast<vtkIdType>(k), meta.target_names[k].c_str());
          }
        }
        image->GetFieldData()->AddArray(prediction);
        if (b == 0) table->AddColumn(prediction);
      }
    }
  } catch (const std::exception& e) {
    vtkErrorMacro(<< "cannot apply the network: " << e.what());
    return 0;
  }
  this->UpdateProgress(1.0);
  return 1;
}

void vtkNVApplyNetwork::PrintSelf(ostream& os, vtkIndent indent) {
  this->Superclass::PrintSelf(os, indent);
  os << indent << "ModelFile: " << this->ModelFile << "\n" << indent << "TileSize: " << this->TileSize << "\n";
  os << indent << "UncertaintyPasses: " << this->UncertaintyPasses << "\n"
     << indent << "UncertaintySeed: " << this->UncertaintySeed << "\n";
}
