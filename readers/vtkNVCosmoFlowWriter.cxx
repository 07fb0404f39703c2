#include "vtkNVCosmoFlowWriter.h"

#include <exception>
#include <stdexcept>

#include "nvCosmologyHDF5.h"
#include "vtkDataArray.h"
#include "vtkFieldData.h"
#include "vtkImageData.h"
#include "vtkInformation.h"
#include "vtkObjectFactory.h"
#include "vtkPointData.h"

vtkStandardNewMacro(vtkNVCosmoFlowWriter);

vtkNVCosmoFlowWriter::vtkNVCosmoFlowWriter() = default;

void vtkNVCosmoFlowWriter::AddChannelArray(const char* name) {
  if (!name) return;
  this->ChannelArrays.emplace_back(name);
  this->Modified();
}

void vtkNVCosmoFlowWriter::ClearChannelArrays() {
  this->ChannelArrays.clear();
  this->Modified();
}

int vtkNVCosmoFlowWriter::FillInputPortInformation(int, vtkInformation* info) {
  info->Set(vtkAlgorithm::INPUT_REQUIRED_DATA_TYPE(), "vtkImageData");
  return 1;
}

void vtkNVCosmoFlowWriter::WriteData() {
  vtkImageData* image = vtkImageData::SafeDownCast(this->GetInput());
  if (!image) {
    vtkErrorMacro(<< "the input is not image data");
    return;
  }
  if (this->FileName.empty()) {
    vtkErrorMacro(<< "no FileName is set");
    return;
  }
  std::vector<std::string> channels = this->ChannelArrays;
  if (channels.empty()) channels = {"Density_z0", "Density_z0.5", "Density_z1.5", "Density_z3"};
  int dims[3];
  image->GetDimensions(dims);
  const vtkIdType points = image->GetNumberOfPoints();
  if (points == 0) {
    vtkErrorMacro(<< "the input image is empty (is the whole image on this process?)");
    return;
  }
  std::vector<vtkDataArray*> arrays;
  for (const std::string& name : channels) {
    vtkDataArray* array = image->GetPointData()->GetArray(name.c_str());
    if (!array) {
      vtkErrorMacro(<< "the input has no point array '" << name << "' to write as a channel");
      return;
    }
    if (array->GetNumberOfComponents() != 1) {
      vtkErrorMacro(<< "point array '" << name << "' has " << array->GetNumberOfComponents()
                    << " components; channels must be scalars");
      return;
    }
    arrays.push_back(array);
  }
  try {
    nvcosmo::CosmoFile file = nvcosmo::CosmoFile::create(this->FileName);
    const size_t C = arrays.size();
    std::vector<float> cube(static_cast<size_t>(points) * C);
    // (x, y, z, c) with c fastest, then z: the transpose of VTK's x-fastest order.
    for (int k = 0; k < dims[2]; ++k)
      for (int j = 0; j < dims[1]; ++j)
        for (int i = 0; i < dims[0]; ++i) {
          const vtkIdType id = (static_cast<vtkIdType>(k) * dims[1] + j) * dims[0] + i;
          const size_t cell = (static_cast<size_t>(i) * dims[1] + j) * dims[2] + k;
          for (size_t c = 0; c < C; ++c) cube[cell * C + c] = static_cast<float>(arrays[c]->GetComponent(id, 0));
        }
    file.write_float("full",
                     {static_cast<uint64_t>(dims[0]), static_cast<uint64_t>(dims[1]), static_cast<uint64_t>(dims[2]),
                      static_cast<uint64_t>(C)},
                     cube.data());
    file.write_string_attribute("/", "channel_names", channels);
    double spacing[3];
    image->GetSpacing(spacing);
    file.write_double_attribute("/", "BoxSize", {spacing[0] * dims[0]});

    vtkFieldData* fd = image->GetFieldData();
    // unitPar as float32 (CosmoFlow's type), physPar in double precision.
    auto write_vector = [&](vtkDataArray* array, const std::string& dataset, bool single) {
      if (!array || array->GetNumberOfTuples() < 1) return false;
      std::vector<double> values(array->GetNumberOfComponents());
      for (int c = 0; c < array->GetNumberOfComponents(); ++c) values[c] = array->GetComponent(0, c);
      const std::vector<uint64_t> dims = {static_cast<uint64_t>(values.size())};
      if (single) {
        const std::vector<float> f(values.begin(), values.end());
        file.write_float(dataset, dims, f.data());
      } else {
        file.write_double(dataset, dims, values.data());
      }
      return true;
    };
    vtkDataArray* label = fd->GetArray(this->LabelArray.c_str());
    if (!this->LabelArray.empty() && !label)
      vtkWarningMacro(<< "the input has no field-data array '" << this->LabelArray << "'; no unitPar is written");
    if (write_vector(label, "unitPar", true)) {
      std::vector<std::string> names;
      for (int c = 0; c < label->GetNumberOfComponents(); ++c) {
        const char* name = label->GetComponentName(c);
        names.push_back(name ? name : "p" + std::to_string(c));
      }
      file.write_strings("namePar", names);
    }
    write_vector(fd->GetArray("physPar"), "physPar", false);
    if (vtkDataArray* z = fd->GetArray("Redshifts")) {
      std::vector<double> values;
      for (vtkIdType t = 0; t < z->GetNumberOfTuples(); ++t) values.push_back(z->GetComponent(t, 0));
      file.write_double("redshifts", {static_cast<uint64_t>(values.size())}, values.data());
    }
  } catch (const std::exception& e) {
    vtkErrorMacro(<< "cannot write " << this->FileName << ": " << e.what());
  }
}

void vtkNVCosmoFlowWriter::PrintSelf(ostream& os, vtkIndent indent) {
  this->Superclass::PrintSelf(os, indent);
  os << indent << "FileName: " << this->FileName << "\n" << indent << "LabelArray: " << this->LabelArray << "\n";
}
