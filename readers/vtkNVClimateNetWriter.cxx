#include "vtkNVClimateNetWriter.h"

#include <netcdf.h>

#include <cstring>
#include <vector>

#include "nvClimateWeather.h"
#include "vtkDataArray.h"
#include "vtkImageData.h"
#include "vtkInformation.h"
#include "vtkObjectFactory.h"
#include "vtkPointData.h"

vtkStandardNewMacro(vtkNVClimateNetWriter);

namespace {

// Units and long names of the CAM5 variables.
void describe(const std::string& name, std::string& units, std::string& long_name) {
  for (int v = 0; v < nvclimate::kVariableCount; ++v)
    if (name == nvclimate::kVariableNames[v]) {
      units = nvclimate::kVariableUnits[v];
      long_name = nvclimate::kVariableLongNames[v];
      return;
    }
  if (name == "LABELS") long_name = "0 background, 1 tropical cyclone, 2 atmospheric river";
  if (name == "FRONTS") long_name = "1 on a front";
  if (name == "LANDFRAC") long_name = "fraction of the cell covered by land";
  if (name == "IVT") units = "kg/m/s", long_name = "vapour transport: TMQ times the 850 hPa wind speed";
}

bool text_attribute(int file, int var, const char* name, const std::string& value) {
  return value.empty() || nc_put_att_text(file, var, name, value.size(), value.c_str()) == NC_NOERR;
}

}  // namespace

vtkNVClimateNetWriter::vtkNVClimateNetWriter() = default;

void vtkNVClimateNetWriter::AddArrayName(const char* name) {
  if (name && *name) this->ArrayNames.emplace_back(name);
  this->Modified();
}

void vtkNVClimateNetWriter::ClearArrayNames() {
  this->ArrayNames.clear();
  this->Modified();
}

int vtkNVClimateNetWriter::FillInputPortInformation(int, vtkInformation* info) {
  info->Set(vtkAlgorithm::INPUT_REQUIRED_DATA_TYPE(), "vtkImageData");
  return 1;
}

