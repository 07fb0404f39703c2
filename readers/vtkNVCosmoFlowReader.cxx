#include "vtkNVCosmoFlowReader.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <exception>
#include <stdexcept>
#include <string>

#include "nvCosmologyHDF5.h"
#include "vtkDoubleArray.h"
#include "vtkFieldData.h"
#include "vtkFloatArray.h"
#include "vtkImageData.h"
#include "vtkInformation.h"
#include "vtkInformationVector.h"
#include "vtkObjectFactory.h"
#include "vtkPointData.h"
#include "vtkStreamingDemandDrivenPipeline.h"

vtkStandardNewMacro(vtkNVCosmoFlowReader);

namespace {

const char* const kDefaultNames[4] = {"Density_z0", "Density_z0.5", "Density_z1.5", "Density_z3"};
const char* const kParameterNames[4] = {"Omega_m", "sigma_8", "n_s", "H0"};

std::string redshift_name(double z) {
  char text[48];
  std::snprintf(text, sizeof(text), "Density_z%g", z);
  return text;
}

std::vector<double> root_number(const nvcosmo::CosmoFile& file, const std::string& name) {
  for (const nvcosmo::Attribute& a : file.attributes("/"))
    if (a.name == name && !a.is_string) return a.numbers;
  return {};
}

}  // namespace

vtkNVCosmoFlowReader::vtkNVCosmoFlowReader() { this->SetNumberOfInputPorts(0); }

void vtkNVCosmoFlowReader::SetFileName(const char* name) {
  this->FileNames.clear();
  if (name && *name) this->FileNames.emplace_back(name);
  this->Modified();
}

void vtkNVCosmoFlowReader::AddFileName(const char* name) {
  if (!name) return;
  this->FileNames.emplace_back(name);
  this->Modified();
}

void vtkNVCosmoFlowReader::ClearFileNames() {
  this->FileNames.clear();
  this->Modified();
}

int vtkNVCosmoFlowReader::CanReadFile(const char* fileName) {
  if (!fileName) return 0;
  try {
    const nvcosmo::CosmoFile file = nvcosmo::CosmoFile::open(fileName);
    if (!file.has("full")) return 0;
    const size_t rank = file.shape("full").size();
    return rank == 3 || rank == 4 ? 1 : 0;
  } catch (const std::exception&) {
    return 0;
  }
}

int vtkNVCosmoFlowReader::RequestInformation(vtkInformation*, vtkInformationVector**,
                                             vtkInformationVector* outputVector) {
  if (this->FileNames.empty()) {
    vtkErrorMacro(<< "no FileName is set");
    return 0;
  }
  try {
    const nvcosmo::CosmoFile file = nvcosmo::CosmoFile::open(this->FileNames[0]);
    if (!file.has("full")) throw std::runtime_error("no dataset 'full' (is it a CosmoFlow sample?)");
    const std::vector<uint64_t> shape = file.shape("full");
    this->Rank = static_cast<int>(shape.size());
    if (this->Rank == 3) {
      this->Channels = 1;
      this->ChannelsFirst = false;
      for (int a = 0; a < 3; ++a) this->Side[a] = static_cast<int>(shape[a]);
    } else if (this->Rank == 4) {
      if (shape[3] <= 16 && shape[3] < shape[0]) {
        this->ChannelsFirst = false;
        this->Channels = static_cast<int>(shape[3]);
        for (int a = 0; a < 3; ++a) this->Side[a] = static_cast<int>(shape[a]);
      } else if (shape[0] <= 16 && shape[0] < shape[3]) {
        this->ChannelsFirst = true;
        this->Channels = static_cast<int>(shape[0]);
        for (int a = 0; a < 3; ++a) this->Side[a] = static_cast<int>(shape[a + 1]);
      } else {
        throw std::runtime_error("'full' has shape (" + std::to_string(shape[0]) + ", " + std::to_string(shape[1]) +
                                 ", " + std::to_string(shape[2]) + ", " + std::to_string(shape[3]) +
                                 "): neither the first nor the last axis looks like channels (<= 16)");
      }
    } else {
      throw std::runtime_error("'full' has " + std::to_string(shape.size()) +
                               " dimensions; a CosmoFlow cube has 3 (one channel) or 4");
    }
    for (int a = 0; a < 3; ++a)
      if (this->Side[a] < 1) throw std::runtime_error("'full' is empty");
    this->Spacing = 1.0;
    if (this->VoxelSize > 0) {
      this->Spacing = this->VoxelSize;
    } else {
      const std::vector<double> box = root_number(file, "BoxSize");
      if (box.size() == 1 && box[0] > 0) this->Spacing = box[0] / this->Side[0];
    }
  } catch (const std::exception& e) {
    vtkErrorMacro(<< "cannot read " << this->FileNames[0] << ": " << e.what());
    return 0;
  }
  vtkInformation* outInfo = outputVector->GetInformationObject(0);
  outInfo->Remove(vtkStreamingDemandDrivenPipeline::TIME_STEPS());
  outInfo->Remove(vtkStreamingDemandDrivenPipeline::TIME_RANGE());
  const int steps = static_cast<int>(this->FileNames.size());
  if (steps > 1) {
    std::vector<double> times(steps);
    for (int t = 0; t < steps; ++t) times[t] = t;
    outInfo->Set(vtkStreamingDemandDrivenPipeline::TIME_STEPS(), times.data(), steps);
    double range[2] = {0.0, static_cast<double>(steps - 1)};
    outInfo->Set(vtkStreamingDemandDrivenPipeline::TIME_RANGE(), range, 2);
  }
  int extent[6] = {0, this->Side[0] - 1, 0, this->Side[1] - 1, 0, this->Side[2] - 1};
  outInfo->Set(vtkStreamingDemandDrivenPipeline::WHOLE_EXTENT(), extent, 6);
  double spacing[3] = {this->Spacing, this->Spacing, this->Spacing}, origin[3] = {0, 0, 0};
  outInfo->Set(vtkDataObject::SPACING(), spacing, 3);
  outInfo->Set(vtkDataObject::ORIGIN(), origin, 3);
  outInfo->Set(vtkAlgorithm::CAN_PRODUCE_SUB_EXTENT(), 1);
  return 1;
}

