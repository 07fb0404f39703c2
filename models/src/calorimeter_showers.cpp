// Single-particle showers in the CaloGAN-like three-layer calorimeter.
//
// Showers are built from energy "spots" (as in GFLASH): each carries a fixed
// share of the deposited energy, so the Poisson fluctuation of their number
// is the sampling (stochastic) term a/sqrt(E). Spot depths follow the
// longitudinal profile, spot radii the transverse one.
//
// Electromagnetic showers (Longo; Grindhammer, Rudowicz and Peters 1990):
// the longitudinal profile is a Gamma distribution in depth t (X0),
//   dE/dt = E * b (b t)^(a-1) exp(-b t) / Gamma(a),
// with its maximum T = (a - 1)/b growing like ln(y), y = E/E_c; per shower, ln T
// and ln a fluctuate as correlated normals. Positrons shower from the front
// face; photons first travel an exponential distance of mean 9/7 X0 (pair
// conversion). Transversely a narrow core and a wider halo, both on the
// Moliere-radius scale and widening with depth.
//
// Pion showers: the pion ionises (a minimum-ionising track with Landau-like
// fluctuations) until its first nuclear interaction, exponentially
// distributed with mean lambda_I; beyond it an electromagnetic fraction
// (pi0 -> gamma gamma; mean 1 - (E/GeV)^(k-1), k = 0.82, Wigmans) showers as
// a few photon sub-showers, the rest as a hadronic cascade that is deeper
// (lambda_I scale), wider, has a lower response (h/e) and larger stochastic
// fluctuations. Many pions cross the 21 X0 (~0.84 lambda_I) without
// interacting, or interact late and leak most of their energy.
#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "neuralview/calorimeter.h"

namespace nv::calo {

namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double kTotalDepthX0 = 21.0;

// Random stream ids (the "stream" of Random) of the different draws.
constexpr uint64_t kShowerStream = 0xca10;
constexpr uint64_t kSampleStream = 0xca11;

class Deposits {
 public:
  explicit Deposits(Shower& shower) : shower_(shower) {
    for (int l = 0; l < kLayerCount; ++l) {
      const LayerGeometry& g = calogan_layers()[l];
      shower_.layers[l].assign(static_cast<size_t>(g.rows * g.columns), 0.0f);
      shower_.overflow_mev[l] = 0.0;
    }
  }

  // Visible energy `mev` at depth t (X0) and transverse position (x, y) in mm.
  void add(double t, double x, double y, double mev) {
    depth_sum_ += t * mev;
    energy_sum_ += mev;
    if (!(t >= 0.0) || t >= kTotalDepthX0) return;  // leaks out of the back
    const int l = t < calogan_layers()[1].depth_begin_x0 ? 0 : (t < calogan_layers()[2].depth_begin_x0 ? 1 : 2);
    add_to_layer(l, x, y, mev);
  }

  void add_to_layer(int l, double x, double y, double mev) {
    const LayerGeometry& g = calogan_layers()[l];
    const double col = std::floor((x + 0.5 * g.columns * g.cell_x_mm) / g.cell_x_mm);
    const double row = std::floor((y + 0.5 * g.rows * g.cell_y_mm) / g.cell_y_mm);
    if (col < 0 || col >= g.columns || row < 0 || row >= g.rows) {
      shower_.overflow_mev[l] += mev;
      return;
    }
    shower_.layers[l][static_cast<size_t>(row) * g.columns + static_cast<size_t>(col)] += static_cast<float>(mev);
  }

  // Energy recorded by add_to_layer directly (tracks) also counts for the truth depth.
  void count_depth(double t, double mev) {
    depth_sum_ += t * mev;
    energy_sum_ += mev;
  }

  double mean_depth() const { return energy_sum_ > 0 ? depth_sum_ / energy_sum_ : 0.0; }

