#include "vtkNVHepCNNReader.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "neuralview/calorimeter.h"
#include "nvCaloHDF5.h"
#include "nvCaloImages.h"
#include "nvCaloSeries.h"
#include "vtkCellData.h"
#include "vtkFieldData.h"
#include "vtkFloatArray.h"
#include "vtkImageData.h"
#include "vtkInformation.h"
#include "vtkInformationVector.h"
#include "vtkObjectFactory.h"
#include "vtkPolyData.h"

vtkStandardNewMacro(vtkNVHepCNNReader);

namespace {

constexpr double kPi = 3.14159265358979323846;

struct Layout {
  uint64_t events = 0, channels = 0, height = 0, width = 0, jets = 0;
};

Layout check_layout(const nv::h5::File& file) {
  if (!file.has("data")) throw std::runtime_error(file.path() + " has no dataset 'data' (not a hep_cnn file?)");
  const std::vector<uint64_t> data = file.shape("data");
  if (data.size() != 4) throw std::runtime_error("dataset 'data' in " + file.path() + " must be {N, C, H, W}");
  Layout l{data[0], data[1], data[2], data[3], 0};
  if (l.channels < 1 || l.height < 1 || l.width < 1)
    throw std::runtime_error("dataset 'data' in " + file.path() + " has an empty dimension");
  if (!file.has("label")) throw std::runtime_error(file.path() + " has no dataset 'label'");
  for (const char* name : {"label", "weight", "normweight", "passSR"}) {
    if (!file.has(name)) continue;
    const std::vector<uint64_t> s = file.shape(name);
    if (s.empty() || s[0] != l.events || (s.size() == 2 && s[1] != 1) || s.size() > 2)
      throw std::runtime_error("dataset '" + std::string(name) + "' in " + file.path() +
                               " must hold one value per event (" + std::to_string(l.events) + ")");
  }
  if (file.has("jet_pt")) {
    const std::vector<uint64_t> s = file.shape("jet_pt");
    if (s.size() != 2 || s[0] != l.events) throw std::runtime_error("dataset 'jet_pt' must be (N, J)");
    l.jets = s[1];
    for (const char* name : {"jet_eta", "jet_phi", "jet_mass"})
      if (!file.has(name) || file.shape(name) != s)
        throw std::runtime_error("dataset '" + std::string(name) + "' must exist with the shape of 'jet_pt'");
  }
  return l;
}

}  // namespace

vtkNVHepCNNReader::vtkNVHepCNNReader() {
  this->SetNumberOfInputPorts(0);
  this->SetNumberOfOutputPorts(2);
}

int vtkNVHepCNNReader::CanReadFile(const char* name) {
  if (!name) return 0;
  try {
    check_layout(nv::h5::File::open(name));
    return 1;
  } catch (const std::exception&) {
    return 0;
  }
}

int vtkNVHepCNNReader::FillOutputPortInformation(int, vtkInformation* info) {
  info->Set(vtkDataObject::DATA_TYPE_NAME(), "vtkDataObject");
  return 1;
}

int vtkNVHepCNNReader::RequestDataObject(vtkInformation*, vtkInformationVector**, vtkInformationVector* outputVector) {
  return nv::calo_request_data_object(outputVector, {"vtkImageData", "vtkPolyData"}, this->EventsAsBlocks);
}

int vtkNVHepCNNReader::RequestInformation(vtkInformation*, vtkInformationVector**, vtkInformationVector* outputVector) {
  this->NumberOfEvents = 0;
  if (this->FileName.empty()) {
    vtkErrorMacro(<< "FileName is not set");
    return 0;
  }
  Layout layout;
  try {
    layout = check_layout(nv::h5::File::open(this->FileName));
    uint64_t events = layout.events;
    if (this->MaximumEvents > 0) events = std::min<uint64_t>(events, static_cast<uint64_t>(this->MaximumEvents));
    this->NumberOfEvents = static_cast<int>(std::min<uint64_t>(events, 100000000));
  } catch (const std::exception& e) {
    vtkErrorMacro(<< "cannot read " << this->FileName << ": " << e.what());
    return 0;
  }
  nv::calo_set_time_steps(outputVector, this->NumberOfEvents, this->EventsAsBlocks);
  nv::calo_set_image_extent(outputVector, 0, static_cast<int>(layout.width), static_cast<int>(layout.height),
                            this->EventsAsBlocks);
  return 1;
}

