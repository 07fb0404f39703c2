#include "vtkNVClimateNetReader.h"

#include <netcdf.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "vtkFloatArray.h"
#include "vtkImageData.h"
#include "vtkInformation.h"
#include "vtkInformationVector.h"
#include "vtkIntArray.h"
#include "vtkObjectFactory.h"
#include "vtkPointData.h"
#include "vtkStreamingDemandDrivenPipeline.h"

vtkStandardNewMacro(vtkNVClimateNetReader);

namespace {

class NetCDFFile {
 public:
  explicit NetCDFFile(const std::string& name) { this->Status = nc_open(name.c_str(), NC_NOWRITE, &this->Id); }
  ~NetCDFFile() {
    if (this->Status == NC_NOERR) nc_close(this->Id);
  }
  NetCDFFile(const NetCDFFile&) = delete;
  NetCDFFile& operator=(const NetCDFFile&) = delete;
  bool ok() const { return this->Status == NC_NOERR; }
  const char* error() const { return nc_strerror(this->Status); }
  int id() const { return this->Id; }

 private:
  int Id = -1;
  int Status = NC_NOERR;
};

int find_dimension(int file, std::initializer_list<const char*> names) {
  for (const char* name : names) {
    int id;
    if (nc_inq_dimid(file, name, &id) == NC_NOERR) return id;
  }
  return -1;
}

struct Layout {
  int lat = -1, lon = -1, time = -1;  // dimension ids
  size_t rows = 0, columns = 0, records = 1;
};

Layout layout_of(int file) {
  Layout l;
  l.lat = find_dimension(file, {"lat", "latitude", "LAT", "Latitude"});
  l.lon = find_dimension(file, {"lon", "longitude", "LON", "Longitude"});
  if (l.lat < 0 || l.lon < 0) return l;
  nc_inq_dimlen(file, l.lat, &l.rows);
  nc_inq_dimlen(file, l.lon, &l.columns);
  int unlimited = -1;
  nc_inq_unlimdim(file, &unlimited);
  l.time = unlimited >= 0 ? unlimited : find_dimension(file, {"time", "Time", "TIME"});
  if (l.time >= 0) nc_inq_dimlen(file, l.time, &l.records);
  return l;
}

// Variables laid out (lat, lon) or (time, lat, lon), except the coordinates;
// with requested pressure levels also (time, level, lat, lon) variables at
// the level nearest each request (within 5 %), named like CAM5's U850.
struct Field {
  int id;
  std::string name;  // of the output array
  nc_type type;
  bool has_time;
  int level;  // index along the level dimension, -1 for none
};

std::vector<double> coordinates(int file, int dimension, size_t length);

std::string level_suffix(double level) {
  char text[32];
  std::snprintf(text, sizeof(text), "%g", level);
  return text;
}

std::vector<Field> fields_of(int file, const Layout& l, const std::vector<double>& levels = {}) {
  std::vector<Field> fields;
  int count = 0;
  nc_inq_nvars(file, &count);
  for (int v = 0; v < count; ++v) {
    char name[NC_MAX_NAME + 1];
    nc_type type;
    int ndims = 0, dims[NC_MAX_VAR_DIMS];
    nc_inq_var(file, v, name, &type, &ndims, dims, nullptr);
    if (type == NC_CHAR || type == NC_STRING) continue;
    const bool plain = ndims == 2 && dims[0] == l.lat && dims[1] == l.lon;
    const bool timed = ndims == 3 && dims[0] == l.time && dims[1] == l.lat && dims[2] == l.lon;
    if (plain || timed) {
      fields.push_back({v, name, type, timed, -1});
      continue;
    }
    const bool layered = ndims == 4 && dims[0] == l.time && dims[2] == l.lat && dims[3] == l.lon;
    if (!layered || levels.empty()) continue;
    size_t length = 0;
    nc_inq_dimlen(file, dims[1], &length);
    const std::vector<double> values = coordinates(file, dims[1], length);
    for (double wanted : levels) {
      int best = -1;
      for (size_t k = 0; k < length; ++k)
        if (std::fabs(values[k] - wanted) <= 0.05 * std::fabs(wanted) &&
            (best < 0 || std::fabs(values[k] - wanted) < std::fabs(values[best] - wanted)))
          best = static_cast<int>(k);
      if (best < 0) continue;
      const std::string base = std::string(name) == "Z3" ? "Z" : name;  // CAM's geopotential height
      fields.push_back({v, base + level_suffix(wanted), type, true, best});
    }
  }
  return fields;
}

// The coordinate values of a dimension (0, 1, 2, ... without a variable).
std::vector<double> coordinates(int file, int dimension, size_t length) {
  std::vector<double> values(length);
  char name[NC_MAX_NAME + 1];
  nc_inq_dimname(file, dimension, name);
  int var;
  if (nc_inq_varid(file, name, &var) != NC_NOERR || nc_get_var_double(file, var, values.data()) != NC_NOERR)
    for (size_t k = 0; k < length; ++k) values[k] = static_cast<double>(k);
  return values;
}

double attribute(int file, int var, const char* name, double fallback) {
  double value;
  size_t length = 0;
  if (nc_inq_attlen(file, var, name, &length) != NC_NOERR || length != 1) return fallback;
  return nc_get_att_double(file, var, name, &value) == NC_NOERR ? value : fallback;
}

bool is_integer_type(nc_type type) {
  return type == NC_BYTE || type == NC_UBYTE || type == NC_SHORT || type == NC_USHORT || type == NC_INT ||
         type == NC_UINT || type == NC_INT64 || type == NC_UINT64;
}

}  // namespace

