// Synthetic calorimeter data with physically shaped showers, for the
// particle-physics science case: single-particle showers in a CaloGAN-like
// three-layer calorimeter, and whole-detector (eta, phi) images of
// RPV-SUSY-like multijet signal and QCD-like background events with truth
// jets and the cut-based benchmark selection.
//
// Everything is drawn from counter-based random streams keyed by (seed,
// event index): event i of a sample is the same whatever else is generated,
// in whatever order, on whatever process.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace nv::calo {

// ---------------------------------------------------------------------------
// Random numbers: xoshiro256** seeded through SplitMix64 from (seed, stream,
// index), with its own samplers so that results do not depend on the C++
// standard library's distribution implementations.
class Random {
 public:
  Random(uint64_t seed, uint64_t stream, uint64_t index);
  uint64_t next();
  double uniform();  // in [0, 1)
  double uniform(double low, double high) { return low + (high - low) * uniform(); }
  double normal();
  double exponential(double mean);
  double gamma(double shape);  // scale 1
  double beta(double a, double b);
  int64_t poisson(double mean);

 private:
  uint64_t s_[4];
  bool has_spare_ = false;
  double spare_ = 0.0;
};

// ---------------------------------------------------------------------------
// CaloGAN geometry: three layers of a lead/liquid-argon sampling
// calorimeter, a particle entering at the centre, perpendicular to the
// layers. Cells are indexed [row][column] with rows along y and columns along
// x, the layout of the CaloGAN HDF5 datasets (layer_0 is (3, 96)).
enum class Particle : int { positron = 0, photon = 1, pion = 2 };
constexpr int kParticleCount = 3;
const char* particle_name(Particle particle);  // "e+", "gamma", "pi+"
// Accepts "e+", "positron", "gamma", "photon", "pi+", "pion"; throws std::invalid_argument otherwise.
Particle particle_from_name(const std::string& name);

struct LayerGeometry {
  const char* name;   // "layer_0", ...
  int rows, columns;  // cells along y and x
  double cell_x_mm, cell_y_mm;
  double depth_begin_x0, depth_end_x0;  // in radiation lengths from the front face
};
constexpr int kLayerCount = 3;
const std::array<LayerGeometry, kLayerCount>& calogan_layers();
constexpr double kRadiationLengthMm = 22.0;  // effective X0 of the Pb/LAr stack (depths in mm for display)

// Physics constants of the shower model; defaults describe a Pb/LAr
// calorimeter. Changing them changes the detector, not the bookkeeping.
struct ShowerParameters {
  double sampling_fraction = 0.2;       // visible (LAr) / deposited energy for electromagnetic showers
  double em_stochastic = 0.10;          // a of a/sqrt(E/GeV) for electromagnetic showers
  double hadronic_stochastic = 0.50;    // a of a/sqrt(E/GeV) for the hadronic part of pion showers
  double hadronic_response = 0.6;       // h/e: visible fraction of the hadronic (non-EM) part, relative to EM
  double noise_mev = 0.5;               // Gaussian electronic noise per cell, in visible MeV
  double critical_energy_mev = 7.4;     // E_c (lead)
  double moliere_radius_mm = 40.0;      // R_M
  double interaction_length_x0 = 18.0;  // nuclear interaction length lambda_I in X0
  double mip_mev_per_x0 = 7.2;          // deposited (not visible) energy of a minimum-ionising track per X0
  double hadronic_radius_mm = 120.0;    // transverse scale of the hadronic part of pion showers
};

struct Shower {
  Particle particle = Particle::positron;
  double incident_energy_gev = 0.0;
  // Visible energy per cell in MeV, row-major (rows, columns) per layer.
  std::array<std::vector<float>, kLayerCount> layers;
  // Visible energy in MeV deposited in each layer outside its cell grid.
  std::array<double, kLayerCount> overflow_mev{};
  // Truth: depth (X0) where the shower began (photon conversion, pion's first
  // nuclear interaction; 0 for positrons); infinity for a pion that crossed
  // the calorimeter without interacting.
  double start_depth_x0 = 0.0;
  // Truth: visible-energy-weighted mean depth (X0) of all deposits, leakage
  // included; the continuous quantity that mean_depth_x0() estimates from
  // three layers.
  double true_mean_depth_x0 = 0.0;
};

// One shower of `particle` at `energy_gev`, drawn from (seed, index).
// Throws std::invalid_argument for a non-positive or non-finite energy.
Shower simulate_shower(Particle particle, double energy_gev, uint64_t seed, uint64_t index,
                       const ShowerParameters& parameters = {});

