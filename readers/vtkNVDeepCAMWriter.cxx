#include "vtkNVDeepCAMWriter.h"

#include <vector>

#include "nvClimateWeather.h"
#include "nvHDF5Handle.h"
#include "vtkDataArray.h"
#include "vtkImageData.h"
#include "vtkInformation.h"
#include "vtkObjectFactory.h"
#include "vtkPointData.h"

vtkStandardNewMacro(vtkNVDeepCAMWriter);

vtkNVDeepCAMWriter::vtkNVDeepCAMWriter() = default;

void vtkNVDeepCAMWriter::AddChannelName(const char* name) {
  if (name && *name) this->ChannelNames.emplace_back(name);
  this->Modified();
}

void vtkNVDeepCAMWriter::ClearChannelNames() {
  this->ChannelNames.clear();
  this->Modified();
}

int vtkNVDeepCAMWriter::FillInputPortInformation(int, vtkInformation* info) {
  info->Set(vtkAlgorithm::INPUT_REQUIRED_DATA_TYPE(), "vtkImageData");
  return 1;
}

void vtkNVDeepCAMWriter::WriteData() {
  vtkImageData* image = vtkImageData::SafeDownCast(this->GetInput());
  if (!image) {
    vtkErrorMacro(<< "the input is not image data");
    return;
  }
  if (this->FileName.empty()) {
    vtkErrorMacro(<< "no FileName is set");
    return;
  }
  int dims[3];
  image->GetDimensions(dims);
  if (dims[2] != 1 || dims[0] < 1 || dims[1] < 1) {
    vtkErrorMacro(<< "DeepCAM samples are 2-D lat-lon images; the input has dimensions " << dims[0] << " x " << dims[1]
                  << " x " << dims[2]);
    return;
  }
  std::vector<std::string> names = this->ChannelNames;
  if (names.empty()) names.assign(nvclimate::kVariableNames, nvclimate::kVariableNames + nvclimate::kVariableCount);
  std::vector<vtkDataArray*> arrays;
  std::string missing;
  for (const std::string& name : names) {
    vtkDataArray* array = image->GetPointData()->GetArray(name.c_str());
    if (!array || array->GetNumberOfComponents() != 1) missing += (missing.empty() ? "" : ", ") + name;
    arrays.push_back(array);
  }
  if (!missing.empty()) {
    vtkErrorMacro(<< "the input lacks the single-component point array(s) " << missing
                  << " needed as DeepCAM channels (set ChannelNames to write other arrays)");
    return;
  }

  const hsize_t rows = dims[1], columns = dims[0], channels = names.size();
  const vtkIdType n = image->GetNumberOfPoints();
  std::vector<float> values(static_cast<size_t>(n) * channels);
  for (size_t c = 0; c < channels; ++c)
    for (vtkIdType p = 0; p < n; ++p) values[p * channels + c] = static_cast<float>(arrays[c]->GetComponent(p, 0));

  nvhdf5::QuietErrors quiet;
  nvhdf5::Handle file(H5Fcreate(this->FileName.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), H5Fclose);
  if (!file.valid()) {
    vtkErrorMacro(<< "cannot create '" << this->FileName << "'");
    return;
  }
  nvhdf5::Handle group(H5Gcreate2(file.get(), "climate", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose);
  bool ok = group.valid();
  if (ok) {
    const hsize_t shape[3] = {rows, columns, channels};
    nvhdf5::Handle space(H5Screate_simple(3, shape, nullptr), H5Sclose);
    nvhdf5::Handle dataset(
        H5Dcreate2(group.get(), "data", H5T_IEEE_F32LE, space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Dclose);
    ok =
        dataset.valid() && H5Dwrite(dataset.get(), H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()) >= 0;
    // The channel order, so that readers need not assume DeepCAM's.
    std::string joined;
    for (const std::string& name : names) joined += (joined.empty() ? "" : ",") + name;
    nvhdf5::Handle text(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(text.get(), joined.size());
    nvhdf5::Handle scalar(H5Screate(H5S_SCALAR), H5Sclose);
    nvhdf5::Handle attribute(
        ok ? H5Acreate2(dataset.get(), "channel_names", text.get(), scalar.get(), H5P_DEFAULT, H5P_DEFAULT) : -1,
        H5Aclose);
    ok = ok && attribute.valid() && H5Awrite(attribute.get(), text.get(), joined.data()) >= 0;
  }
  vtkDataArray* labels = this->LabelArray.empty() ? nullptr : image->GetPointData()->GetArray(this->LabelArray.c_str());
  if (ok && labels) {
    std::vector<int> label_values(n);
    for (vtkIdType p = 0; p < n; ++p) label_values[p] = static_cast<int>(labels->GetComponent(p, 0));
    const hsize_t shape[2] = {rows, columns};
    nvhdf5::Handle space(H5Screate_simple(2, shape, nullptr), H5Sclose);
    nvhdf5::Handle dataset(
        H5Dcreate2(group.get(), "labels_0", H5T_STD_I32LE, space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
        H5Dclose);
    ok = dataset.valid() &&
         H5Dwrite(dataset.get(), H5T_NATIVE_INT, H5S_ALL, H5S_ALL, H5P_DEFAULT, label_values.data()) >= 0;
  }
  if (!ok) vtkErrorMacro(<< "writing '" << this->FileName << "' failed");
}

void vtkNVDeepCAMWriter::PrintSelf(ostream& os, vtkIndent indent) {
  this->Superclass::PrintSelf(os, indent);
  os << indent << "FileName: " << this->FileName << "\n" << indent << "LabelArray: " << this->LabelArray << "\n";
}
