#include "vtkNVNetworkAttribution.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "neuralview/attribution.h"
#include "nvImageTensors.h"
#include "nvModelInput.h"
#include "vtkDataArray.h"
#include "vtkDataObject.h"
#include "vtkDataSetAttributes.h"
#include "vtkDoubleArray.h"
#include "vtkFieldData.h"
#include "vtkFloatArray.h"
#include "vtkImageData.h"
#include "vtkInformation.h"
#include "vtkInformationVector.h"
#include "vtkIntArray.h"
#include "vtkObjectFactory.h"
#include "vtkSmartPointer.h"
#include "vtkStringArray.h"

vtkStandardNewMacro(vtkNVNetworkAttribution);

struct vtkNVNetworkAttribution::State {
  nv::ModelFileCache models;
  std::unique_ptr<nv::AttributionModel> attribution;
  nv::Shape shape;
  int generation = -1;

  nv::AttributionModel& model_for(const nv::GraphSpec& model, const nv::Shape& spatial) {
    if (!attribution || shape != spatial || generation != models.generation()) {
      attribution.reset();
      attribution = std::make_unique<nv::AttributionModel>(nv::model_for_field(model, spatial), 1);
      shape = spatial;
      generation = models.generation();
    }
    return *attribution;
  }
};

namespace {

const char* method_name(int method) {
  switch (method) {
    case vtkNVNetworkAttribution::SALIENCY:
      return "Saliency";
    case vtkNVNetworkAttribution::INTEGRATED_GRADIENTS:
      return "IntegratedGradients";
    default:
      return "GradCAM";
  }
}

vtkSmartPointer<vtkFloatArray> float_array(const std::string& name, const float* values, int64_t count) {
  auto array = vtkSmartPointer<vtkFloatArray>::New();
  array->SetName(name.c_str());
  array->SetNumberOfTuples(count);
  std::copy(values, values + count, array->GetPointer(0));
  return array;
}

void add_field_value(vtkFieldData* field, const char* name, double value) {
  auto array = vtkSmartPointer<vtkDoubleArray>::New();
  array->SetName(name);
  array->InsertNextValue(value);
  field->AddArray(array);
}

// Position of point (or cell centre) i of the image along each VTK axis.
void position_of(vtkImageData* image, int association, int64_t i, double x[3]) {
  int extent[6], dims[3];
  double origin[3], spacing[3];
  image->GetExtent(extent);
  image->GetOrigin(origin);
  image->GetSpacing(spacing);
  const bool cells = association == vtkDataObject::FIELD_ASSOCIATION_CELLS;
  for (int a = 0; a < 3; ++a) dims[a] = std::max(extent[2 * a + 1] - extent[2 * a] + (cells ? 0 : 1), 1);
  int64_t rest = i;
  for (int a = 0; a < 3; ++a) {
    const int64_t index = rest % dims[a];
    rest /= dims[a];
    const double centre = cells && extent[2 * a + 1] > extent[2 * a] ? 0.5 : 0.0;
    x[a] = origin[a] + spacing[a] * (extent[2 * a] + index + centre);
  }
}

}  // namespace

vtkNVNetworkAttribution::vtkNVNetworkAttribution() : Internal(std::make_unique<State>()) {}

vtkNVNetworkAttribution::~vtkNVNetworkAttribution() = default;

void vtkNVNetworkAttribution::AddChannelMapping(const char* entry) {
  if (!entry || !*entry) return;
  this->ChannelMapping.emplace_back(entry);
  this->Modified();
}

void vtkNVNetworkAttribution::ClearChannelMapping() {
  this->ChannelMapping.clear();
  this->Modified();
}

vtkMTimeType vtkNVNetworkAttribution::GetMTime() {
  if (this->Internal->models.changed_on_disk(this->ModelFile)) this->Modified();
  return this->Superclass::GetMTime();
}

int vtkNVNetworkAttribution::FillInputPortInformation(int, vtkInformation* info) {
  info->Set(vtkAlgorithm::INPUT_REQUIRED_DATA_TYPE(), "vtkImageData");
  return 1;
}

