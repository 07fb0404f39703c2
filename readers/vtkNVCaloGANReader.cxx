#include "vtkNVCaloGANReader.h"

#include <algorithm>
#include <stdexcept>

#include "neuralview/calorimeter.h"
#include "nvCaloHDF5.h"
#include "nvCaloImages.h"
#include "nvCaloSeries.h"
#include "vtkImageData.h"
#include "vtkInformation.h"
#include "vtkInformationVector.h"
#include "vtkMultiBlockDataSet.h"
#include "vtkObjectFactory.h"

vtkStandardNewMacro(vtkNVCaloGANReader);

namespace {

// Checks the CaloGAN datasets and returns the number of events.
uint64_t check_layout(const nv::h5::File& file) {
  uint64_t events = 0;
  for (int l = 0; l < nv::calo::kLayerCount; ++l) {
    const nv::calo::LayerGeometry& g = nv::calo::calogan_layers()[l];
    if (!file.has(g.name))
      throw std::runtime_error(file.path() + " has no dataset '" + g.name + "' (not a CaloGAN file?)");
    const std::vector<uint64_t> shape = file.shape(g.name);
    if (shape.size() != 3 || shape[1] != static_cast<uint64_t>(g.rows) || shape[2] != static_cast<uint64_t>(g.columns))
      throw std::runtime_error("dataset '" + std::string(g.name) + "' in " + file.path() + " must be (N, " +
                               std::to_string(g.rows) + ", " + std::to_string(g.columns) + ")");
    if (l == 0) events = shape[0];
    if (shape[0] != events)
      throw std::runtime_error("the layers of " + file.path() + " hold different numbers of events");
  }
  if (!file.has("energy")) throw std::runtime_error(file.path() + " has no dataset 'energy' (incident energy, GeV)");
  const std::vector<uint64_t> energy = file.shape("energy");
  if (energy.empty() || energy[0] != events || (energy.size() == 2 && energy[1] != 1) || energy.size() > 2)
    throw std::runtime_error("dataset 'energy' in " + file.path() +
                             " must be (N, 1) or (N) with N = " + std::to_string(events));
  if (file.has("overflow")) {
    const std::vector<uint64_t> o = file.shape("overflow");
    if (o.size() != 2 || o[0] != events || o[1] != 3)
      throw std::runtime_error("dataset 'overflow' in " + file.path() + " must be (N, 3)");
  }
  return events;
}

}  // namespace

vtkNVCaloGANReader::vtkNVCaloGANReader() {
  this->SetNumberOfInputPorts(0);
  this->SetNumberOfOutputPorts(2);
}

int vtkNVCaloGANReader::CanReadFile(const char* name) {
  if (!name) return 0;
  try {
    const nv::h5::File file = nv::h5::File::open(name);
    check_layout(file);
    return 1;
  } catch (const std::exception&) {
    return 0;
  }
}

int vtkNVCaloGANReader::FillOutputPortInformation(int, vtkInformation* info) {
  info->Set(vtkDataObject::DATA_TYPE_NAME(), "vtkDataObject");
  return 1;
}

int vtkNVCaloGANReader::RequestDataObject(vtkInformation*, vtkInformationVector**, vtkInformationVector* outputVector) {
  return nv::calo_request_data_object(outputVector, {"vtkMultiBlockDataSet", "vtkImageData"}, this->EventsAsBlocks);
}

int vtkNVCaloGANReader::RequestInformation(vtkInformation*, vtkInformationVector**,
                                           vtkInformationVector* outputVector) {
  this->NumberOfEvents = 0;
  if (this->FileName.empty()) {
    vtkErrorMacro(<< "FileName is not set");
    return 0;
  }
  try {
    const nv::h5::File file = nv::h5::File::open(this->FileName);
    uint64_t events = check_layout(file);
    if (this->MaximumEvents > 0) events = std::min<uint64_t>(events, static_cast<uint64_t>(this->MaximumEvents));
    this->NumberOfEvents = static_cast<int>(std::min<uint64_t>(events, 100000000));
  } catch (const std::exception& e) {
    vtkErrorMacro(<< "cannot read " << this->FileName << ": " << e.what());
    return 0;
  }
  nv::calo_set_time_steps(outputVector, this->NumberOfEvents, this->EventsAsBlocks);
  nv::calo_set_image_extent(outputVector, 1, nv::calo::kStackedSide, nv::calo::kStackedSide, this->EventsAsBlocks);
  return 1;
}

