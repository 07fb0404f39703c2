// Whole-detector images of RPV-SUSY-like multijet events and QCD-like
// background, in the spirit of the hep_cnn data set (Bhimji et al. 2018).
//
// Generation, in four steps:
// 1. Hard process. Signal: a gluino pair (mass M) produced near threshold
//    recoiling against initial-state radiation; each gluino decays to three
//    quarks (R-parity-violating UDD coupling) with flat three-body phase
//    space. Background: a 2 -> 2 QCD scatter with a steeply falling
//    transverse-momentum spectrum (dsigma/dpt ~ pt^-5 above a minimum), mostly
//    gluons, plus initial-state radiation.
// 2. A toy angular-ordered parton shower: soft-collinear emissions with
//    density (2 alpha_s C / pi) dtheta/theta dz/z (C = 4/3 for quarks, 3 for
//    gluons) down to a transverse-momentum cutoff; this gives jets their
//    masses (m/pt ~ 0.1-0.2 for QCD) and extra wide-angle jets.
// 3. Hadronisation of each parton into a few collinear hadrons (charged
//    pions, photons from pi0, neutral hadrons), plus an underlying event of
//    soft particles.
// 4. Detector: photons deposit transverse energy in the ECAL, hadrons
//    mostly in the HCAL, with stochastic resolution, lateral spread and
//    noise with zero suppression; charged particles above 1 GeV leave a
//    track. Truth jets: anti-kt on the final-state particles.
#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "neuralview/calorimeter.h"