// A sample of showers: event i has its particle and energy drawn from (seed, i).
struct ShowerSampleOptions {
  // The particles to draw from, with equal probability. Empty means all three.
  std::vector<Particle> particles;
  double min_energy_gev = 1.0;  // incident energy uniform in [min, max] (CaloGAN: 1-100 GeV)
  double max_energy_gev = 100.0;
  ShowerParameters parameters;
};
Shower sample_shower(const ShowerSampleOptions& options, uint64_t seed, uint64_t index);

// Observables of a shower, computed from the cells (and overflow) only.
double layer_energy_mev(const Shower& shower, int layer);  // cells of one layer
double cell_energy_mev(const Shower& shower);              // all cells
double visible_energy_mev(const Shower& shower);           // cells plus overflow
// Energy-weighted mean depth in X0, each layer's energy at its centre depth.
double mean_depth_x0(const Shower& shower);
// Energy-weighted RMS distance of the cells from the shower axis along x,
// in mm, within one layer (NaN when the layer holds no positive energy).
double transverse_rms_x_mm(const Shower& shower, int layer);

// The three layers on the 12 x 12 grid of layer_1, as channels (3, 12, 12)
// in MeV: layer_0's strips summed into 40 mm columns and its 160 mm rows
// shared equally over 40 mm rows; layer_2's 80 mm columns shared over two.
// Energy is conserved per layer. The input of particle-identification networks.
constexpr int kStackedSide = 12;
std::vector<float> stacked_layers(const Shower& shower);

// ---------------------------------------------------------------------------
// Whole-detector images.
struct FourVector {
  double px = 0, py = 0, pz = 0, e = 0;
  static FourVector from_pt_eta_phi_m(double pt, double eta, double phi, double mass);
  double pt() const;
  double eta() const;   // pseudorapidity (+-inf along the beam)
  double phi() const;   // in (-pi, pi]
  double mass() const;  // sqrt(max(m^2, 0))
  FourVector& operator+=(const FourVector& o);
};
FourVector operator+(FourVector a, const FourVector& b);

struct Jet {
  double pt = 0, eta = 0, phi = 0, mass = 0;
  int constituents = 0;
};

// Anti-kt clustering (E-scheme recombination) with radius R; returns jets of
// pt >= min_pt, sorted by decreasing pt. O(N^2).
std::vector<Jet> anti_kt(const std::vector<FourVector>& particles, double radius, double min_pt);

// The cut-based benchmark of the RPV-SUSY search (DESIGN.md): large-R jets
// with pt > 200 GeV and |eta| < 2; preselection: >= 3 such jets, the leading
// one above 440 GeV; signal region: >= 4 jets, |delta eta| of the two leading
// jets < 1.4, and the summed mass of the four leading jets above 800 GeV
// (exactly 4 jets) or 600 GeV (5 or more).
struct CutBasedResult {
  int jets = 0;            // jets passing pt and eta cuts
  double leading_pt = 0;   // of those jets (0 if none)
  double delta_eta = 0;    // |eta1 - eta2| of the two leading (0 if fewer)
  double summed_mass = 0;  // of the (up to) four leading
  bool preselection = false;
  bool signal_region = false;
};
CutBasedResult cut_based_selection(const std::vector<Jet>& jets);

struct DetectorOptions {
  int image_size = 64;           // pixels along eta and along phi (hep_cnn: 64 or 224)
  double eta_max = 2.5;          // images cover |eta| < eta_max and all phi
  double signal_fraction = 0.5;  // probability that an event of a mixed sample is signal
  double gluino_mass_gev = 1400.0;
  double background_min_pt_gev = 400.0;                // lower edge of the QCD hard-scatter pt spectrum
  double jet_radius = 1.0;                             // truth jets: anti-kt R
  double underlying_event_particles = 120;             // mean number of soft particles per event
  double ecal_noise_gev = 0.05, hcal_noise_gev = 0.1;  // per cell, before zero suppression
};

struct DetectorEvent {
  bool signal = false;
  int image_size = 0;
  // Channel images (image_size x image_size), row-major with rows along phi
  // and columns along eta: transverse energy in GeV (ECAL, HCAL) and the
  // number of charged tracks (pt > 1 GeV) per pixel.
  std::vector<float> ecal, hcal, tracks;
  std::vector<Jet> jets;  // truth jets, pt >= 20 GeV, sorted by pt
  CutBasedResult selection;
  int particles = 0;      // final-state particles generated
  double weight = 0;      // cross section per expected event of its class, in fb (toy units)
  double normweight = 0;  // weight that balances the classes: 1 / (2 * expected class fraction)
};

// Event `index` of a mixed sample (signal with probability signal_fraction),
// drawn from (seed, index).
DetectorEvent sample_detector_event(const DetectorOptions& options, uint64_t seed, uint64_t index);
// Event `index` of a pure sample of one class.
DetectorEvent simulate_detector_event(bool signal, const DetectorOptions& options, uint64_t seed, uint64_t index);

}  // namespace nv::calo