vtkNVClimateNetReader::vtkNVClimateNetReader() { this->SetNumberOfInputPorts(0); }

void vtkNVClimateNetReader::SetFileName(const char* name) {
  this->FileNames.clear();
  if (name && *name) this->FileNames.emplace_back(name);
  this->Modified();
}

void vtkNVClimateNetReader::AddFileName(const char* name) {
  if (name && *name) this->FileNames.emplace_back(name);
  this->Modified();
}

void vtkNVClimateNetReader::AddPressureLevel(double level) {
  this->PressureLevels.push_back(level);
  this->Modified();
}

void vtkNVClimateNetReader::ClearPressureLevels() {
  this->PressureLevels.clear();
  this->Modified();
}

void vtkNVClimateNetReader::ClearFileNames() {
  this->FileNames.clear();
  this->Modified();
}

const char* vtkNVClimateNetReader::GetFileName(int index) const {
  return index >= 0 && index < static_cast<int>(this->FileNames.size()) ? this->FileNames[index].c_str() : nullptr;
}

int vtkNVClimateNetReader::CanReadFile(const char* name) {
  if (!name) return 0;
  NetCDFFile file(name);
  if (!file.ok()) return 0;
  const Layout l = layout_of(file.id());
  return l.lat >= 0 && l.lon >= 0 && !fields_of(file.id(), l).empty() ? 1 : 0;
}

