// Cosmological density fields from a physical model, without VTK.
//
// The chain is the one of N-body initial-condition codes (2LPTic, MUSIC):
//   1. a linear ΛCDM power spectrum P(k) = A k^n_s T(k)^2 with an
//      Eisenstein & Hu (1998, no-wiggle) or BBKS transfer function T,
//      normalised so that the top-hat variance in spheres of 8 Mpc/h is σ_8²;
//   2. a Gaussian random field δ with that spectrum on a periodic grid
//      (white noise from a counter-based generator, shaped in Fourier space);
//   3. particles on a lattice displaced with the Zel'dovich approximation
//      (first-order Lagrangian perturbation theory) or 2LPT, scaled to each
//      redshift with the linear growth factor D(z) of flat ΛCDM;
//   4. cloud-in-cell deposit of the particles onto the grid.
//
// Units: lengths in Mpc/h, wavenumbers in h/Mpc, P(k) in (Mpc/h)^3. Grids
// are cubes of n^3 values stored x fastest: index = (k * n + j) * n + i,
// with grid point i at position i * box / n (periodic).
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <vector>

namespace nv::cosmology {

struct Parameters {
  double omega_m = 0.3;    // matter density (flat: Ω_Λ = 1 - Ω_m)
  double sigma_8 = 0.8;    // rms linear overdensity in 8 Mpc/h spheres at z = 0
  double n_s = 0.96;       // primordial spectral index
  double hubble = 70.0;    // H0 in km/s/Mpc
  double omega_b = 0.049;  // baryon density (shapes the transfer function; not regressed)
  double h() const { return hubble / 100.0; }
};

// CosmoFlow's unitPar convention: physical = (1 + 0.1 u) * fiducial for
// (Ω_m, σ_8, n_s, H0), u in [-1, 1].
inline constexpr std::array<double, 4> kFiducialParameters = {0.3, 0.8, 0.96, 70.0};
inline constexpr double kUnitParameterSpread = 0.1;
inline constexpr std::array<const char*, 4> kParameterNames = {"Omega_m", "sigma_8", "n_s", "H0"};
Parameters from_unit_parameters(const std::array<double, 4>& u, double omega_b = 0.049);
std::array<double, 4> to_unit_parameters(const Parameters& p);
// u drawn uniformly in [-1, 1]^4 from a seed (a counter-based hash: the same
// seed gives the same values on every process and platform).
std::array<double, 4> draw_unit_parameters(uint64_t seed);

enum class TransferFunction { eisenstein_hu, bbks };

// Eisenstein & Hu (1998) zero-baryon-oscillation fit (their eqs. 26-31),
// T_CMB = 2.7255 K. k in h/Mpc.
double transfer_eisenstein_hu(double k, const Parameters& p);
// Bardeen, Bond, Kaiser & Szalay (1986) with Sugiyama's (1995) baryon
// correction of the shape parameter. k in h/Mpc.
double transfer_bbks(double k, const Parameters& p);

// Fourier transform of the spherical top-hat, 3 (sin x - x cos x) / x^3.
double tophat_window(double x);

// The linear matter power spectrum at z = 0, normalised to σ_8.
class LinearPower {
 public:
  explicit LinearPower(const Parameters& p, TransferFunction transfer = TransferFunction::eisenstein_hu);
  double operator()(double k) const;  // (Mpc/h)^3; 0 for k <= 0
  // rms of the field smoothed with a top-hat of this radius (Mpc/h):
  // σ²(R) = 1/(2π²) ∫ k² P(k) W²(kR) dk.
  double sigma(double radius) const;
  const Parameters& parameters() const { return p_; }