int vtkNVNetworkAttribution::FillOutputPortInformation(int, vtkInformation* info) {
  info->Set(vtkDataObject::DATA_TYPE_NAME(), "vtkImageData");
  return 1;
}

int vtkNVNetworkAttribution::RequestUpdateExtent(vtkInformation* request, vtkInformationVector** inputVector,
                                                 vtkInformationVector* outputVector) {
  this->Superclass::RequestUpdateExtent(request, inputVector, outputVector);
  nv::request_whole_field_on_first_piece(outputVector->GetInformationObject(0),
                                         inputVector[0]->GetInformationObject(0));
  return 1;
}

int vtkNVNetworkAttribution::RequestData(vtkInformation*, vtkInformationVector** inputVector,
                                         vtkInformationVector* outputVector) {
  vtkImageData* input = vtkImageData::GetData(inputVector[0], 0);
  vtkImageData* output = vtkImageData::GetData(outputVector, 0);
  if (nv::idle_piece(outputVector->GetInformationObject(0))) {
    output->Initialize();  // the first rank computes the whole field
    return 1;
  }
  output->ShallowCopy(input);
  try {
    const nv::GraphSpec& model = this->Internal->models.load(this->ModelFile);
    if (this->Method == GRAD_CAM && !this->Layer.empty()) nv::require_layer(model, this->Layer);
    if (input->GetNumberOfPoints() == 0) return 1;
    const nv::ModelInput in = nv::model_input_from_image(model, input, this->ChannelMapping);
    nv::AttributionModel& explainer = this->Internal->model_for(model, in.spatial);
    const int64_t n = nv::element_count(in.spatial);
    const int64_t channels = in.values.dim(0);
    nv::Shape batched{1};
    batched.insert(batched.end(), in.values.shape().begin(), in.values.shape().end());
    const nv::Tensor x = in.values.reshaped(batched);

    // The region: weights over the output's positions of one channel.
    nv::AttributionTarget target;
    const nv::Shape out_shape = explainer.output_shape();
    const bool dense = out_shape.size() >= 2 && nv::Shape(out_shape.begin() + 1, out_shape.end()) == in.spatial;
    vtkDataSetAttributes* attributes = nv::attributes_of(output, in.association);
    if (!this->RegionArray.empty() || this->UseRegionBounds) {
      if (!dense)
        throw std::invalid_argument(
            "a region needs a network whose output covers the field (segmentation, "
            "autoencoder); this model's output per sample is " +
            nv::shape_to_string(out_shape));
      target.region.assign(static_cast<size_t>(n), 1.0f);
      if (!this->RegionArray.empty()) {
        vtkDataArray* mask = attributes->GetArray(this->RegionArray.c_str());
        if (!mask)
          throw std::invalid_argument("RegionArray '" + this->RegionArray + "' is not a " +
                                      (in.association == vtkDataObject::FIELD_ASSOCIATION_CELLS ? "cell" : "point") +
                                      " array of the input (the channels' association)");
        for (int64_t i = 0; i < n; ++i)
          if (mask->GetComponent(i, 0) != this->RegionValue) target.region[static_cast<size_t>(i)] = 0.0f;
      }
      if (this->UseRegionBounds) {
        const double* b = this->RegionBounds;
        for (int64_t i = 0; i < n; ++i) {
          double p[3];
          position_of(input, in.association, i, p);
          for (int a = 0; a < 3; ++a)
            if (p[a] < b[2 * a] || p[a] > b[2 * a + 1]) target.region[static_cast<size_t>(i)] = 0.0f;
        }
      }
      if (std::all_of(target.region.begin(), target.region.end(), [](float w) { return w == 0.0f; }))
        throw std::invalid_argument("the region selects no point of the field");
    }

    // The explained output channel: given, or the one with the largest score.
    const int64_t outputs = out_shape.at(0);
    if (this->TargetClass >= outputs)
      throw std::invalid_argument("TargetClass " + std::to_string(this->TargetClass) + " does not exist: the " +
                                  "model has " + std::to_string(outputs) + " outputs (0 to " +
                                  std::to_string(outputs - 1) + ")");
    double score = 0.0;
    if (this->TargetClass >= 0) {
      target.channel = this->TargetClass;
      score = explainer.score(x, target)[0];
    } else {
      for (int64_t k = 0; k < outputs; ++k) {
        nv::AttributionTarget candidate{k, target.region};
        const double s = explainer.score(x, candidate)[0];
        if (k == 0 || s > score) {
          score = s;
          target.channel = k;
        }
      }
    }
    this->UpdateProgress(0.1);

    const std::vector<std::string> names = nv::model_channel_names(model);
    auto add_per_channel = [&](const nv::Tensor& values) {
      if (channels < 2) return;
      for (int64_t c = 0; c < channels; ++c)
        attributes->AddArray(float_array("Attribution_" + names[static_cast<size_t>(c)], values.data() + c * n, n));
    };
    nv::Tensor attribution({n});
    if (this->Method == SALIENCY) {
      const nv::Tensor s = explainer.saliency(x, target);
      attribution = nv::reduce_channels_max_abs(s);
      add_per_channel(s);
    } else if (this->Method == INTEGRATED_GRADIENTS) {
      const nv::Tensor ig = explainer.integrated_gradients(x, nv::Tensor(), target, this->Steps);
      for (int64_t c = 0; c < channels; ++c)
        for (int64_t i = 0; i < n; ++i) attribution[i] += ig[c * n + i];
      add_per_channel(ig);
      add_field_value(output->GetFieldData(), "AttributionBaselineScore",
                      explainer.score(nv::Tensor(x.shape(), 0.0f), target)[0]);
    } else {
      nv::AttributionModel& m = explainer;
      std::string layer = this->Layer;
      if (layer.empty()) {
        // The default layer needs the tensor shapes: a probe network of the frozen graph.
        const nv::Network probe(m.frozen_spec(), 1);
        layer = nv::last_spatial_layer(probe);
      }
      const nv::Tensor cam = m.grad_cam_any_layer(x, layer, target);
      const nv::Shape cam_spatial(cam.shape().begin() + 2, cam.shape().end());
      nv::Shape native{1};
      native.insert(native.end(), cam_spatial.begin(), cam_spatial.end());
      attribution = nv::resample_to_grid(cam.reshaped(native), in.spatial, true);
      auto chosen = vtkSmartPointer<vtkStringArray>::New();
      chosen->SetName("AttributionLayer");
      chosen->InsertNextValue(layer);
      output->GetFieldData()->AddArray(chosen);
    }
    attributes->AddArray(float_array("Attribution", attribution.data(), n));
    attributes->SetActiveScalars("Attribution");
    add_field_value(output->GetFieldData(), "AttributionScore", score);
    auto target_array = vtkSmartPointer<vtkIntArray>::New();
    target_array->SetName("AttributionTarget");
    target_array->InsertNextValue(static_cast<int>(target.channel));
    output->GetFieldData()->AddArray(target_array);
    auto method = vtkSmartPointer<vtkStringArray>::New();
    method->SetName("AttributionMethod");
    method->InsertNextValue(method_name(this->Method));
    output->GetFieldData()->AddArray(method);
  } catch (const std::exception& e) {
    vtkErrorMacro(<< "cannot compute the attribution (" << method_name(this->Method) << "): " << e.what());
    return 0;
  }
  this->UpdateProgress(1.0);
  return 1;
}

void vtkNVNetworkAttribution::PrintSelf(ostream& os, vtkIndent indent) {
  this->Superclass::PrintSelf(os, indent);
  os << indent << "ModelFile: " << this->ModelFile << "\n"
     << indent << "Method: " << method_name(this->Method) << "\n"
     << indent << "TargetClass: " << this->TargetClass << "\n"
     << indent << "Steps: " << this->Steps << "\n"
     << indent << "Layer: " << this->Layer << "\n"
     << indent << "RegionArray: " << this->RegionArray << " = " << this->RegionValue << "\n";
}