int vtkNVClimateNetReader::RequestInformation(vtkInformation*, vtkInformationVector**,
                                              vtkInformationVector* outputVector) {
  if (this->FileNames.empty()) {
    vtkErrorMacro(<< "no file name is set");
    return 0;
  }
  this->Steps.clear();
  for (size_t f = 0; f < this->FileNames.size(); ++f) {
    NetCDFFile file(this->FileNames[f]);
    if (!file.ok()) {
      vtkErrorMacro(<< "cannot open '" << this->FileNames[f] << "' as NetCDF: " << file.error());
      return 0;
    }
    const Layout l = layout_of(file.id());
    if (l.lat < 0 || l.lon < 0 || l.rows < 1 || l.columns < 1) {
      vtkErrorMacro(<< "'" << this->FileNames[f] << "' has no lat and lon dimensions");
      return 0;
    }
    if (fields_of(file.id(), l).empty()) {
      vtkErrorMacro(<< "'" << this->FileNames[f] << "' has no variable on (lat, lon) or (time, lat, lon)");
      return 0;
    }
    if (f == 0) {
      this->Rows = static_cast<int>(l.rows);
      this->Columns = static_cast<int>(l.columns);
      const std::vector<double> lat = coordinates(file.id(), l.lat, l.rows);
      const std::vector<double> lon = coordinates(file.id(), l.lon, l.columns);
      this->FlipRows = l.rows > 1 && lat[1] < lat[0];
      const double south = this->FlipRows ? lat.back() : lat.front();
      this->Origin[0] = lon.front();
      this->Origin[1] = south;
      this->Spacing[0] = l.columns > 1 ? (lon.back() - lon.front()) / (l.columns - 1) : 1.0;
      this->Spacing[1] = l.rows > 1 ? std::fabs(lat.back() - lat.front()) / (l.rows - 1) : 1.0;
      if (this->Spacing[0] <= 0) this->Spacing[0] = 1.0;
      if (this->Spacing[1] <= 0) this->Spacing[1] = 1.0;
    } else if (static_cast<int>(l.rows) != this->Rows || static_cast<int>(l.columns) != this->Columns) {
      vtkErrorMacro(<< "'" << this->FileNames[f] << "' has a " << l.rows << " x " << l.columns
                    << " (lat x lon) grid, the first file " << this->Rows << " x " << this->Columns);
      return 0;
    }
    for (size_t r = 0; r < std::max<size_t>(l.records, 1); ++r)
      this->Steps.emplace_back(static_cast<int>(f), static_cast<int>(r));
  }

  vtkInformation* outInfo = outputVector->GetInformationObject(0);
  int wholeExtent[6] = {0, this->Columns - 1, 0, this->Rows - 1, 0, 0};
  outInfo->Set(vtkStreamingDemandDrivenPipeline::WHOLE_EXTENT(), wholeExtent, 6);
  double spacing[3] = {this->Spacing[0], this->Spacing[1], 1.0}, origin[3] = {this->Origin[0], this->Origin[1], 0.0};
  outInfo->Set(vtkDataObject::SPACING(), spacing, 3);
  outInfo->Set(vtkDataObject::ORIGIN(), origin, 3);
  outInfo->Set(vtkAlgorithm::CAN_PRODUCE_SUB_EXTENT(), 1);
  outInfo->Remove(vtkStreamingDemandDrivenPipeline::TIME_STEPS());
  outInfo->Remove(vtkStreamingDemandDrivenPipeline::TIME_RANGE());
  const int steps = static_cast<int>(this->Steps.size());
  if (steps > 1) {
    std::vector<double> times(steps);
    for (int t = 0; t < steps; ++t) times[t] = t;
    outInfo->Set(vtkStreamingDemandDrivenPipeline::TIME_STEPS(), times.data(), steps);
    double range[2] = {0.0, static_cast<double>(steps - 1)};
    outInfo->Set(vtkStreamingDemandDrivenPipeline::TIME_RANGE(), range, 2);
  }
  return 1;
}