 private:
  Shower& shower_;
  double depth_sum_ = 0, energy_sum_ = 0;
};

// Radius drawn from 2 r R^2 / (r^2 + R^2)^2, whose CDF is r^2 / (r^2 + R^2).
double radius_from(Random& rng, double scale) {
  const double u = rng.uniform();
  return scale * std::sqrt(u / (1.0 - u + 1e-12));
}

// An electromagnetic shower of `energy_gev` starting at depth t0 on an axis
// through (x0, y0). Each spot carries `spot_gev` of deposited energy and
// `visible_per_gev` visible MeV per deposited GeV.
void em_shower(Random& rng, Deposits& deposits, double energy_gev, double t0, double x0, double y0,
               const ShowerParameters& p, double visible_per_gev) {
  if (energy_gev <= 0) return;
  const double ln_y = std::log(std::max(energy_gev * 1000.0 / p.critical_energy_mev, 3.0));
  // Grindhammer-Peters homogeneous-medium parameters (Z = 82).
  const double mean_t = std::max(ln_y - 0.858, 0.3);
  const double mean_a = 0.21 + (0.492 + 2.38 / 82.0) * ln_y;
  const double sigma_ln_t = 1.0 / std::max(-1.4 + 1.26 * ln_y, 1.0);
  const double sigma_ln_a = 1.0 / std::max(-0.58 + 0.86 * ln_y, 1.0);
  const double rho = std::clamp(0.705 - 0.023 * ln_y, 0.0, 0.99);
  const double z1 = rng.normal(), z2 = rng.normal();
  const double t_max = mean_t * std::exp(sigma_ln_t * z1);
  const double a = std::max(mean_a * std::exp(sigma_ln_a * (rho * z1 + std::sqrt(1 - rho * rho) * z2)), 1.05);
  const double scale = t_max / (a - 1.0);  // 1 / b

  const double spot_gev = p.em_stochastic * p.em_stochastic;
  const int64_t spots = rng.poisson(energy_gev / spot_gev);
  const double spot_mev = spot_gev * visible_per_gev;
  const double rm = p.moliere_radius_mm;
  for (int64_t s = 0; s < spots; ++s) {
    const double t = rng.gamma(a) * scale;
    const double tau = std::min(t / std::max(t_max, 0.1), 4.0);
    // Core and halo radii grow with depth; the core's share falls.
    const double core = rm * (0.08 + 0.08 * tau);
    const double halo = rm * (0.45 + 0.25 * tau);
    const double core_share = 0.85 - 0.15 * std::min(tau, 2.0);
    const double r = radius_from(rng, rng.uniform() < core_share ? core : halo);
    const double angle = 2.0 * kPi * rng.uniform();
    deposits.add(t0 + t, x0 + r * std::cos(angle), y0 + r * std::sin(angle), spot_mev);
  }
}

// Landau-like fluctuation of an ionisation deposit: Moyal (-ln Z^2 for a
// standard normal Z, mean 1.27) scaled to a 20 % width around 1.
double landau_factor(Random& rng) {
  const double z = rng.normal();
  const double moyal = -std::log(std::max(z * z, 1e-12));
  return std::max(0.3, 1.0 + 0.2 * (moyal - 1.27));
}

void pion_shower(Random& rng, Deposits& deposits, Shower& shower, double energy_gev, const ShowerParameters& p) {
  const double visible_per_gev = 1000.0 * p.sampling_fraction;
  const double lambda = p.interaction_length_x0;
  const double t_int = rng.exponential(lambda);
  shower.start_depth_x0 = t_int < kTotalDepthX0 ? t_int : std::numeric_limits<double>::infinity();

  // Ionisation track along the axis up to the interaction (or the back face).
  const double track_end = std::min(t_int, kTotalDepthX0);
  for (int l = 0; l < kLayerCount; ++l) {
    const LayerGeometry& g = calogan_layers()[l];
    const double length = std::clamp(track_end - g.depth_begin_x0, 0.0, g.depth_end_x0 - g.depth_begin_x0);
    if (length <= 0) continue;
    const double mev = p.mip_mev_per_x0 * length * p.sampling_fraction * landau_factor(rng);
    deposits.add_to_layer(l, 0.0, 0.0, mev);
    deposits.count_depth(g.depth_begin_x0 + 0.5 * length, mev);
  }
  if (t_int >= kTotalDepthX0 + 3.0 * lambda) return;  // nothing of it comes back

  // Electromagnetic fraction: broad (Beta) fluctuations around Wigmans' mean.
  const double mean_em = std::clamp(1.0 - std::pow(std::max(energy_gev, 1.0), 0.82 - 1.0), 0.1, 0.9);
  const double concentration = 3.0;
  const double f_em = rng.beta(concentration * mean_em, concentration * (1.0 - mean_em));

  // pi0 photons: a few sub-showers around the axis, starting after short flights.
  const int photons = 1 + static_cast<int>(rng.poisson(0.6 * std::log(1.0 + energy_gev)));
  std::vector<double> shares(static_cast<size_t>(photons));
  double total = 0;
  for (double& s : shares) total += (s = rng.exponential(1.0));
  for (double s : shares) {
    const double start = t_int + rng.exponential(0.1 * lambda) + rng.exponential(9.0 / 7.0);
    const double r = rng.exponential(0.25 * p.moliere_radius_mm), angle = 2.0 * kPi * rng.uniform();
    em_shower(rng, deposits, f_em * energy_gev * s / total, start, r * std::cos(angle), r * std::sin(angle), p,
              visible_per_gev);
  }

  // The hadronic cascade: lower and fluctuating response, coarse spots,
  // a Gamma profile on the lambda_I scale, wide transverse profile.
  const double hadronic_gev = (1.0 - f_em) * energy_gev;
  const double response = p.hadronic_response * std::max(0.2, 1.0 + 0.15 * rng.normal());
  const double spot_gev = p.hadronic_stochastic * p.hadronic_stochastic;
  const int64_t spots = rng.poisson(hadronic_gev / spot_gev);
  const double spot_mev = spot_gev * visible_per_gev * response;
  const double shape = 1.5 + 0.25 * std::log(std::max(energy_gev, 1.0));
  const double mean_depth = (0.4 + 0.08 * std::log(std::max(energy_gev, 1.0))) * lambda;
  for (int64_t s = 0; s < spots; ++s) {
    const double t = t_int + rng.gamma(shape) * mean_depth / shape;
    const double r = radius_from(rng, rng.uniform() < 0.5 ? 0.3 * p.hadronic_radius_mm : p.hadronic_radius_mm);
    const double angle = 2.0 * kPi * rng.uniform();
    deposits.add(t, r * std::cos(angle), r * std::sin(angle), spot_mev);
  }
}

}  // namespace