namespace nv::calo {

namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr uint64_t kEventStream = 0xde7ec7;
constexpr uint64_t kLabelStream = 0x1abe1;

constexpr double kAlphaS = 0.15;
constexpr double kCutoffGev = 1.0;  // transverse-momentum cutoff of the shower
constexpr double kQuarkColour = 4.0 / 3.0, kGluonColour = 3.0;
constexpr double kMaximumPartonEnergyGev = 3000.0;  // below a 6.5 TeV beam's share

// Toy cross sections (fb) for the event weights.
constexpr double kSignalCrossSectionFb = 25.0;
constexpr double kBackgroundCrossSectionFbAt400 = 1.0e6;

enum class Kind { photon, charged, neutral };

struct Particle3 {
  FourVector p;
  Kind kind;
};

struct Vec3 {
  double x, y, z;
};

Vec3 cross(const Vec3& a, const Vec3& b) {
  return {a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x};
}
double norm(const Vec3& a) { return std::sqrt(a.x * a.x + a.y * a.y + a.z * a.z); }
Vec3 scaled(const Vec3& a, double s) { return {a.x * s, a.y * s, a.z * s}; }

Vec3 random_direction(Random& rng) {
  const double c = rng.uniform(-1.0, 1.0), s = std::sqrt(std::max(0.0, 1 - c * c));
  const double phi = 2 * kPi * rng.uniform();
  return {s * std::cos(phi), s * std::sin(phi), c};
}

// A unit vector at angle theta from the unit vector n, at a random azimuth.
Vec3 rotate_away(Random& rng, const Vec3& n, double theta) {
  Vec3 helper = std::fabs(n.x) < 0.9 ? Vec3{1, 0, 0} : Vec3{0, 1, 0};
  Vec3 u = cross(n, helper);
  u = scaled(u, 1.0 / norm(u));
  const Vec3 v = cross(n, u);
  const double a = 2 * kPi * rng.uniform();
  const double s = std::sin(theta), c = std::cos(theta);
  return {c * n.x + s * (std::cos(a) * u.x + std::sin(a) * v.x), c * n.y + s * (std::cos(a) * u.y + std::sin(a) * v.y),
          c * n.z + s * (std::cos(a) * u.z + std::sin(a) * v.z)};
}

FourVector massless(const Vec3& direction, double energy) {
  const double n = norm(direction);
  return {direction.x / n * energy, direction.y / n * energy, direction.z / n * energy, energy};
}

FourVector boost(const FourVector& p, double bx, double by, double bz) {
  const double b2 = bx * bx + by * by + bz * bz;
  if (b2 <= 0) return p;
  const double gamma = 1.0 / std::sqrt(1.0 - b2);
  const double bp = bx * p.px + by * p.py + bz * p.pz;
  const double g2 = (gamma - 1.0) / b2;
  return {p.px + g2 * bp * bx + gamma * bx * p.e, p.py + g2 * bp * by + gamma * by * p.e,
          p.pz + g2 * bp * bz + gamma * bz * p.e, gamma * (p.e + bp)};
}

FourVector boost_to_lab(const FourVector& p, const FourVector& frame) {
  return boost(p, frame.px / frame.e, frame.py / frame.e, frame.pz / frame.e);
}

struct Parton {
  FourVector p;
  double colour;
};

// Angular-ordered toy shower of one parton; final partons are appended to
// `out`. Emissions carry a transverse momentum k_t = z E theta between the
// cutoff and kt_max (the hard process's scale), so forward partons do not
// radiate more than the hard scatter could give them.
void shower(Random& rng, Parton parton, double max_angle, double kt_max, std::vector<Parton>& out, int depth = 0) {
  double theta = max_angle;
  for (int emissions = 0; emissions < 64 && depth < 12; ++emissions) {
    const double energy = parton.p.e;
    // Available range of ln z at angle theta: z from Q0/(E theta) to min(1/2, kt_max/(E theta)).
    auto log_range = [&](double angle) { return std::log(std::min(0.5 * energy * angle, kt_max) / kCutoffGev); };
    if (log_range(theta) <= 0) break;
    // Veto algorithm: the emission density per ln(theta) is
    // rho = (2 alpha_s C / pi) * log_range(theta), largest at the current theta.
    const double rho_max = 2 * kAlphaS * parton.colour / kPi * log_range(theta);
    bool emitted = false;
    while (true) {
      theta *= std::exp(-rng.exponential(1.0) / rho_max);
      const double range = log_range(theta);
      if (range <= 0) break;
      if (rng.uniform() * rho_max <= 2 * kAlphaS * parton.colour / kPi * range) {
        emitted = true;
        break;
      }
    }
    if (!emitted) break;
    // Soft fraction z from dz/z over the available range.
    const double z_min = kCutoffGev / (energy * theta);
    const double z = z_min * std::exp(log_range(theta) * rng.uniform());
    const Vec3 n = {parton.p.px, parton.p.py, parton.p.pz};
    const Vec3 direction = rotate_away(rng, scaled(n, 1.0 / norm(n)), theta);
    Parton gluon{massless(direction, z * energy), kGluonColour};
    const Vec3 rest = {parton.p.px - gluon.p.px, parton.p.py - gluon.p.py, parton.p.pz - gluon.p.pz};
    parton.p = massless(rest, (1 - z) * energy);
    shower(rng, gluon, theta, kt_max, out, depth + 1);
  }
  out.push_back(parton);
}

// Hadrons of one parton: a few collinear particles sharing its energy.
void hadronise(Random& rng, const Parton& parton, std::vector<Particle3>& out) {
  const double energy = parton.p.e;
  const int count = 1 + static_cast<int>(rng.poisson(0.8 * std::log(1.0 + energy / 2.0)));
  std::vector<double> shares(static_cast<size_t>(count));
  double total = 0;
  for (double& s : shares) total += (s = rng.exponential(1.0));
  const Vec3 n0 = {parton.p.px, parton.p.py, parton.p.pz};
  const Vec3 n = scaled(n0, 1.0 / norm(n0));
  for (double s : shares) {
    const double e = energy * s / total;
    if (e < 0.05) continue;
    // Transverse momentum of about 0.35 GeV relative to the parton.
    const double angle = std::min(0.35 * std::fabs(rng.normal()) / e, 0.5);
    const double u = rng.uniform();
    const Kind kind = u < 0.6 ? Kind::charged : (u < 0.9 ? Kind::photon : Kind::neutral);
    out.push_back({massless(rotate_away(rng, n, angle), e), kind});
  }
}

// Spreads `value` over the pixels around (eta, phi) with a Gaussian of width
// sigma (in eta/phi units), integrated per pixel; phi wraps around.
void deposit(std::vector<float>& image, int size, double eta_max, double eta, double phi, double sigma, double value) {
  const double pixel_eta = 2 * eta_max / size, pixel_phi = 2 * kPi / size;
  const double fe = (eta + eta_max) / pixel_eta, fp = (phi + kPi) / pixel_phi;
  const int ce = static_cast<int>(std::floor(fe)), cp = static_cast<int>(std::floor(fp));
  const int reach_e = std::min(static_cast<int>(std::ceil(3 * sigma / pixel_eta)), 8);
  const int reach_p = std::min(static_cast<int>(std::ceil(3 * sigma / pixel_phi)), 8);
  auto weights = [](double centre, int first, int count, double s_pixels) {
    std::vector<double> w(static_cast<size_t>(count));
    for (int k = 0; k < count; ++k) {
      const double lo = (first + k - centre) / (std::sqrt(2.0) * s_pixels);
      const double hi = (first + k + 1 - centre) / (std::sqrt(2.0) * s_pixels);
      w[static_cast<size_t>(k)] = 0.5 * (std::erf(hi) - std::erf(lo));
    }
    return w;
  };
  const std::vector<double> we = weights(fe, ce - reach_e, 2 * reach_e + 1, std::max(sigma / pixel_eta, 1e-3));
  const std::vector<double> wp = weights(fp, cp - reach_p, 2 * reach_p + 1, std::max(sigma / pixel_phi, 1e-3));
  for (int a = 0; a <= 2 * reach_p; ++a) {
    const int row = ((cp - reach_p + a) % size + size) % size;
    for (int b = 0; b <= 2 * reach_e; ++b) {
      const int col = ce - reach_e + b;
      if (col < 0 || col >= size) continue;  // energy beyond the eta range is not imaged
      image[static_cast<size_t>(row) * size + col] += static_cast<float>(value * wp[a] * we[b]);
    }
  }
}

void validate(const DetectorOptions& o) {
  if (o.image_size < 4 || o.image_size > 4096)
    throw std::invalid_argument("image size must be between 4 and 4096, not " + std::to_string(o.image_size));
  if (!(o.eta_max > 0) || o.eta_max > 5)
    throw std::invalid_argument("eta_max must be in (0, 5], not " + std::to_string(o.eta_max));
  if (!(o.signal_fraction >= 0 && o.signal_fraction <= 1))
    throw std::invalid_argument("the signal fraction must be in [0, 1]");
  if (!(o.gluino_mass_gev >= 100 && o.gluino_mass_gev <= 10000))
    throw std::invalid_argument("the gluino mass must be in [100, 10000] GeV");
  if (!(o.background_min_pt_gev >= 20 && o.background_min_pt_gev <= 5000))
    throw std::invalid_argument("the background's minimum pt must be in [20, 5000] GeV");
  if (!(o.jet_radius > 0.05 && o.jet_radius <= 2.0)) throw std::invalid_argument("the jet radius must be in (0.05, 2]");
  if (!(o.underlying_event_particles >= 0)) throw std::invalid_argument("the underlying-event count must be >= 0");
}

}  // namespace