int vtkNVClimateNetReader::RequestData(vtkInformation*, vtkInformationVector**, vtkInformationVector* outputVector) {
  vtkInformation* outInfo = outputVector->GetInformationObject(0);
  vtkImageData* output = vtkImageData::GetData(outInfo);
  int extent[6];
  outInfo->Get(vtkStreamingDemandDrivenPipeline::UPDATE_EXTENT(), extent);
  output->SetExtent(extent);
  output->SetSpacing(this->Spacing[0], this->Spacing[1], 1.0);
  output->SetOrigin(this->Origin[0], this->Origin[1], 0.0);
  if (this->Steps.empty()) return 0;

  const int count = static_cast<int>(this->Steps.size());
  int step = 0;
  if (count > 1 && outInfo->Has(vtkStreamingDemandDrivenPipeline::UPDATE_TIME_STEP())) {
    step = std::clamp(static_cast<int>(std::lround(outInfo->Get(vtkStreamingDemandDrivenPipeline::UPDATE_TIME_STEP()))),
                      0, count - 1);
    output->GetInformation()->Set(vtkDataObject::DATA_TIME_STEP(), step);
  }
  const vtkIdType n = output->GetNumberOfPoints();
  if (n == 0) return 1;
  const std::string& name = this->FileNames[this->Steps[step].first];
  const size_t record = this->Steps[step].second;
  NetCDFFile file(name);
  if (!file.ok()) {
    vtkErrorMacro(<< "cannot open '" << name << "': " << file.error());
    return 0;
  }
  const Layout l = layout_of(file.id());
  if (static_cast<int>(l.rows) != this->Rows || static_cast<int>(l.columns) != this->Columns) {
    vtkErrorMacro(<< "'" << name << "' changed since it was opened: its grid is " << l.rows << " x " << l.columns);
    return 0;
  }

  // This piece's rows in the file (flipped when the file runs north to south).
  const size_t rows = extent[3] - extent[2] + 1, columns = extent[1] - extent[0] + 1;
  const size_t first_row = this->FlipRows ? static_cast<size_t>(this->Rows - 1 - extent[3]) : extent[2];
  std::vector<double> buffer(rows * columns);
  for (const Field& field : fields_of(file.id(), l, this->PressureLevels)) {
    size_t start[4], counts[4];
    int k = 0;
    if (field.has_time) {
      start[k] = record;
      counts[k++] = 1;
    }
    if (field.level >= 0) {
      start[k] = static_cast<size_t>(field.level);
      counts[k++] = 1;
    }
    start[k] = first_row;
    counts[k++] = rows;
    start[k] = extent[0];
    counts[k++] = columns;
    if (nc_get_vara_double(file.id(), field.id, start, counts, buffer.data()) != NC_NOERR) {
      vtkErrorMacro(<< "could not read variable " << field.name << " from '" << name << "'");
      return 0;
    }
    const double fill =
        attribute(file.id(), field.id, "_FillValue",
                  attribute(file.id(), field.id, "missing_value", std::numeric_limits<double>::quiet_NaN()));
    const double scale = attribute(file.id(), field.id, "scale_factor", 1.0);
    const double offset = attribute(file.id(), field.id, "add_offset", 0.0);
    const bool integer = is_integer_type(field.type) && scale == 1.0 && offset == 0.0;
    vtkSmartPointer<vtkDataArray> array;
    if (integer)
      array = vtkSmartPointer<vtkIntArray>::New();
    else
      array = vtkSmartPointer<vtkFloatArray>::New();
    array->SetName(field.name.c_str());
    array->SetNumberOfTuples(n);
    for (size_t r = 0; r < rows; ++r) {
      const size_t file_row = this->FlipRows ? rows - 1 - r : r;
      for (size_t c = 0; c < columns; ++c) {
        double v = buffer[file_row * columns + c];
        if (!integer) v = v == fill ? std::numeric_limits<double>::quiet_NaN() : v * scale + offset;
        array->SetComponent(static_cast<vtkIdType>(r * columns + c), 0, v);
      }
    }
    output->GetPointData()->AddArray(array);
  }
  if (output->GetPointData()->GetArray("TMQ")) output->GetPointData()->SetActiveScalars("TMQ");
  return 1;
}

void vtkNVClimateNetReader::PrintSelf(ostream& os, vtkIndent indent) {
  this->Superclass::PrintSelf(os, indent);
  os << indent << "FileNames: " << this->FileNames.size() << "\n";
  for (const std::string& name : this->FileNames) os << indent.GetNextIndent() << name << "\n";
}