 private:
  double shape(double k) const;  // k^n_s T(k)^2, unnormalised
  Parameters p_;
  TransferFunction transfer_;
  double amplitude_ = 1.0;
};

// Linear growth factor of flat ΛCDM, D(z = 0) = 1 (the integral form of
// Heath 1977: D ∝ E(a) ∫ da / (a E(a))^3).
double growth_factor(double z, double omega_m);
// Ω_m(z) = Ω_m (1+z)^3 / E(z)^2.
double omega_m_at(double z, double omega_m);

// A Gaussian random field on an n^3 periodic grid of side box, with power
// spectrum `power` (k in h/Mpc), zero mean. Deterministic in `seed` and
// independent of threads. Throws std::invalid_argument for n < 2, an odd n or box <= 0.
std::vector<double> gaussian_random_field(int64_t n, double box, const std::function<double(double)>& power,
                                          uint64_t seed);

// Lagrangian displacements of the particles of an n^3 lattice (particle
// (i, j, k) at q = (i, j, k) * box / n) from the linear density field δ at
// z = 0: first order ψ1 (the Zel'dovich field, δ = -∇·ψ1) and, when
// second_order, the 2LPT field ψ2 for D2 = 1 (x = q + D1 ψ1 + D2 ψ2 with
// D2 = -3/7 D1² Ω_m(z)^(-1/143)). Each component is an n^3 array.
struct Displacements {
  std::array<std::vector<double>, 3> first;
  std::array<std::vector<double>, 3> second;  // empty without second order
};
Displacements lagrangian_displacements(const std::vector<double>& delta, int64_t n, double box, bool second_order);

// Second-order growth factor D2(z) for D1 = growth_factor(z), in the
// convention above (negative).
double second_order_growth(double z, double omega_m);

// Periodic cloud-in-cell: adds each particle's mass (1 when masses is null)
// to the 8 grid points around it with trilinear weights. positions holds x,
// y, z per particle in the units of box; positions outside [0, box) wrap.
// The deposited total equals the particles' total mass up to rounding.
void deposit_cic(const double* positions, const double* masses, size_t count, int64_t n, double box,
                 std::vector<double>& grid);
// The same on a dims[0] x dims[1] x dims[2] grid of a periodic box with
// sides box[3] (x fastest).
void deposit_cic(const double* positions, const double* masses, size_t count, const int64_t dims[3],
                 const double box[3], std::vector<double>& grid);
// The same onto grid points at origin + index * spacing (not periodic), for
// a box that does not wrap: weights falling outside the grid are dropped and
// returned as the lost mass.
double deposit_cic_bounded(const double* positions, const double* masses, size_t count, const int64_t dims[3],
                           const double origin[3], const double spacing[3], std::vector<double>& grid);

// The measured power spectrum of a periodic n^3 field in `bins` linear bins
// of |k| between the fundamental 2π/box and the Nyquist frequency π n/box.
// With a model spectrum, each bin also holds the model averaged over the
// same modes (the fair comparison where P varies across a bin).
struct PowerBin {
  double k = 0;      // mean |k| of the modes in the bin
  double power = 0;  // mean |δ_k|^2 V / n^6, (Mpc/h)^3
  double model = 0;  // mean model P(|k|) over the bin's modes (0 without a model)
  int64_t modes = 0;
};
std::vector<PowerBin> measure_power_spectrum(const std::vector<double>& field, int64_t n, double box, int bins,
                                             const std::function<double(double)>& model = {});

// The variance a periodic n^3 grid of side box can hold of a spectrum
// smoothed with a top-hat of this radius: Σ over the grid's modes k != 0 of
// P(k) W²(kR) / V. It is below σ²(R) by the modes longer than the box and
// shorter than the grid spacing; returns its square root.
double grid_sigma(const std::function<double(double)>& power, int64_t n, double box, double radius);

// rms of the field averaged in `count` spheres of `radius` (Mpc/h) at
// seeded random centres, periodic: each sphere averages the grid points
// within the radius.
double measure_sphere_sigma(const std::vector<double>& field, int64_t n, double box, double radius, int count,
                            uint64_t seed);

// A synthetic universe: density channels (ρ/ρ̄, mean 1) at several redshifts.
struct UniverseOptions {
  int64_t grid = 64;   // points per side of the density grid and of the particle lattice
  double box = 128.0;  // Mpc/h
  std::vector<double> redshifts = {0.0, 0.5, 1.5, 3.0};
  TransferFunction transfer = TransferFunction::eisenstein_hu;
  int lpt_order = 2;  // 1: Zel'dovich, 2: 2LPT
  bool keep_linear_field = false;
};
struct Universe {
  Parameters parameters;
  std::vector<std::vector<double>> density;  // per redshift, n^3 values of ρ/ρ̄
  std::vector<double> linear_delta;          // δ_lin at z = 0 (when kept)
};
Universe generate_universe(const Parameters& p, const UniverseOptions& options, uint64_t seed);

// Particles of a simulation started from a lattice (GADGET initial
// conditions): the lattice point of each particle from its ID. IDs count
// from first_id in C order (x slowest), n_side^3 particles, lattice spacing
// box / n_side, offset by offset_cells * spacing. Returns the periodic
// displacement x - q of every particle (3 values each).
std::vector<double> lattice_displacements(const double* positions, const int64_t* ids, size_t count, int64_t first_id,
                                          int64_t n_side, double box, double offset_cells);
// Sum of squared displacements for a lattice offset: the offset (0 or 0.5
// cells) with the smaller sum, added over all processes, is the lattice the
// simulation started from.
double lattice_squared_displacement(const double* positions, const int64_t* ids, size_t count, int64_t first_id,
                                    int64_t n_side, double box, double offset_cells);

}  // namespace nv::cosmology
