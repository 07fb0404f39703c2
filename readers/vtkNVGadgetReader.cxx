#include "vtkNVGadgetReader.h"

#include <algorithm>
#include <cmath>
#include <exception>
#include <filesystem>
#include <limits>
#include <map>
#include <regex>
#include <set>
#include <stdexcept>
#include <vector>

#include "nvCosmologyHDF5.h"
#include "vtkCellArray.h"
#include "vtkDoubleArray.h"
#include "vtkFieldData.h"
#include "vtkFloatArray.h"
#include "vtkInformation.h"
#include "vtkInformationVector.h"
#include "vtkIntArray.h"
#include "vtkObjectFactory.h"
#include "vtkPointData.h"
#include "vtkPoints.h"
#include "vtkPolyData.h"
#include "vtkStreamingDemandDrivenPipeline.h"
#include "vtkStringArray.h"
#include "vtkTypeInt64Array.h"

vtkStandardNewMacro(vtkNVGadgetReader);

namespace {

constexpr double kMpcInCm = 3.085678e24;

// The files of a snapshot: "name.hdf5", or "base.0.hdf5", "base.1.hdf5", ...
// when the Header says it is split (NumFilesPerSnapshot > 1).
std::vector<std::string> snapshot_files(const std::string& path, int files) {
  if (files <= 1) return {path};
  const std::regex numbered(R"((.*)\.(\d+)\.(hdf5|h5))");
  std::smatch match;
  if (!std::regex_match(path, match, numbered))
    throw std::runtime_error("the Header says the snapshot is split over " + std::to_string(files) +
                             " files, but the name does not end in .<number>.hdf5");
  std::vector<std::string> out;
  for (int f = 0; f < files; ++f) {
    const std::string name = match[1].str() + "." + std::to_string(f) + "." + match[3].str();
    if (!std::filesystem::exists(name)) throw std::runtime_error("part " + name + " of the snapshot is missing");
    out.push_back(name);
  }
  return out;
}

const nvcosmo::Attribute* find(const std::vector<nvcosmo::Attribute>& attributes, const std::string& name) {
  for (const nvcosmo::Attribute& a : attributes)
    if (a.name == name) return &a;
  return nullptr;
}

}  // namespace

vtkNVGadgetReader::vtkNVGadgetReader() { this->SetNumberOfInputPorts(0); }

int vtkNVGadgetReader::CanReadFile(const char* fileName) {
  if (!fileName) return 0;
  try {
    const nvcosmo::CosmoFile file = nvcosmo::CosmoFile::open(fileName);
    return file.has("Header") && find(file.attributes("Header"), "NumPart_ThisFile") ? 1 : 0;
  } catch (const std::exception&) {
    return 0;
  }
}

int vtkNVGadgetReader::RequestInformation(vtkInformation*, vtkInformationVector**, vtkInformationVector* outputVector) {
  if (this->FileName.empty()) {
    vtkErrorMacro(<< "no FileName is set");
    return 0;
  }
  outputVector->GetInformationObject(0)->Set(vtkAlgorithm::CAN_HANDLE_PIECE_REQUEST(), 1);
  return 1;
}

