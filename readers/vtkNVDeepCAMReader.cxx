#include "vtkNVDeepCAMReader.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "nvClimateWeather.h"
#include "nvHDF5Handle.h"
#include "vtkFloatArray.h"
#include "vtkImageData.h"
#include "vtkInformation.h"
#include "vtkInformationVector.h"
#include "vtkIntArray.h"
#include "vtkObjectFactory.h"
#include "vtkPointData.h"
#include "vtkStreamingDemandDrivenPipeline.h"

vtkStandardNewMacro(vtkNVDeepCAMReader);

namespace {

const char* const kData = "/climate/data";
const char* const kLabels = "/climate/labels_0";

std::vector<std::string> split_names(const std::string& text) {
  std::vector<std::string> names;
  std::stringstream stream(text);
  std::string item;
  while (std::getline(stream, item, ',')) {
    item.erase(0, item.find_first_not_of(" \t"));
    item.erase(item.find_last_not_of(" \t") + 1);
    names.push_back(item);
  }
  return names;
}

}  // namespace

vtkNVDeepCAMReader::vtkNVDeepCAMReader() { this->SetNumberOfInputPorts(0); }

void vtkNVDeepCAMReader::SetFileName(const char* name) {
  this->FileNames.clear();
  if (name && *name) this->FileNames.emplace_back(name);
  this->Modified();
}

void vtkNVDeepCAMReader::AddFileName(const char* name) {
  if (name && *name) this->FileNames.emplace_back(name);
  this->Modified();
}

void vtkNVDeepCAMReader::ClearFileNames() {
  this->FileNames.clear();
  this->Modified();
}

const char* vtkNVDeepCAMReader::GetFileName(int index) const {
  return index >= 0 && index < static_cast<int>(this->FileNames.size()) ? this->FileNames[index].c_str() : nullptr;
}