void vtkNVClimateNetWriter::WriteData() {
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
    vtkErrorMacro(<< "ClimateNet samples are 2-D lat-lon images; the input has dimensions " << dims[0] << " x "
                  << dims[1] << " x " << dims[2]);
    return;
  }
  vtkPointData* pd = image->GetPointData();
  std::vector<vtkDataArray*> arrays;
  if (this->ArrayNames.empty()) {
    for (int a = 0; a < pd->GetNumberOfArrays(); ++a)
      if (vtkDataArray* array = pd->GetArray(a))
        if (array->GetNumberOfComponents() == 1 && array->GetName()) arrays.push_back(array);
  } else {
    std::string missing;
    for (const std::string& name : this->ArrayNames) {
      vtkDataArray* array = pd->GetArray(name.c_str());
      if (!array || array->GetNumberOfComponents() != 1)
        missing += (missing.empty() ? "" : ", ") + name;
      else
        arrays.push_back(array);
    }
    if (!missing.empty()) {
      vtkErrorMacro(<< "the input lacks the single-component point array(s) " << missing);
      return;
    }
  }
  if (arrays.empty()) {
    vtkErrorMacro(<< "the input has no single-component point arrays to write");
    return;
  }

  int file = -1;
  int status = nc_create(this->FileName.c_str(), NC_CLOBBER | NC_NETCDF4, &file);
  if (status != NC_NOERR) {
    vtkErrorMacro(<< "cannot create '" << this->FileName << "': " << nc_strerror(status));
    return;
  }
  const size_t rows = dims[1], columns = dims[0];
  int time_dim, lat_dim, lon_dim, time_var, lat_var, lon_var;
  bool ok = nc_def_dim(file, "time", 1, &time_dim) == NC_NOERR && nc_def_dim(file, "lat", rows, &lat_dim) == NC_NOERR &&
            nc_def_dim(file, "lon", columns, &lon_dim) == NC_NOERR &&
            nc_def_var(file, "time", NC_DOUBLE, 1, &time_dim, &time_var) == NC_NOERR &&
            nc_def_var(file, "lat", NC_DOUBLE, 1, &lat_dim, &lat_var) == NC_NOERR &&
            nc_def_var(file, "lon", NC_DOUBLE, 1, &lon_dim, &lon_var) == NC_NOERR;
  ok = ok && text_attribute(file, time_var, "units", "days since 2000-01-01 00:00:00") &&
       text_attribute(file, lat_var, "units", "degrees_north") &&
       text_attribute(file, lat_var, "long_name", "latitude") &&
       text_attribute(file, lon_var, "units", "degrees_east") &&
       text_attribute(file, lon_var, "long_name", "longitude") &&
       text_attribute(file, NC_GLOBAL, "Conventions", "CF-1.6") &&
       text_attribute(file, NC_GLOBAL, "source", "NeuralView ClimateNet writer");
  std::vector<int> ids(arrays.size());
  std::vector<bool> integer(arrays.size());
  for (size_t a = 0; ok && a < arrays.size(); ++a) {
    const std::string name = arrays[a]->GetName();
    integer[a] = arrays[a]->GetDataType() != VTK_FLOAT && arrays[a]->GetDataType() != VTK_DOUBLE;
    const int timed[3] = {time_dim, lat_dim, lon_dim}, plain[2] = {lat_dim, lon_dim};
    ok = integer[a] ? nc_def_var(file, name.c_str(), NC_INT, 2, plain, &ids[a]) == NC_NOERR
                    : nc_def_var(file, name.c_str(), NC_FLOAT, 3, timed, &ids[a]) == NC_NOERR;
    std::string units, long_name;
    describe(name, units, long_name);
    ok = ok && text_attribute(file, ids[a], "units", units) && text_attribute(file, ids[a], "long_name", long_name);
  }
  ok = ok && nc_enddef(file) == NC_NOERR;

  double origin[3], spacing[3];
  image->GetOrigin(origin);
  image->GetSpacing(spacing);
  int extent[6];
  image->GetExtent(extent);
  std::vector<double> lat(rows), lon(columns);
  for (size_t j = 0; j < rows; ++j) lat[j] = origin[1] + (extent[2] + static_cast<double>(j)) * spacing[1];
  for (size_t i = 0; i < columns; ++i) lon[i] = origin[0] + (extent[0] + static_cast<double>(i)) * spacing[0];
  ok = ok && nc_put_var_double(file, time_var, &this->Time) == NC_NOERR &&
       nc_put_var_double(file, lat_var, lat.data()) == NC_NOERR &&
       nc_put_var_double(file, lon_var, lon.data()) == NC_NOERR;
  const vtkIdType n = image->GetNumberOfPoints();
  for (size_t a = 0; ok && a < arrays.size(); ++a) {
    if (integer[a]) {
      std::vector<int> values(n);
      for (vtkIdType p = 0; p < n; ++p) values[p] = static_cast<int>(arrays[a]->GetComponent(p, 0));
      ok = nc_put_var_int(file, ids[a], values.data()) == NC_NOERR;
    } else {
      std::vector<float> values(n);
      for (vtkIdType p = 0; p < n; ++p) values[p] = static_cast<float>(arrays[a]->GetComponent(p, 0));
      ok = nc_put_var_float(file, ids[a], values.data()) == NC_NOERR;
    }
  }
  status = nc_close(file);
  if (!ok || status != NC_NOERR) vtkErrorMacro(<< "writing '" << this->FileName << "' failed");
}

void vtkNVClimateNetWriter::PrintSelf(ostream& os, vtkIndent indent) {
  this->Superclass::PrintSelf(os, indent);
  os << indent << "FileName: " << this->FileName << "\n" << indent << "Time: " << this->Time << "\n";
}