int vtkNVCaloGANReader::RequestData(vtkInformation* request, vtkInformationVector**,
                                    vtkInformationVector* outputVector) {
  try {
    const nv::h5::File file = nv::h5::File::open(this->FileName);
    const uint64_t available = check_layout(file);
    const int events = static_cast<int>(std::min<uint64_t>(available, static_cast<uint64_t>(this->NumberOfEvents)));
    const bool has_overflow = file.has("overflow"), has_particle = file.has("particle");
    // Blocks: read every dataset once; time steps: one event (a hyperslab) per update.
    struct Rows {
      uint64_t first = 0, count = 0;
      std::vector<float> layers[nv::calo::kLayerCount], overflow, energy, particle;
    } rows;
    auto load = [&](uint64_t first, uint64_t count) {
      if (rows.count > 0 && first >= rows.first && first + count <= rows.first + rows.count) return;
      rows.first = first;
      rows.count = count;
      for (int l = 0; l < nv::calo::kLayerCount; ++l)
        rows.layers[l] = file.read_rows(nv::calo::calogan_layers()[l].name, first, count);
      rows.overflow = has_overflow ? file.read_rows("overflow", first, count) : std::vector<float>(3 * count, 0.0f);
      rows.energy = file.read_rows("energy", first, count);
      rows.particle = has_particle ? file.read_rows("particle", first, count) : std::vector<float>();
    };
    if (this->EventsAsBlocks) load(0, static_cast<uint64_t>(events));
    auto make = [&](int i) {
      load(static_cast<uint64_t>(i), 1);
      const size_t k = static_cast<size_t>(static_cast<uint64_t>(i) - rows.first);
      nv::calo::Shower shower;
      for (int l = 0; l < nv::calo::kLayerCount; ++l) {
        const nv::calo::LayerGeometry& g = nv::calo::calogan_layers()[l];
        const size_t cells = static_cast<size_t>(g.rows * g.columns);
        shower.layers[l].assign(rows.layers[l].begin() + static_cast<long>(k * cells),
                                rows.layers[l].begin() + static_cast<long>((k + 1) * cells));
        shower.overflow_mev[l] = rows.overflow[3 * k + static_cast<size_t>(l)];
      }
      shower.incident_energy_gev = rows.energy[k];
      int type = has_particle ? static_cast<int>(rows.particle[k]) : this->ParticleType;
      if (type >= 0 && type < nv::calo::kParticleCount) shower.particle = static_cast<nv::calo::Particle>(type);
      return nv::CaloEventObjects{nv::calo_layers(shower, type, i), nv::calo_stacked(shower, type, i)};
    };
    const std::string problem = nv::calo_fill_outputs(this, request, outputVector, events, this->EventsAsBlocks, make);
    if (!problem.empty()) throw std::runtime_error(problem);
  } catch (const std::exception& e) {
    vtkErrorMacro(<< "cannot read " << this->FileName << ": " << e.what());
    return 0;
  }
  return 1;
}

void vtkNVCaloGANReader::PrintSelf(ostream& os, vtkIndent indent) {
  this->Superclass::PrintSelf(os, indent);
  os << indent << "FileName: " << this->FileName << "\n"
     << indent << "EventsAsBlocks: " << this->EventsAsBlocks << "\n";
  os << indent << "MaximumEvents: " << this->MaximumEvents << "\n"
     << indent << "ParticleType: " << this->ParticleType << "\n";
}