int vtkNVDeepCAMReader::CanReadFile(const char* name) {
  if (!name) return 0;
  nvhdf5::QuietErrors quiet;
  if (H5Fis_hdf5(name) <= 0) return 0;
  nvhdf5::Handle file(H5Fopen(name, H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  return file.valid() && nvhdf5::dataset_shape(file.get(), kData).size() == 3 ? 1 : 0;
}

int vtkNVDeepCAMReader::RequestInformation(vtkInformation*, vtkInformationVector**,
                                           vtkInformationVector* outputVector) {
  if (this->FileNames.empty()) {
    vtkErrorMacro(<< "no file name is set");
    return 0;
  }
  nvhdf5::QuietErrors quiet;
  const std::string& first = this->FileNames.front();
  if (H5Fis_hdf5(first.c_str()) <= 0) {
    vtkErrorMacro(<< "'" << first << "' does not exist or is not an HDF5 file");
    return 0;
  }
  nvhdf5::Handle file(H5Fopen(first.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  const std::vector<hsize_t> shape = file.valid() ? nvhdf5::dataset_shape(file.get(), kData) : std::vector<hsize_t>{};
  if (shape.size() != 3 || shape[0] < 2 || shape[1] < 1 || shape[2] < 1) {
    vtkErrorMacro(<< "'" << first << "' has no DeepCAM dataset climate/data of shape (lat, lon, channels)");
    return 0;
  }
  this->Rows = static_cast<int>(shape[0]);
  this->Columns = static_cast<int>(shape[1]);
  this->Channels = static_cast<int>(shape[2]);
  this->ChannelNames = split_names(nvhdf5::string_attribute(file.get(), kData, "channel_names"));
  if (static_cast<int>(this->ChannelNames.size()) != this->Channels) {
    this->ChannelNames.clear();
    for (int c = 0; c < this->Channels; ++c)
      this->ChannelNames.push_back(this->Channels == nvclimate::kVariableCount ? nvclimate::kVariableNames[c]
                                                                               : "channel_" + std::to_string(c));
  }

  vtkInformation* outInfo = outputVector->GetInformationObject(0);
  int wholeExtent[6] = {0, this->Columns - 1, 0, this->Rows - 1, 0, 0};
  outInfo->Set(vtkStreamingDemandDrivenPipeline::WHOLE_EXTENT(), wholeExtent, 6);
  double spacing[3] = {360.0 / this->Columns, 180.0 / (this->Rows - 1), 1.0}, origin[3] = {0.0, -90.0, 0.0};
  outInfo->Set(vtkDataObject::SPACING(), spacing, 3);
  outInfo->Set(vtkDataObject::ORIGIN(), origin, 3);
  outInfo->Set(vtkAlgorithm::CAN_PRODUCE_SUB_EXTENT(), 1);
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
  return 1;
}

int vtkNVDeepCAMReader::RequestData(vtkInformation*, vtkInformationVector**, vtkInformationVector* outputVector) {
  vtkInformation* outInfo = outputVector->GetInformationObject(0);
  vtkImageData* output = vtkImageData::GetData(outInfo);
  int extent[6];
  outInfo->Get(vtkStreamingDemandDrivenPipeline::UPDATE_EXTENT(), extent);
  output->SetExtent(extent);
  output->SetSpacing(360.0 / this->Columns, 180.0 / (this->Rows - 1), 1.0);
  output->SetOrigin(0.0, -90.0, 0.0);

  const int steps = static_cast<int>(this->FileNames.size());
  int step = 0;
  if (steps > 1 && outInfo->Has(vtkStreamingDemandDrivenPipeline::UPDATE_TIME_STEP())) {
    step = std::clamp(static_cast<int>(std::lround(outInfo->Get(vtkStreamingDemandDrivenPipeline::UPDATE_TIME_STEP()))),
                      0, steps - 1);
    output->GetInformation()->Set(vtkDataObject::DATA_TIME_STEP(), step);
  }
  const std::string& name = this->FileNames[step];
  const vtkIdType n = output->GetNumberOfPoints();
  if (n == 0) return 1;

  nvhdf5::QuietErrors quiet;
  nvhdf5::Handle file(H5Fis_hdf5(name.c_str()) > 0 ? H5Fopen(name.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT) : -1, H5Fclose);
  const std::vector<hsize_t> shape = file.valid() ? nvhdf5::dataset_shape(file.get(), kData) : std::vector<hsize_t>{};
  if (shape.size() != 3 || static_cast<int>(shape[0]) != this->Rows || static_cast<int>(shape[1]) != this->Columns ||
      static_cast<int>(shape[2]) != this->Channels) {
    vtkErrorMacro(<< "'" << name << "' is not readable or its climate/data is not of shape (" << this->Rows << ", "
                  << this->Columns << ", " << this->Channels << ") like the first file's");
    return 0;
  }

  // The hyperslab of this piece: rows (latitudes) j0..j1, columns i0..i1.
  const hsize_t rows = extent[3] - extent[2] + 1, columns = extent[1] - extent[0] + 1;
  std::vector<float> values(rows * columns * this->Channels);
  {
    nvhdf5::Handle dataset(H5Dopen2(file.get(), kData, H5P_DEFAULT), H5Dclose);
    nvhdf5::Handle space(H5Dget_space(dataset.get()), H5Sclose);
    const hsize_t start[3] = {static_cast<hsize_t>(extent[2]), static_cast<hsize_t>(extent[0]), 0};
    const hsize_t count[3] = {rows, columns, static_cast<hsize_t>(this->Channels)};
    nvhdf5::Handle memory(H5Screate_simple(3, count, nullptr), H5Sclose);
    if (H5Sselect_hyperslab(space.get(), H5S_SELECT_SET, start, nullptr, count, nullptr) < 0 ||
        H5Dread(dataset.get(), H5T_NATIVE_FLOAT, memory.get(), space.get(), H5P_DEFAULT, values.data()) < 0) {
      vtkErrorMacro(<< "could not read climate/data from '" << name << "'");
      return 0;
    }
  }
  for (int c = 0; c < this->Channels; ++c) {
    auto array = vtkSmartPointer<vtkFloatArray>::New();
    array->SetName(this->ChannelNames[c].c_str());
    array->SetNumberOfTuples(n);
    for (vtkIdType p = 0; p < n; ++p) array->SetValue(p, values[p * this->Channels + c]);
    output->GetPointData()->AddArray(array);
  }
  output->GetPointData()->SetActiveScalars(this->ChannelNames[0].c_str());

  const std::vector<hsize_t> label_shape = nvhdf5::dataset_shape(file.get(), kLabels);
  if (!label_shape.empty()) {
    if (label_shape.size() != 2 || static_cast<int>(label_shape[0]) != this->Rows ||
        static_cast<int>(label_shape[1]) != this->Columns) {
      vtkErrorMacro(<< "'" << name << "': climate/labels_0 is not of shape (" << this->Rows << ", " << this->Columns
                    << ")");
      return 0;
    }
    auto labels = vtkSmartPointer<vtkIntArray>::New();
    labels->SetName("LABELS");
    labels->SetNumberOfTuples(n);
    nvhdf5::Handle dataset(H5Dopen2(file.get(), kLabels, H5P_DEFAULT), H5Dclose);
    nvhdf5::Handle space(H5Dget_space(dataset.get()), H5Sclose);
    const hsize_t start[2] = {static_cast<hsize_t>(extent[2]), static_cast<hsize_t>(extent[0])};
    const hsize_t count[2] = {rows, columns};
    nvhdf5::Handle memory(H5Screate_simple(2, count, nullptr), H5Sclose);
    if (H5Sselect_hyperslab(space.get(), H5S_SELECT_SET, start, nullptr, count, nullptr) < 0 ||
        H5Dread(dataset.get(), H5T_NATIVE_INT, memory.get(), space.get(), H5P_DEFAULT, labels->GetPointer(0)) < 0) {
      vtkErrorMacro(<< "could not read climate/labels_0 from '" << name << "'");
      return 0;
    }
    output->GetPointData()->AddArray(labels);
  }
  return 1;
}

void vtkNVDeepCAMReader::PrintSelf(ostream& os, vtkIndent indent) {
  this->Superclass::PrintSelf(os, indent);
  os << indent << "FileNames: " << this->FileNames.size() << "\n";
  for (const std::string& name : this->FileNames) os << indent.GetNextIndent() << name << "\n";
}
