// VTK views of calorimeter events, shared by the SyntheticCalorimeter source
// and the CaloGAN / hep_cnn readers and writers.
//
// CaloGAN showers:
// - layers: a vtkMultiBlockDataSet of three vtkImageData slabs `layer_0`,
//   `layer_1`, `layer_2` placed at their depths (mm, x/y across, z along the
//   particle), cell array `Energy` (MeV);
// - stacked: one 12 x 12 vtkImageData (40 mm cells) with cell arrays
//   `layer_0`, `layer_1`, `layer_2` (MeV), the network input.
// Both carry field data `ParticleType` (0 e+, 1 gamma, 2 pi+, -1 unknown),
// `ParticleName`, `IncidentEnergy` (GeV), `Overflow` (3 values, MeV) and
// `EventIndex`.
//
// Whole-detector events: a vtkImageData of n x n cells over eta (x) and phi
// (y) with cell arrays `ECAL`, `HCAL` (transverse energy, GeV) and `Tracks`,
// field data `Signal` (class id: 1 signal, 0 background), `Weight`,
// `NormWeight`, the truth jets (`JetPt`, `JetEta`, `JetPhi`, `JetMass`, one
// tuple per jet) and the cut-based selection (`SelectedJets`,
// `LeadingJetPt`, `DeltaEta12`, `SummedJetMass`, `PassesPreselection`,
// `PassesSignalRegion`).
#ifndef nvCaloImages_h
#define nvCaloImages_h

#include <string>
#include <vector>

#include "neuralview/calorimeter.h"
#include "vtkSmartPointer.h"

class vtkFieldData;
class vtkImageData;
class vtkMultiBlockDataSet;
class vtkPolyData;

namespace nv {

// Particle type -1 means unknown (a file without particle information).
vtkSmartPointer<vtkMultiBlockDataSet> calo_layers(const calo::Shower& shower, int particle_type, int event_index);
vtkSmartPointer<vtkImageData> calo_stacked(const calo::Shower& shower, int particle_type, int event_index);
// The shower axis as a line through the three layers (for display).
vtkSmartPointer<vtkPolyData> calo_axis(const calo::Shower& shower, int particle_type, int event_index);

// Reads a shower back from the layers of `layers` (a multiblock holding
// images named layer_0..2 with a cell array Energy) and its field data.
// Throws std::invalid_argument naming what is missing or mis-shaped.
calo::Shower shower_from_layers(vtkMultiBlockDataSet* layers, int* particle_type);

vtkSmartPointer<vtkImageData> detector_image(const calo::DetectorEvent& event, double eta_max, int event_index);
// Truth jets as circles of radius R in the (eta, phi) plane, slightly above
// the image, with cell data JetPt and JetMass.
vtkSmartPointer<vtkPolyData> jet_circles(const std::vector<calo::Jet>& jets, double radius);

// Field-data helpers.
void add_field_value(vtkFieldData* fd, const char* name, double value, bool integer = false);
void add_field_values(vtkFieldData* fd, const char* name, const std::vector<double>& values);
void add_jets_field_data(vtkFieldData* fd, const std::vector<calo::Jet>& jets);
void add_selection_field_data(vtkFieldData* fd, const calo::CutBasedResult& selection);

}  // namespace nv

#endif