const char* particle_name(Particle particle) {
  switch (particle) {
    case Particle::positron:
      return "e+";
    case Particle::photon:
      return "gamma";
    case Particle::pion:
      return "pi+";
  }
  return "unknown";
}

Particle particle_from_name(const std::string& name) {
  if (name == "e+" || name == "positron") return Particle::positron;
  if (name == "gamma" || name == "photon") return Particle::photon;
  if (name == "pi+" || name == "pion") return Particle::pion;
  throw std::invalid_argument("unknown particle '" + name + "' (expected e+, gamma or pi+)");
}

const std::array<LayerGeometry, kLayerCount>& calogan_layers() {
  // 480 mm x 480 mm in every layer; 3, 16 and 2 X0 deep (CaloGAN: 90, 347, 43 mm).
  static const std::array<LayerGeometry, kLayerCount> layers = {{
      {"layer_0", 3, 96, 5.0, 160.0, 0.0, 3.0},
      {"layer_1", 12, 12, 40.0, 40.0, 3.0, 19.0},
      {"layer_2", 12, 6, 80.0, 40.0, 19.0, 21.0},
  }};
  return layers;
}

Shower simulate_shower(Particle particle, double energy_gev, uint64_t seed, uint64_t index,
                       const ShowerParameters& parameters) {
  if (!(energy_gev > 0) || !std::isfinite(energy_gev))
    throw std::invalid_argument("the incident energy must be positive and finite, not " + std::to_string(energy_gev));
  if (!(parameters.sampling_fraction > 0) || !(parameters.em_stochastic > 0) || !(parameters.hadronic_stochastic > 0))
    throw std::invalid_argument("sampling fraction and stochastic terms must be positive");
  Random rng(seed, kShowerStream + static_cast<uint64_t>(particle), index);
  Shower shower;
  shower.particle = particle;
  shower.incident_energy_gev = energy_gev;
  Deposits deposits(shower);
  const double visible_per_gev = 1000.0 * parameters.sampling_fraction;
  switch (particle) {
    case Particle::positron:
      shower.start_depth_x0 = 0.0;
      em_shower(rng, deposits, energy_gev, 0.0, 0.0, 0.0, parameters, visible_per_gev);
      break;
    case Particle::photon:
      shower.start_depth_x0 = rng.exponential(9.0 / 7.0);
      em_shower(rng, deposits, energy_gev, shower.start_depth_x0, 0.0, 0.0, parameters, visible_per_gev);
      break;
    case Particle::pion:
      pion_shower(rng, deposits, shower, energy_gev, parameters);
      break;
  }
  shower.true_mean_depth_x0 = deposits.mean_depth();
  // Electronic noise on every cell (zero mean; cells may become negative).
  if (parameters.noise_mev > 0)
    for (auto& layer : shower.layers)
      for (float& cell : layer) cell += static_cast<float>(parameters.noise_mev * rng.normal());
  return shower;
}