DetectorEvent simulate_detector_event(bool signal, const DetectorOptions& options, uint64_t seed, uint64_t index) {
  validate(options);
  Random rng(seed, kEventStream + (signal ? 1 : 0), index);
  std::vector<Parton> hard;

  // Initial-state radiation: a few gluons at the hard process's scale.
  const double scale = signal ? options.gluino_mass_gev : options.background_min_pt_gev;
  const int64_t isr = rng.poisson(1.3);
  FourVector recoil;
  for (int64_t k = 0; k < isr; ++k) {
    const double pt = scale * 0.04 * std::pow(0.7 / 0.04, rng.uniform());
    // Rapidities of a few units, never more energy than a beam's share can give.
    double eta = 1.5 * rng.normal();
    for (int tries = 0; tries < 8 && pt * std::cosh(eta) > kMaximumPartonEnergyGev; ++tries) eta = 1.5 * rng.normal();
    if (pt * std::cosh(eta) > kMaximumPartonEnergyGev) eta = 0.0;
    const FourVector g = FourVector::from_pt_eta_phi_m(pt, eta, rng.uniform(-kPi, kPi), 0.0);
    hard.push_back({g, kGluonColour});
    recoil += g;
  }

  if (signal) {
    const double m = options.gluino_mass_gev;
    const double root_s = 2 * m + rng.exponential(0.3 * m);
    const double y = 0.6 * rng.normal();
    // The gluino pair recoils against the initial-state radiation.
    const double pt = recoil.pt(), mt = std::sqrt(root_s * root_s + pt * pt);
    const FourVector system = {-recoil.px, -recoil.py, mt * std::sinh(y), mt * std::cosh(y)};
    const double p_star = std::sqrt(std::max(root_s * root_s / 4 - m * m, 0.0));
    const Vec3 axis = random_direction(rng);
    for (int side = 0; side < 2; ++side) {
      const double sign = side == 0 ? 1.0 : -1.0;
      FourVector gluino = {sign * p_star * axis.x, sign * p_star * axis.y, sign * p_star * axis.z, root_s / 2};
      gluino = boost_to_lab(gluino, system);
      // Flat three-body phase space: (E1, E2) uniform in the Dalitz triangle.
      double e1 = rng.uniform(0, m / 2), e2 = rng.uniform(0, m / 2);
      if (e1 + e2 < m / 2) {
        e1 = m / 2 - e1;
        e2 = m / 2 - e2;
      }
      const double e3 = m - e1 - e2;
      const double cos12 = std::clamp((e3 * e3 - e1 * e1 - e2 * e2) / (2 * e1 * e2), -1.0, 1.0);
      const Vec3 n1 = random_direction(rng);
      const Vec3 n2 = rotate_away(rng, n1, std::acos(cos12));
      const FourVector q1 = massless(n1, e1), q2 = massless(n2, e2);
      const FourVector q3 = {-q1.px - q2.px, -q1.py - q2.py, -q1.pz - q2.pz, e3};
      for (const FourVector& q : {q1, q2, q3}) hard.push_back({boost_to_lab(q, gluino), kQuarkColour});
    }
  } else {
    // dsigma/dpt ~ pt^-5 above the minimum, capped at 4 TeV.
    const double pt = std::min(options.background_min_pt_gev * std::pow(1.0 - rng.uniform(), -0.25), 4000.0);
    double y_boost = 0.8 * rng.normal(), y_star = 0.7 * rng.normal();
    for (int tries = 0; tries < 8 && pt * std::cosh(std::fabs(y_boost) + std::fabs(y_star)) > kMaximumPartonEnergyGev;
         ++tries)
      y_boost = 0.8 * rng.normal(), y_star = 0.7 * rng.normal();
    const double phi = rng.uniform(-kPi, kPi);
    for (int side = 0; side < 2; ++side) {
      const double colour = rng.uniform() < 0.6 ? kGluonColour : kQuarkColour;
      const double y = side == 0 ? y_boost + y_star : y_boost - y_star;
      hard.push_back({FourVector::from_pt_eta_phi_m(pt, y, side == 0 ? phi : phi + kPi, 0.0), colour});
    }
  }

  // Parton shower and hadronisation.
  std::vector<Parton> partons;
  for (const Parton& p : hard) shower(rng, p, 1.4, std::max(p.p.pt(), 20.0), partons);
  std::vector<Particle3> particles;
  for (const Parton& p : partons) hadronise(rng, p, particles);
  // Underlying event: soft particles spread over the detector.
  const int64_t soft = rng.poisson(options.underlying_event_particles);
  for (int64_t k = 0; k < soft; ++k) {
    const double u = rng.uniform();
    const Kind kind = u < 0.6 ? Kind::charged : (u < 0.9 ? Kind::photon : Kind::neutral);
    particles.push_back(
        {FourVector::from_pt_eta_phi_m(0.3 + rng.exponential(0.5), rng.uniform(-4.0, 4.0), rng.uniform(-kPi, kPi), 0.0),
         kind});
  }

  DetectorEvent event;
  event.signal = signal;
  event.image_size = options.image_size;
  event.particles = static_cast<int>(particles.size());
  const int n = options.image_size;
  event.ecal.assign(static_cast<size_t>(n) * n, 0.0f);
  event.hcal.assign(static_cast<size_t>(n) * n, 0.0f);
  event.tracks.assign(static_cast<size_t>(n) * n, 0.0f);

  std::vector<FourVector> truth;
  truth.reserve(particles.size());
  for (const Particle3& particle : particles) {
    truth.push_back(particle.p);
    const double eta = particle.p.eta(), phi = particle.p.phi(), pt = particle.p.pt(), e = particle.p.e;
    if (!(std::fabs(eta) < options.eta_max)) continue;
    if (particle.kind == Kind::photon) {
      const double resolution = std::hypot(0.10 / std::sqrt(e), 0.01);
      deposit(event.ecal, n, options.eta_max, eta, phi, 0.025, std::max(0.0, pt * (1 + resolution * rng.normal())));
      continue;
    }
    if (particle.kind == Kind::charged && pt > 1.0) {
      const int col = std::clamp(static_cast<int>((eta + options.eta_max) / (2 * options.eta_max) * n), 0, n - 1);
      const int row = std::clamp(static_cast<int>((phi + kPi) / (2 * kPi) * n), 0, n - 1);
      event.tracks[static_cast<size_t>(row) * n + col] += 1.0f;
    }
    // Hadrons start showering in the ECAL and mostly end in the HCAL.
    const double ecal_share = 0.5 * rng.uniform() * rng.uniform();
    const double resolution = std::hypot(0.50 / std::sqrt(e), 0.03);
    const double measured = std::max(0.0, pt * (1 + resolution * rng.normal()));
    deposit(event.ecal, n, options.eta_max, eta, phi, 0.03, ecal_share * measured);
    deposit(event.hcal, n, options.eta_max, eta, phi, 0.08, (1 - ecal_share) * measured);
  }
  // Noise with zero suppression below two standard deviations.
  for (size_t i = 0; i < event.ecal.size(); ++i) {
    const double ecal = event.ecal[i] + options.ecal_noise_gev * rng.normal();
    const double hcal = event.hcal[i] + options.hcal_noise_gev * rng.normal();
    event.ecal[i] = ecal > 2 * options.ecal_noise_gev ? static_cast<float>(ecal) : 0.0f;
    event.hcal[i] = hcal > 2 * options.hcal_noise_gev ? static_cast<float>(hcal) : 0.0f;
  }

  event.jets = anti_kt(truth, options.jet_radius, 20.0);
  event.selection = cut_based_selection(event.jets);
  const double f = signal ? options.signal_fraction : 1.0 - options.signal_fraction;
  const double sigma = signal ? kSignalCrossSectionFb
                              : kBackgroundCrossSectionFbAt400 * std::pow(400.0 / options.background_min_pt_gev, 4.0);
  event.weight = f > 0 ? sigma / f : sigma;
  event.normweight = f > 0 ? 0.5 / f : 1.0;
  return event;
}

DetectorEvent sample_detector_event(const DetectorOptions& options, uint64_t seed, uint64_t index) {
  validate(options);
  Random rng(seed, kLabelStream, index);
  const bool signal = rng.uniform() < options.signal_fraction;
  return simulate_detector_event(signal, options, seed, index);
}

}  // namespace nv::calo
