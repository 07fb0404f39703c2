#include "nvCaloImages.h"

#include <cmath>
#include <stdexcept>

#include "vtkCellArray.h"
#include "vtkCellData.h"
#include "vtkDoubleArray.h"
#include "vtkFieldData.h"
#include "vtkFloatArray.h"
#include "vtkImageData.h"
#include "vtkInformation.h"
#include "vtkIntArray.h"
#include "vtkMultiBlockDataSet.h"
#include "vtkPoints.h"
#include "vtkPolyData.h"
#include "vtkStringArray.h"

namespace nv {

namespace {

constexpr double kPi = 3.14159265358979323846;

vtkSmartPointer<vtkFloatArray> float_cells(const char* name, const std::vector<float>& values) {
  auto array = vtkSmartPointer<vtkFloatArray>::New();
  array->SetName(name);
  array->SetNumberOfTuples(static_cast<vtkIdType>(values.size()));
  for (size_t i = 0; i < values.size(); ++i) array->SetValue(static_cast<vtkIdType>(i), values[i]);
  return array;
}

void add_shower_field_data(vtkFieldData* fd, const calo::Shower& shower, int particle_type, int event_index) {
  add_field_value(fd, "ParticleType", particle_type, true);
  auto name = vtkSmartPointer<vtkStringArray>::New();
  name->SetName("ParticleName");
  name->InsertNextValue(particle_type >= 0 && particle_type < calo::kParticleCount
                            ? calo::particle_name(static_cast<calo::Particle>(particle_type))
                            : "unknown");
  fd->AddArray(name);
  add_field_value(fd, "IncidentEnergy", shower.incident_energy_gev);
  auto overflow = vtkSmartPointer<vtkDoubleArray>::New();
  overflow->SetName("Overflow");
  overflow->SetNumberOfComponents(calo::kLayerCount);
  overflow->InsertNextTuple(shower.overflow_mev.data());
  fd->AddArray(overflow);
  add_field_value(fd, "EventIndex", event_index, true);
}

}  // namespace

void add_field_value(vtkFieldData* fd, const char* name, double value, bool integer) {
  if (integer) {
    auto array = vtkSmartPointer<vtkIntArray>::New();
    array->SetName(name);
    array->InsertNextValue(static_cast<int>(value));
    fd->AddArray(array);
  } else {
    auto array = vtkSmartPointer<vtkDoubleArray>::New();
    array->SetName(name);
    array->InsertNextValue(value);
    fd->AddArray(array);
  }
}

void add_field_values(vtkFieldData* fd, const char* name, const std::vector<double>& values) {
  auto array = vtkSmartPointer<vtkDoubleArray>::New();
  array->SetName(name);
  for (double v : values) array->InsertNextValue(v);
  fd->AddArray(array);
}

void add_jets_field_data(vtkFieldData* fd, const std::vector<calo::Jet>& jets) {
  std::vector<double> pt, eta, phi, mass;
  for (const calo::Jet& j : jets) {
    pt.push_back(j.pt);
    eta.push_back(j.eta);
    phi.push_back(j.phi);
    mass.push_back(j.mass);
  }
  add_field_values(fd, "JetPt", pt);
  add_field_values(fd, "JetEta", eta);
  add_field_values(fd, "JetPhi", phi);
  add_field_values(fd, "JetMass", mass);
  add_field_value(fd, "NumberOfJets", static_cast<double>(jets.size()), true);
}

void add_selection_field_data(vtkFieldData* fd, const calo::CutBasedResult& s) {
  add_field_value(fd, "SelectedJets", s.jets, true);
  add_field_value(fd, "LeadingJetPt", s.leading_pt);
  add_field_value(fd, "DeltaEta12", s.delta_eta);
  add_field_value(fd, "SummedJetMass", s.summed_mass);
  add_field_value(fd, "PassesPreselection", s.preselection ? 1 : 0, true);
  add_field_value(fd, "PassesSignalRegion", s.signal_region ? 1 : 0, true);
}

vtkSmartPointer<vtkMultiBlockDataSet> calo_layers(const calo::Shower& shower, int particle_type, int event_index) {
  auto blocks = vtkSmartPointer<vtkMultiBlockDataSet>::New();
  blocks->SetNumberOfBlocks(calo::kLayerCount);
  for (int l = 0; l < calo::kLayerCount; ++l) {
    const calo::LayerGeometry& g = calo::calogan_layers()[l];
    auto image = vtkSmartPointer<vtkImageData>::New();
    // A slab of cells: columns along x, rows along y, one cell deep along z.
    image->SetDimensions(g.columns + 1, g.rows + 1, 2);
    image->SetSpacing(g.cell_x_mm, g.cell_y_mm, (g.depth_end_x0 - g.depth_begin_x0) * calo::kRadiationLengthMm);
    image->SetOrigin(-0.5 * g.columns * g.cell_x_mm, -0.5 * g.rows * g.cell_y_mm,
                     g.depth_begin_x0 * calo::kRadiationLengthMm);
    image->GetCellData()->AddArray(float_cells("Energy", shower.layers[l]));
    image->GetCellData()->SetActiveScalars("Energy");
    add_shower_field_data(image->GetFieldData(), shower, particle_type, event_index);
    add_field_value(image->GetFieldData(), "Layer", l, true);
    blocks->SetBlock(l, image);
    blocks->GetMetaData(static_cast<unsigned int>(l))->Set(vtkCompositeDataSet::NAME(), g.name);
  }
  add_shower_field_data(blocks->GetFieldData(), shower, particle_type, event_index);
  return blocks;
}

vtkSmartPointer<vtkImageData> calo_stacked(const calo::Shower& shower, int particle_type, int event_index) {
  constexpr int n = calo::kStackedSide;
  const std::vector<float> stacked = calo::stacked_layers(shower);
  auto image = vtkSmartPointer<vtkImageData>::New();
  image->SetDimensions(n + 1, n + 1, 1);
  image->SetSpacing(40.0, 40.0, 1.0);
  image->SetOrigin(-0.5 * n * 40.0, -0.5 * n * 40.0, 0.0);
  for (int l = 0; l < calo::kLayerCount; ++l)
    image->GetCellData()->AddArray(
        float_cells(calo::calogan_layers()[l].name,
                    std::vector<float>(stacked.begin() + l * n * n, stacked.begin() + (l + 1) * n * n)));
  image->GetCellData()->SetActiveScalars("layer_1");
  add_shower_field_data(image->GetFieldData(), shower, particle_type, event_index);
  return image;
}

vtkSmartPointer<vtkPolyData> calo_axis(const calo::Shower& shower, int particle_type, int event_index) {
  auto points = vtkSmartPointer<vtkPoints>::New();
  points->InsertNextPoint(0, 0, -50.0);
  points->InsertNextPoint(0, 0, calo::calogan_layers()[2].depth_end_x0 * calo::kRadiationLengthMm);
  auto lines = vtkSmartPointer<vtkCellArray>::New();
  const vtkIdType ids[2] = {0, 1};
  lines->InsertNextCell(2, ids);
  auto poly = vtkSmartPointer<vtkPolyData>::New();
  poly->SetPoints(points);
  poly->SetLines(lines);
  add_shower_field_data(poly->GetFieldData(), shower, particle_type, event_index);
  return poly;
}

calo::Shower shower_from_layers(vtkMultiBlockDataSet* layers, int* particle_type) {
  if (!layers) throw std::invalid_argument("the input is not a multiblock of calorimeter layers");
  calo::Shower shower;
  vtkFieldData* fd = nullptr;
  for (int l = 0; l < calo::kLayerCount; ++l) {
    const calo::LayerGeometry& g = calo::calogan_layers()[l];
    vtkImageData* image = nullptr;
    for (unsigned int b = 0; b < layers->GetNumberOfBlocks(); ++b) {
      const char* name = layers->HasMetaData(b) ? layers->GetMetaData(b)->Get(vtkCompositeDataSet::NAME()) : nullptr;
      if (name && std::string(name) == g.name) image = vtkImageData::SafeDownCast(layers->GetBlock(b));
    }
    if (!image && layers->GetNumberOfBlocks() == calo::kLayerCount)
      image = vtkImageData::SafeDownCast(layers->GetBlock(static_cast<unsigned int>(l)));
    if (!image) throw std::invalid_argument(std::string("the event has no image block named ") + g.name);
    vtkDataArray* energy = image->GetCellData()->GetArray("Energy");
    if (!energy) throw std::invalid_argument(std::string("block ") + g.name + " has no cell array 'Energy'");
    const vtkIdType expected = static_cast<vtkIdType>(g.rows) * g.columns;
    if (energy->GetNumberOfTuples() != expected || energy->GetNumberOfComponents() != 1)
      throw std::invalid_argument(
          std::string("block ") + g.name + " has " + std::to_string(energy->GetNumberOfTuples()) + " cells, expected " +
          std::to_string(expected) + " (" + std::to_string(g.rows) + " x " + std::to_string(g.columns) + ")");
    shower.layers[l].resize(static_cast<size_t>(expected));
    for (vtkIdType i = 0; i < expected; ++i) shower.layers[l][static_cast<size_t>(i)] = energy->GetComponent(i, 0);
    if (!fd) fd = image->GetFieldData();
  }
  if (layers->GetFieldData()->GetArray("IncidentEnergy")) fd = layers->GetFieldData();
  vtkDataArray* incident = fd->GetArray("IncidentEnergy");
  if (!incident || incident->GetNumberOfTuples() < 1)
    throw std::invalid_argument("the event has no field-data array 'IncidentEnergy'");
  shower.incident_energy_gev = incident->GetComponent(0, 0);
  if (vtkDataArray* overflow = fd->GetArray("Overflow"))
    for (int l = 0; l < calo::kLayerCount && l < overflow->GetNumberOfComponents(); ++l)
      shower.overflow_mev[l] = overflow->GetComponent(0, l);
  *particle_type = -1;
  if (vtkDataArray* type = fd->GetArray("ParticleType"))
    if (type->GetNumberOfTuples() > 0) *particle_type = static_cast<int>(type->GetComponent(0, 0));
  return shower;
}

vtkSmartPointer<vtkImageData> detector_image(const calo::DetectorEvent& event, double eta_max, int event_index) {
  const int n = event.image_size;
  auto image = vtkSmartPointer<vtkImageData>::New();
  image->SetDimensions(n + 1, n + 1, 1);
  image->SetSpacing(2 * eta_max / n, 2 * kPi / n, 1.0);
  image->SetOrigin(-eta_max, -kPi, 0.0);
  image->GetCellData()->AddArray(float_cells("ECAL", event.ecal));
  image->GetCellData()->AddArray(float_cells("HCAL", event.hcal));
  image->GetCellData()->AddArray(float_cells("Tracks", event.tracks));
  image->GetCellData()->SetActiveScalars("HCAL");
  vtkFieldData* fd = image->GetFieldData();
  add_field_value(fd, "Signal", event.signal ? 1 : 0, true);
  add_field_value(fd, "Weight", event.weight);
  add_field_value(fd, "NormWeight", event.normweight);
  add_field_value(fd, "EventIndex", event_index, true);
  add_jets_field_data(fd, event.jets);
  add_selection_field_data(fd, event.selection);
  return image;
}

vtkSmartPointer<vtkPolyData> jet_circles(const std::vector<calo::Jet>& jets, double radius) {
  constexpr int segments = 72;
  auto points = vtkSmartPointer<vtkPoints>::New();
  auto lines = vtkSmartPointer<vtkCellArray>::New();
  auto pt = vtkSmartPointer<vtkDoubleArray>::New();
  pt->SetName("JetPt");
  auto mass = vtkSmartPointer<vtkDoubleArray>::New();
  mass->SetName("JetMass");
  auto index = vtkSmartPointer<vtkIntArray>::New();
  index->SetName("JetIndex");
  for (size_t j = 0; j < jets.size(); ++j) {
    const vtkIdType first = points->GetNumberOfPoints();
    for (int s = 0; s < segments; ++s) {
      const double a = 2 * kPi * s / segments;
      points->InsertNextPoint(jets[j].eta + radius * std::cos(a), jets[j].phi + radius * std::sin(a), 0.01);
    }
    lines->InsertNextCell(segments + 1);
    for (int s = 0; s < segments; ++s) lines->InsertCellPoint(first + s);
    lines->InsertCellPoint(first);
    pt->InsertNextValue(jets[j].pt);
    mass->InsertNextValue(jets[j].mass);
    index->InsertNextValue(static_cast<int>(j));
  }
  auto poly = vtkSmartPointer<vtkPolyData>::New();
  poly->SetPoints(points);
  poly->SetLines(lines);
  poly->GetCellData()->AddArray(pt);
  poly->GetCellData()->AddArray(mass);
  poly->GetCellData()->AddArray(index);
  poly->GetCellData()->SetActiveScalars("JetPt");
  return poly;
}

}  // namespace nv