int vtkNVHepCNNReader::RequestData(vtkInformation* request, vtkInformationVector**,
                                   vtkInformationVector* outputVector) {
  try {
    const nv::h5::File file = nv::h5::File::open(this->FileName);
    const Layout layout = check_layout(file);
    const int events = static_cast<int>(std::min<uint64_t>(layout.events, static_cast<uint64_t>(this->NumberOfEvents)));
    std::vector<std::string> names = file.read_strings_attribute("channel_names");
    if (names.size() != layout.channels) {
      names.clear();
      const char* defaults[3] = {"ECAL", "HCAL", "Tracks"};
      for (uint64_t c = 0; c < layout.channels; ++c)
        names.push_back(c < 3 && layout.channels == 3 ? defaults[c] : "channel_" + std::to_string(c));
    }
    std::vector<double> scale =
        this->UndoNormalization ? file.read_double_attribute("channel_maximum") : std::vector<double>();
    if (scale.size() != layout.channels) scale.assign(layout.channels, 1.0);
    const std::vector<double> eta_attribute = file.read_double_attribute("eta_max");
    const double eta_max = eta_attribute.size() == 1 ? eta_attribute[0] : this->EtaMaximum;
    const std::vector<double> radius_attribute = file.read_double_attribute("jet_radius");
    const double radius = radius_attribute.size() == 1 ? radius_attribute[0] : 1.0;

    struct Rows {
      uint64_t first = 0, count = 0;
      std::vector<float> data, label, weight, normweight, pass, pt, eta, phi, mass;
    } rows;
    auto read_or = [&](const char* name, uint64_t first, uint64_t count, float fallback) {
      return file.has(name) ? file.read_rows(name, first, count) : std::vector<float>(count, fallback);
    };
    auto load = [&](uint64_t first, uint64_t count) {
      if (rows.count > 0 && first >= rows.first && first + count <= rows.first + rows.count) return;
      rows.first = first;
      rows.count = count;
      rows.data = file.read_rows("data", first, count);
      rows.label = file.read_rows("label", first, count);
      rows.weight = read_or("weight", first, count, 1.0f);
      rows.normweight = read_or("normweight", first, count, 1.0f);
      rows.pass = file.has("passSR") ? file.read_rows("passSR", first, count) : std::vector<float>();
      if (layout.jets > 0) {
        rows.pt = file.read_rows("jet_pt", first, count);
        rows.eta = file.read_rows("jet_eta", first, count);
        rows.phi = file.read_rows("jet_phi", first, count);
        rows.mass = file.read_rows("jet_mass", first, count);
      }
    };
    if (this->EventsAsBlocks) load(0, static_cast<uint64_t>(events));
    const uint64_t pixels = layout.height * layout.width;
    auto make = [&](int i) {
      load(static_cast<uint64_t>(i), 1);
      const size_t k = static_cast<size_t>(static_cast<uint64_t>(i) - rows.first);
      auto image = vtkSmartPointer<vtkImageData>::New();
      image->SetDimensions(static_cast<int>(layout.width) + 1, static_cast<int>(layout.height) + 1, 1);
      image->SetSpacing(2 * eta_max / layout.width, 2 * kPi / layout.height, 1.0);
      image->SetOrigin(-eta_max, -kPi, 0.0);
      for (uint64_t c = 0; c < layout.channels; ++c) {
        auto array = vtkSmartPointer<vtkFloatArray>::New();
        array->SetName(names[c].c_str());
        array->SetNumberOfTuples(static_cast<vtkIdType>(pixels));
        const float* source = rows.data.data() + (k * layout.channels + c) * pixels;
        for (uint64_t p = 0; p < pixels; ++p)
          array->SetValue(static_cast<vtkIdType>(p), static_cast<float>(source[p] * scale[c]));
        image->GetCellData()->AddArray(array);
      }
      if (image->GetCellData()->GetNumberOfArrays() > 0)
        image->GetCellData()->SetActiveScalars(names[std::min<size_t>(1, names.size() - 1)].c_str());
      vtkFieldData* fd = image->GetFieldData();
      nv::add_field_value(fd, "Signal", rows.label[k], true);
      nv::add_field_value(fd, "Weight", rows.weight[k]);
      nv::add_field_value(fd, "NormWeight", rows.normweight[k]);
      nv::add_field_value(fd, "EventIndex", i, true);
      std::vector<nv::calo::Jet> jets;
      for (uint64_t j = 0; j < layout.jets; ++j) {
        const size_t at = k * layout.jets + j;
        if (rows.pt[at] > 0) jets.push_back({rows.pt[at], rows.eta[at], rows.phi[at], rows.mass[at], 0});
      }
      if (layout.jets > 0) {
        nv::add_jets_field_data(fd, jets);
        nv::add_selection_field_data(fd, nv::calo::cut_based_selection(jets));
      } else if (!rows.pass.empty()) {
        nv::add_field_value(fd, "PassesSignalRegion", rows.pass[k] > 0 ? 1 : 0, true);
      }
      return nv::CaloEventObjects{image, nv::jet_circles(jets, radius)};
    };
    const std::string problem = nv::calo_fill_outputs(this, request, outputVector, events, this->EventsAsBlocks, make);
    if (!problem.empty()) throw std::runtime_error(problem);
  } catch (const std::exception& e) {
    vtkErrorMacro(<< "cannot read " << this->FileName << ": " << e.what());
    return 0;
  }
  return 1;
}

void vtkNVHepCNNReader::PrintSelf(ostream& os, vtkIndent indent) {
  this->Superclass::PrintSelf(os, indent);
  os << indent << "FileName: " << this->FileName << "\n"
     << indent << "EventsAsBlocks: " << this->EventsAsBlocks << "\n";
  os << indent << "MaximumEvents: " << this->MaximumEvents << "\n";
}