int vtkNVGadgetReader::RequestData(vtkInformation*, vtkInformationVector**, vtkInformationVector* outputVector) {
  vtkInformation* outInfo = outputVector->GetInformationObject(0);
  vtkPolyData* output = vtkPolyData::GetData(outInfo);
  int piece = 0, pieces = 1;
  if (outInfo->Has(vtkStreamingDemandDrivenPipeline::UPDATE_PIECE_NUMBER()))
    piece = outInfo->Get(vtkStreamingDemandDrivenPipeline::UPDATE_PIECE_NUMBER());
  if (outInfo->Has(vtkStreamingDemandDrivenPipeline::UPDATE_NUMBER_OF_PIECES()))
    pieces = std::max(1, outInfo->Get(vtkStreamingDemandDrivenPipeline::UPDATE_NUMBER_OF_PIECES()));

  try {
    std::vector<nvcosmo::Attribute> header, parameters;
    std::vector<std::string> files;
    {
      const nvcosmo::CosmoFile file = nvcosmo::CosmoFile::open(this->FileName);
      if (!file.has("Header")) throw std::runtime_error("no Header group: not a GADGET HDF5 snapshot (SnapFormat 3)");
      header = file.attributes("Header");
      if (file.has("Parameters")) parameters = file.attributes("Parameters");
      const nvcosmo::Attribute* split = find(header, "NumFilesPerSnapshot");
      files =
          snapshot_files(this->FileName, split && !split->numbers.empty() ? static_cast<int>(split->numbers[0]) : 1);
    }
    const nvcosmo::Attribute* mass_table = find(header, "MassTable");

    std::vector<int> types;
    if (this->ReadGas) types.push_back(0);
    if (this->ReadDarkMatter) types.push_back(1);
    if (types.empty()) vtkWarningMacro(<< "neither dark matter nor gas is selected: the output has no particles");

    auto points = vtkSmartPointer<vtkPoints>::New();
    points->SetDataTypeToDouble();
    auto velocities = vtkSmartPointer<vtkFloatArray>::New();
    velocities->SetName("Velocities");
    velocities->SetNumberOfComponents(3);
    auto ids = vtkSmartPointer<vtkTypeInt64Array>::New();
    ids->SetName("ParticleIDs");
    auto type_array = vtkSmartPointer<vtkIntArray>::New();
    type_array->SetName("ParticleType");
    auto masses = vtkSmartPointer<vtkDoubleArray>::New();
    masses->SetName("Masses");
    std::map<std::string, vtkSmartPointer<vtkFloatArray>> gas_arrays;
    if (this->ReadGas)
      for (const char* name : {"Density", "InternalEnergy", "SmoothingLength"}) {
        gas_arrays[name] = vtkSmartPointer<vtkFloatArray>::New();
        gas_arrays[name]->SetName(name);
      }
    std::set<std::string> gas_present;

    for (int type : types) {
      const std::string group = "PartType" + std::to_string(type);
      // Particles of this type in every file, then this piece's share of the total.
      std::vector<uint64_t> per_file;
      uint64_t total = 0;
      for (const std::string& name : files) {
        const nvcosmo::CosmoFile file = nvcosmo::CosmoFile::open(name);
        uint64_t count = 0;
        if (file.has(group + "/Coordinates")) {
          const std::vector<uint64_t> shape = file.shape(group + "/Coordinates");
          if (shape.size() != 2 || shape[1] != 3)
            throw std::runtime_error(name + ": " + group + "/Coordinates is not an (N, 3) dataset");
          count = shape[0];
        }
        per_file.push_back(count);
        total += count;
      }
      const uint64_t first = total * piece / pieces, last = total * (piece + 1) / pieces;
      const double table_mass =
          mass_table && static_cast<int>(mass_table->numbers.size()) > type ? mass_table->numbers[type] : 0.0;
      uint64_t offset = 0;
      for (size_t f = 0; f < files.size(); ++f) {
        const uint64_t begin = std::max(first, offset), end = std::min(last, offset + per_file[f]);
        offset += per_file[f];
        if (begin >= end) continue;
        const nvcosmo::CosmoFile file = nvcosmo::CosmoFile::open(files[f]);
        const uint64_t local = begin - (offset - per_file[f]), count = end - begin;
        const std::vector<double> xyz = file.read_double(group + "/Coordinates", {local, 0}, {count, 3});
        for (uint64_t p = 0; p < count; ++p) points->InsertNextPoint(&xyz[3 * p]);
        std::vector<float> v(3 * count, 0.0f);
        if (file.has(group + "/Velocities")) v = file.read_float(group + "/Velocities", {local, 0}, {count, 3});
        for (uint64_t p = 0; p < count; ++p) velocities->InsertNextTuple(&v[3 * p]);
        std::vector<int64_t> id(count, -1);
        if (file.has(group + "/ParticleIDs")) id = file.read_int64(group + "/ParticleIDs", {local}, {count});
        for (uint64_t p = 0; p < count; ++p) {
          ids->InsertNextValue(id[p]);
          type_array->InsertNextValue(type);
        }
        std::vector<double> m(count, table_mass);
        if (file.has(group + "/Masses")) m = file.read_double(group + "/Masses", {local}, {count});
        for (uint64_t p = 0; p < count; ++p) masses->InsertNextValue(m[p]);
        for (auto& [name, array] : gas_arrays) {
          std::vector<float> values(count, std::numeric_limits<float>::quiet_NaN());
          if (type == 0 && file.has(group + "/" + name)) {
            values = file.read_float(group + "/" + name, {local}, {count});
            gas_present.insert(name);
          }
          for (float value : values) array->InsertNextValue(value);
        }
      }
    }

    const vtkIdType n = points->GetNumberOfPoints();
    output->SetPoints(points);
    auto vertices = vtkSmartPointer<vtkCellArray>::New();
    vertices->AllocateExact(n, n);
    for (vtkIdType p = 0; p < n; ++p) vertices->InsertNextCell(1, &p);
    output->SetVerts(vertices);
    vtkPointData* pd = output->GetPointData();
    pd->AddArray(velocities);
    pd->AddArray(ids);
    pd->AddArray(type_array);
    pd->AddArray(masses);
    for (auto& [name, array] : gas_arrays)
      if (gas_present.count(name)) pd->AddArray(array);
    pd->SetActiveScalars("ParticleType");

    // Header attributes first, then the cosmology of Parameters.
    vtkFieldData* fd = output->GetFieldData();
    auto add = [fd](const nvcosmo::Attribute& a) {
      if (fd->GetAbstractArray(a.name.c_str())) return;
      if (a.is_string) {
        auto s = vtkSmartPointer<vtkStringArray>::New();
        s->SetName(a.name.c_str());
        for (const std::string& v : a.strings) s->InsertNextValue(v);
        fd->AddArray(s);
      } else {
        auto d = vtkSmartPointer<vtkDoubleArray>::New();
        d->SetName(a.name.c_str());
        for (double v : a.numbers) d->InsertNextValue(v);
        fd->AddArray(d);
      }
    };
    for (const nvcosmo::Attribute& a : header) add(a);
    for (const nvcosmo::Attribute& a : parameters)
      if (!a.is_string) add(a);
    const nvcosmo::Attribute* box = find(header, "BoxSize");
    const nvcosmo::Attribute* unit = find(parameters, "UnitLength_in_cm");
    if (box && box->numbers.size() == 1) {
      const double cm = unit && unit->numbers.size() == 1 ? unit->numbers[0] : 3.085678e21;  // GADGET's default kpc
      auto mpc = vtkSmartPointer<vtkDoubleArray>::New();
      mpc->SetName("BoxSizeMpcPerH");
      mpc->InsertNextValue(box->numbers[0] * cm / kMpcInCm);
      fd->AddArray(mpc);
    }
  } catch (const std::exception& e) {
    vtkErrorMacro(<< "cannot read " << this->FileName << ": " << e.what());
    return 0;
  }
  return 1;
}

void vtkNVGadgetReader::PrintSelf(ostream& os, vtkIndent indent) {
  this->Superclass::PrintSelf(os, indent);
  os << indent << "FileName: " << this->FileName << "\n"
     << indent << "ReadDarkMatter: " << this->ReadDarkMatter << "\n"
     << indent << "ReadGas: " << this->ReadGas << "\n";
}