Shower sample_shower(const ShowerSampleOptions& options, uint64_t seed, uint64_t index) {
  if (!(options.min_energy_gev > 0) || !(options.max_energy_gev >= options.min_energy_gev))
    throw std::invalid_argument("the energy range must satisfy 0 < minimum <= maximum");
  Random rng(seed, kSampleStream, index);
  std::vector<Particle> particles = options.particles;
  if (particles.empty()) particles = {Particle::positron, Particle::photon, Particle::pion};
  const size_t pick = std::min(static_cast<size_t>(rng.uniform() * particles.size()), particles.size() - 1);
  const double energy = rng.uniform(options.min_energy_gev, options.max_energy_gev);
  return simulate_shower(particles[pick], energy, seed, index, options.parameters);
}

double layer_energy_mev(const Shower& shower, int layer) {
  double sum = 0;
  for (float v : shower.layers.at(static_cast<size_t>(layer))) sum += v;
  return sum;
}

double cell_energy_mev(const Shower& shower) {
  double sum = 0;
  for (int l = 0; l < kLayerCount; ++l) sum += layer_energy_mev(shower, l);
  return sum;
}

double visible_energy_mev(const Shower& shower) {
  double sum = cell_energy_mev(shower);
  for (double o : shower.overflow_mev) sum += o;
  return sum;
}

double mean_depth_x0(const Shower& shower) {
  double weighted = 0, total = 0;
  for (int l = 0; l < kLayerCount; ++l) {
    const LayerGeometry& g = calogan_layers()[l];
    const double e = std::max(layer_energy_mev(shower, l) + shower.overflow_mev[l], 0.0);
    weighted += e * 0.5 * (g.depth_begin_x0 + g.depth_end_x0);
    total += e;
  }
  return total > 0 ? weighted / total : std::nan("");
}

double transverse_rms_x_mm(const Shower& shower, int layer) {
  const LayerGeometry& g = calogan_layers().at(static_cast<size_t>(layer));
  const std::vector<float>& cells = shower.layers[static_cast<size_t>(layer)];
  double sum = 0, sum_x2 = 0;
  for (int r = 0; r < g.rows; ++r)
    for (int c = 0; c < g.columns; ++c) {
      const double e = cells[static_cast<size_t>(r * g.columns + c)];
      if (e <= 0) continue;
      const double x = (c + 0.5) * g.cell_x_mm - 0.5 * g.columns * g.cell_x_mm;
      sum += e;
      sum_x2 += e * x * x;
    }
  return sum > 0 ? std::sqrt(sum_x2 / sum) : std::nan("");
}

std::vector<float> stacked_layers(const Shower& shower) {
  constexpr int n = kStackedSide;
  std::vector<float> out(static_cast<size_t>(3 * n * n), 0.0f);
  const auto& layers = calogan_layers();
  for (int l = 0; l < kLayerCount; ++l) {
    const LayerGeometry& g = layers[l];
    // How many original cells make one 40 mm cell (or how many 40 mm cells share one original cell).
    for (int r = 0; r < g.rows; ++r)
      for (int c = 0; c < g.columns; ++c) {
        const float e = shower.layers[l][static_cast<size_t>(r * g.columns + c)];
        const int r0 = static_cast<int>(r * g.cell_y_mm / 40.0), r1 = static_cast<int>((r + 1) * g.cell_y_mm / 40.0);
        const int c0 = static_cast<int>(c * g.cell_x_mm / 40.0);
        const int c1 = std::max(static_cast<int>((c + 1) * g.cell_x_mm / 40.0), c0 + 1);
        const int rows = std::max(r1 - r0, 1), cols = c1 - c0;
        const float share = e / static_cast<float>(rows * cols);
        for (int rr = r0; rr < r0 + rows; ++rr)
          for (int cc = c0; cc < c1; ++cc) out[static_cast<size_t>((l * n + rr) * n + cc)] += share;
      }
  }
  return out;
}

}  // namespace nv::calo
