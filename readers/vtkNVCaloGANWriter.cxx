#include "vtkNVCaloGANWriter.h"

#include <stdexcept>
#include <vector>

#include "neuralview/calorimeter.h"
#include "nvCaloHDF5.h"
#include "nvCaloImages.h"
#include "vtkInformation.h"
#include "vtkMultiBlockDataSet.h"
#include "vtkObjectFactory.h"

vtkStandardNewMacro(vtkNVCaloGANWriter);

struct vtkNVCaloGANWriter::Events {
  std::vector<nv::calo::Shower> showers;
  std::vector<int> particles;
};

vtkNVCaloGANWriter::vtkNVCaloGANWriter() : Gathered(std::make_unique<Events>()) {}

vtkNVCaloGANWriter::~vtkNVCaloGANWriter() = default;

int vtkNVCaloGANWriter::FillInputPortInformation(int, vtkInformation* info) {
  // Any data object: the wrong kind gets a message naming what is expected.
  info->Set(vtkAlgorithm::INPUT_REQUIRED_DATA_TYPE(), "vtkDataObject");
  return 1;
}

void vtkNVCaloGANWriter::BeginEvents() { *this->Gathered = Events{}; }

void vtkNVCaloGANWriter::AddEvents(vtkDataObject* input) {
  auto* blocks = vtkMultiBlockDataSet::SafeDownCast(input);
  if (!blocks)
    throw std::invalid_argument(
        std::string("the input is a ") + input->GetClassName() +
        ", not a multiblock of calorimeter layers (connect the Events port of a CaloGAN-mode source)");
  if (blocks->GetNumberOfBlocks() == 0) return;  // an empty piece
  // A multiblock of events (each a multiblock of layers), or one event.
  bool nested = false;
  for (unsigned int b = 0; b < blocks->GetNumberOfBlocks(); ++b)
    if (vtkMultiBlockDataSet::SafeDownCast(blocks->GetBlock(b))) nested = true;
  auto take = [this](vtkMultiBlockDataSet* event) {
    int type = -1;
    this->Gathered->showers.push_back(nv::shower_from_layers(event, &type));
    this->Gathered->particles.push_back(type);
  };
  if (!nested) {
    take(blocks);
    return;
  }
  for (unsigned int b = 0; b < blocks->GetNumberOfBlocks(); ++b)
    if (auto* event = vtkMultiBlockDataSet::SafeDownCast(blocks->GetBlock(b))) take(event);
}

int vtkNVCaloGANWriter::WriteEvents() {
  const Events& events = *this->Gathered;
  const uint64_t n = events.showers.size();
  if (n == 0) throw std::invalid_argument("the input holds no events");
  nv::h5::File file = nv::h5::File::create(this->FileName);
  for (int l = 0; l < nv::calo::kLayerCount; ++l) {
    const nv::calo::LayerGeometry& g = nv::calo::calogan_layers()[l];
    std::vector<float> values;
    values.reserve(n * g.rows * g.columns);
    for (const nv::calo::Shower& s : events.showers)
      values.insert(values.end(), s.layers[l].begin(), s.layers[l].end());
    file.write_float(g.name, {n, static_cast<uint64_t>(g.rows), static_cast<uint64_t>(g.columns)}, values);
  }
  std::vector<float> overflow, energy;
  for (const nv::calo::Shower& s : events.showers) {
    for (double o : s.overflow_mev) overflow.push_back(static_cast<float>(o));
    energy.push_back(static_cast<float>(s.incident_energy_gev));
  }
  file.write_float("overflow", {n, 3}, overflow);
  file.write_float("energy", {n, 1}, energy);
  bool known = true;
  for (int p : events.particles) known = known && p >= 0;
  if (known) file.write_int("particle", {n}, std::vector<int32_t>(events.particles.begin(), events.particles.end()));
  file.write_strings_attribute("particle_names", {"e+", "gamma", "pi+"});
  return static_cast<int>(n);
}

void vtkNVCaloGANWriter::PrintSelf(ostream& os, vtkIndent indent) { this->Superclass::PrintSelf(os, indent); }