int vtkNVCosmoFlowReader::RequestData(vtkInformation*, vtkInformationVector**, vtkInformationVector* outputVector) {
  vtkInformation* outInfo = outputVector->GetInformationObject(0);
  vtkImageData* output = vtkImageData::GetData(outInfo);
  int extent[6];
  outInfo->Get(vtkStreamingDemandDrivenPipeline::UPDATE_EXTENT(), extent);
  output->SetExtent(extent);
  output->SetSpacing(this->Spacing, this->Spacing, this->Spacing);
  output->SetOrigin(0, 0, 0);
  if (this->FileNames.empty()) {
    vtkErrorMacro(<< "no FileName is set");
    return 0;
  }
  int step = 0;
  const int steps = static_cast<int>(this->FileNames.size());
  if (steps > 1 && outInfo->Has(vtkStreamingDemandDrivenPipeline::UPDATE_TIME_STEP())) {
    const double t = outInfo->Get(vtkStreamingDemandDrivenPipeline::UPDATE_TIME_STEP());
    step = std::clamp(static_cast<int>(std::lround(t)), 0, steps - 1);
  }
  if (steps > 1) output->GetInformation()->Set(vtkDataObject::DATA_TIME_STEP(), step);
  const std::string& path = this->FileNames[step];
  try {
    const nvcosmo::CosmoFile file = nvcosmo::CosmoFile::open(path);
    const int C = this->Channels;
    {
      const std::vector<uint64_t> shape = file.shape("full");
      const std::vector<uint64_t> expected =
          this->Rank == 3
              ? std::vector<uint64_t>{uint64_t(this->Side[0]), uint64_t(this->Side[1]), uint64_t(this->Side[2])}
          : this->ChannelsFirst ? std::vector<uint64_t>{uint64_t(C), uint64_t(this->Side[0]), uint64_t(this->Side[1]),
                                                        uint64_t(this->Side[2])}
                                : std::vector<uint64_t>{uint64_t(this->Side[0]), uint64_t(this->Side[1]),
                                                        uint64_t(this->Side[2]), uint64_t(C)};
      if (shape != expected) throw std::runtime_error("'full' differs in shape from the series' first file");
    }

    // Channel names.
    std::vector<std::string> names;
    for (const nvcosmo::Attribute& a : file.attributes("/"))
      if (a.name == "channel_names" && a.is_string && static_cast<int>(a.strings.size()) == C) names = a.strings;
    if (names.empty() && file.has("redshifts")) {
      const std::vector<double> z = file.read_double("redshifts");
      if (static_cast<int>(z.size()) == C)
        for (double v : z) names.push_back(redshift_name(v));
    }
    if (names.empty())
      for (int c = 0; c < C; ++c) names.push_back(C == 4 ? kDefaultNames[c] : "channel_" + std::to_string(c));

    const uint64_t n[3] = {static_cast<uint64_t>(extent[1] - extent[0] + 1),
                           static_cast<uint64_t>(extent[3] - extent[2] + 1),
                           static_cast<uint64_t>(extent[5] - extent[4] + 1)};
    const uint64_t o[3] = {static_cast<uint64_t>(extent[0]), static_cast<uint64_t>(extent[2]),
                           static_cast<uint64_t>(extent[4])};
    std::vector<uint64_t> start, count;
    if (this->Rank == 3) {
      start = {o[0], o[1], o[2]};
      count = {n[0], n[1], n[2]};
    } else if (this->ChannelsFirst) {
      start = {0, o[0], o[1], o[2]};
      count = {static_cast<uint64_t>(C), n[0], n[1], n[2]};
    } else {
      start = {o[0], o[1], o[2], 0};
      count = {n[0], n[1], n[2], static_cast<uint64_t>(C)};
    }
    const std::vector<float> slab =
        n[0] * n[1] * n[2] > 0 ? file.read_float("full", start, count) : std::vector<float>{};
    const vtkIdType points = output->GetNumberOfPoints();
    for (int c = 0; c < C; ++c) {
      auto array = vtkSmartPointer<vtkFloatArray>::New();
      array->SetName(names[c].c_str());
      array->SetNumberOfTuples(points);
      auto log_array = vtkSmartPointer<vtkFloatArray>::New();
      log_array->SetName(("Log" + names[c]).c_str());
      if (this->LogDensity) log_array->SetNumberOfTuples(points);
      // The file is (x, y, z[, c]) with z fastest; VTK stores x fastest.
      for (uint64_t k = 0; k < n[2]; ++k)
        for (uint64_t j = 0; j < n[1]; ++j)
          for (uint64_t i = 0; i < n[0]; ++i) {
            const uint64_t cell = (i * n[1] + j) * n[2] + k;
            const uint64_t source = this->ChannelsFirst ? c * n[0] * n[1] * n[2] + cell : cell * C + c;
            const vtkIdType id = static_cast<vtkIdType>((k * n[1] + j) * n[0] + i);
            const float v = slab[source];
            array->SetValue(id, v);
            if (this->LogDensity) log_array->SetValue(id, v > -1.0f ? std::log1p(v) : NAN);
          }
      output->GetPointData()->AddArray(array);
      if (this->LogDensity) output->GetPointData()->AddArray(log_array);
    }
    output->GetPointData()->SetActiveScalars(((this->LogDensity ? "Log" : "") + names[0]).c_str());

    // Parameters.
    std::vector<std::string> parameter_names;
    if (file.has("namePar")) parameter_names = file.read_strings("namePar");
    auto add_vector = [&](const std::string& dataset, const std::string& name, bool single) {
      if (!file.has(dataset)) return;
      const std::vector<double> values = file.read_double(dataset);
      vtkSmartPointer<vtkDataArray> array;
      if (single)
        array = vtkSmartPointer<vtkFloatArray>::New();
      else
        array = vtkSmartPointer<vtkDoubleArray>::New();
      array->SetName(name.c_str());
      array->SetNumberOfComponents(static_cast<int>(values.size()));
      array->SetNumberOfTuples(1);
      for (size_t c = 0; c < values.size(); ++c) {
        array->SetComponent(0, static_cast<int>(c), values[c]);
        const char* component = c < parameter_names.size() ? parameter_names[c].c_str()
                                : values.size() == 4       ? kParameterNames[c]
                                                           : nullptr;
        if (component) array->SetComponentName(static_cast<vtkIdType>(c), component);
      }
      output->GetFieldData()->AddArray(array);
    };
    add_vector("unitPar", "unitPar", true);
    add_vector("physPar", "physPar", false);
    if (file.has("redshifts")) {
      auto z = vtkSmartPointer<vtkDoubleArray>::New();
      z->SetName("Redshifts");
      for (double v : file.read_double("redshifts")) z->InsertNextValue(v);
      output->GetFieldData()->AddArray(z);
    }
    auto box = vtkSmartPointer<vtkDoubleArray>::New();
    box->SetName("BoxSize");
    box->InsertNextValue(this->Spacing * this->Side[0]);
    output->GetFieldData()->AddArray(box);
  } catch (const std::exception& e) {
    vtkErrorMacro(<< "cannot read " << path << ": " << e.what());
    return 0;
  }
  return 1;
}

void vtkNVCosmoFlowReader::PrintSelf(ostream& os, vtkIndent indent) {
  this->Superclass::PrintSelf(os, indent);
  for (const std::string& name : this->FileNames) os << indent << "FileName: " << name << "\n";
  os << indent << "LogDensity: " << this->LogDensity << "\n";
  os << indent << "VoxelSize: " << this->VoxelSize << "\n";
}
