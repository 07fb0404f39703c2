// The physics of the synthetic universes (models/ cosmology.h): transfer
// functions, σ_8 normalisation, growth factors, Gaussian random fields,
// Lagrangian displacements, cloud-in-cell, and CosmoFlow's parameters.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <stdexcept>
#include <vector>

#include "neuralview/cosmology.h"

namespace cosmo = nv::cosmology;

namespace {

constexpr double kPi = 3.14159265358979323846;

double mean_of(const std::vector<double>& v) { return std::accumulate(v.begin(), v.end(), 0.0) / v.size(); }

double stddev_of(const std::vector<double>& v) {
  const double m = mean_of(v);
  double s = 0;
  for (double x : v) s += (x - m) * (x - m);
  return std::sqrt(s / v.size());
}

// Carroll, Press & Turner (1992) fit of the growth suppression, an
// independent formula (quoted accuracy ~1 % for flat ΛCDM).
double carroll_press_turner(double z, double omega_m) {
  const auto g = [omega_m](double zz) {
    const double a3 = std::pow(1.0 + zz, 3);
    const double e2 = omega_m * a3 + 1.0 - omega_m;
    const double om = omega_m * a3 / e2, ol = (1.0 - omega_m) / e2;
    return 2.5 * om / (std::pow(om, 4.0 / 7.0) - ol + (1.0 + om / 2.0) * (1.0 + ol / 70.0));
  };
  return g(z) / g(0.0) / (1.0 + z);
}

}  // namespace

TEST(CosmologyTransfer, BothFitsStartAtOneAndFallLikeLogKOverKSquared) {
  const cosmo::Parameters p;
  for (auto t : {cosmo::transfer_eisenstein_hu, cosmo::transfer_bbks}) {
    EXPECT_NEAR(t(1e-5, p), 1.0, 2e-3);
    double previous = 1.0;
    for (double k = 1e-4; k < 20; k *= 1.5) {
      const double value = t(k, p);
      EXPECT_LT(value, previous) << "k = " << k;
      previous = value;
    }
    // Deep inside the horizon T ~ ln(k) / k^2: the log-slope between k = 5
    // and 20 h/Mpc lies between -2 and -2 + 1/ln(k) ~ -1.6.
    const double slope = std::log(t(20.0, p) / t(5.0, p)) / std::log(4.0);
    EXPECT_GT(slope, -2.0);
    EXPECT_LT(slope, -1.6);
  }
}

TEST(CosmologyTransfer, EisensteinHuAndBbksAgreeWithinTheirKnownSpread) {
  // Two independent fits of the same physics: they differ by a few per cent
  // (BBKS ignores most baryon effects), never by more than ~10 %.
  for (double omega_m : {0.27, 0.3, 0.33})
    for (double hubble : {63.0, 70.0, 77.0}) {
      cosmo::Parameters p;
      p.omega_m = omega_m;
      p.hubble = hubble;
      for (double k = 0.005; k <= 2.0; k *= 1.3) {
        const double eh = cosmo::transfer_eisenstein_hu(k, p), bbks = cosmo::transfer_bbks(k, p);
        EXPECT_NEAR(eh / bbks, 1.0, 0.1) << "k = " << k << " Omega_m = " << omega_m << " H0 = " << hubble;
      }
    }
}

TEST(CosmologyPower, NormalisedToSigma8WithThePrimordialSlope) {
  for (double s8 : {0.72, 0.8, 0.88}) {
    cosmo::Parameters p;
    p.sigma_8 = s8;
    const cosmo::LinearPower power(p);
    EXPECT_NEAR(power.sigma(8.0), s8, 1e-9);
    // Larger spheres average more: σ(R) falls with R.
    EXPECT_GT(power.sigma(4.0), power.sigma(8.0));
    EXPECT_LT(power.sigma(16.0), power.sigma(8.0));
    // Far outside the horizon T = 1 and P ∝ k^n_s.
    const double slope = std::log(power(2e-5) / power(1e-5)) / std::log(2.0);
    EXPECT_NEAR(slope, p.n_s, 0.01);
  }
  // n_s tilts the spectrum by exactly (k1/k2)^Δn (the transfer function is the same).
  cosmo::Parameters a, b;
  a.n_s = 0.864;
  b.n_s = 1.056;
  const cosmo::LinearPower pa(a), pb(b);
  const double k1 = 1.0, k2 = 0.01;
  const double tilt = (pa(k1) / pa(k2)) / (pb(k1) / pb(k2));
  EXPECT_NEAR(tilt, std::pow(k1 / k2, a.n_s - b.n_s), 1e-9 * tilt);
}

TEST(CosmologyGrowth, ExactInEinsteinDeSitterAndMatchesCarrollPressTurner) {
  for (double z : {0.0, 0.5, 1.5, 3.0, 10.0}) EXPECT_NEAR(cosmo::growth_factor(z, 1.0), 1.0 / (1.0 + z), 1e-6);
  for (double omega_m : {0.27, 0.3, 0.33}) {
    EXPECT_DOUBLE_EQ(cosmo::growth_factor(0.0, omega_m), 1.0);
    double previous = 1.0;
    for (double z : {0.5, 1.5, 3.0}) {
      const double d = cosmo::growth_factor(z, omega_m);
      EXPECT_LT(d, previous);
      EXPECT_NEAR(d / carroll_press_turner(z, omega_m), 1.0, 0.015) << "z = " << z << " Omega_m = " << omega_m;
      previous = d;
    }
    // Matter domination at high z: D ∝ a.
    EXPECT_NEAR(cosmo::growth_factor(50.0, omega_m) * 51.0 / (cosmo::growth_factor(100.0, omega_m) * 101.0), 1.0, 1e-3);
    EXPECT_LT(cosmo::second_order_growth(0.0, omega_m), 0.0);
    EXPECT_NEAR(cosmo::second_order_growth(0.0, omega_m), -3.0 / 7.0, 0.01);
  }
  // More matter, more growth since z = 3 (relative to today).
  EXPECT_LT(cosmo::growth_factor(3.0, 0.33), cosmo::growth_factor(3.0, 0.27));
}

TEST(CosmologyField, MeasuredSpectrumFollowsTheInputInAmplitudeAndSlope) {
  const cosmo::Parameters p;
  const cosmo::LinearPower power(p);
  const auto model = [&power](double k) { return power(k); };
  for (auto [n, box] : {std::pair<int64_t, double>{64, 256.0}, {64, 128.0}}) {
    const std::vector<double> delta = cosmo::gaussian_random_field(n, box, model, 7);
    EXPECT_NEAR(mean_of(delta), 0.0, 1e-12);
    const auto bins = cosmo::measure_power_spectrum(delta, n, box, 12, model);
    double measured_total = 0, model_total = 0;
    std::vector<double> lk, lpm, lpi;
    for (const auto& b : bins) {
      ASSERT_GT(b.modes, 0);
      // |δ_k|² of a Gaussian field is exponentially distributed; a bin of m
      // modes holds m/2 independent ones (δ_-k = δ_k*): relative sd sqrt(2/m).
      const double tolerance = 4.0 * std::sqrt(2.0 / b.modes);
      EXPECT_NEAR(b.power / b.model, 1.0, tolerance) << "k = " << b.k << " box = " << box;
      measured_total += b.power * b.modes;
      model_total += b.model * b.modes;
      lk.push_back(std::log(b.k));
      lpm.push_back(std::log(b.power));
      lpi.push_back(std::log(b.model));
    }
    // Amplitude over all modes: tens of thousands of modes, sd well below 1 %.
    EXPECT_NEAR(measured_total / model_total, 1.0, 0.03);
    // Slope: least-squares log-log slopes of measurement and input agree.
    const auto slope = [&lk](const std::vector<double>& y) {
      const double mx = mean_of(lk), my = mean_of(y);
      double sxy = 0, sxx = 0;
      for (size_t i = 0; i < lk.size(); ++i) {
        sxy += (lk[i] - mx) * (y[i] - my);
        sxx += (lk[i] - mx) * (lk[i] - mx);
      }
      return sxy / sxx;
    };
    const double input_slope = slope(lpi);
    EXPECT_LT(input_slope, -1.0);  // the spectrum falls over these scales
    EXPECT_NEAR(slope(lpm), input_slope, 0.05) << "box = " << box;
  }
}

TEST(CosmologyField, Sigma8MeasuredInSpheresMatchesTheRequestedValue) {
  // 256 Mpc/h box, 2 Mpc/h spacing; spheres of 8 Mpc/h at random centres
  // (about 268 grid points each). The box misses modes longer than itself:
  // the variance it can hold (grid_sigma) is within 0.5 % of σ_8 here. One
  // realisation scatters by ~1.2 % (cosmic variance plus 3000 sampled
  // spheres; measured over 8 seeds): 5 % per realisation and 3 % for the
  // mean of two are > 3.5 standard deviations.
  for (double s8 : {0.8, 0.88}) {
    cosmo::Parameters p;
    p.sigma_8 = s8;
    const cosmo::LinearPower power(p);
    const auto model = [&power](double k) { return power(k); };
    EXPECT_NEAR(cosmo::grid_sigma(model, 128, 256.0, 8.0) / s8, 1.0, 0.005);
    double sum = 0;
    const int seeds = 2;
    for (int seed = 0; seed < seeds; ++seed) {
      const auto delta = cosmo::gaussian_random_field(128, 256.0, model, 100 + seed);
      const double measured = cosmo::measure_sphere_sigma(delta, 128, 256.0, 8.0, 3000, seed);
      EXPECT_NEAR(measured / s8, 1.0, 0.05) << "seed " << seed;
      sum += measured;
    }
    EXPECT_NEAR(sum / seeds / s8, 1.0, 0.03);
  }
}

TEST(CosmologyField, SeedsGiveNewUniversesAndTheSameSeedTheSameOne) {
  const cosmo::LinearPower power(cosmo::Parameters{});
  const auto model = [&power](double k) { return power(k); };
  const auto a = cosmo::gaussian_random_field(32, 128.0, model, 1);
  const auto b = cosmo::gaussian_random_field(32, 128.0, model, 1);
  const auto c = cosmo::gaussian_random_field(32, 128.0, model, 2);
  EXPECT_EQ(a, b);
  double ac = 0, aa = 0, cc = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    ac += a[i] * c[i];
    aa += a[i] * a[i];
    cc += c[i] * c[i];
  }
  EXPECT_LT(std::abs(ac / std::sqrt(aa * cc)), 0.1);  // independent fields: correlation ~ 1/sqrt(modes)
}

TEST(CosmologyDisplacement, ZeldovichAndSecondOrderOfPlaneWavesAreExact) {
  const int64_t n = 16;
  const double box = 64.0, spacing = box / n, k = 2 * kPi / box * 2;  // two wavelengths per box
  const double A = 0.3, B = 0.2;
  std::vector<double> delta(n * n * n);
  for (int64_t z = 0; z < n; ++z)
    for (int64_t y = 0; y < n; ++y)
      for (int64_t x = 0; x < n; ++x)
        delta[(z * n + y) * n + x] = A * std::cos(k * x * spacing) + B * std::cos(k * y * spacing);
  const auto d = cosmo::lagrangian_displacements(delta, n, box, true);
  for (int64_t z = 0; z < n; ++z)
    for (int64_t y = 0; y < n; ++y)
      for (int64_t x = 0; x < n; ++x) {
        const size_t i = (z * n + y) * n + x;
        const double qx = x * spacing, qy = y * spacing;
        // δ = -∇·ψ1: ψ1 = -(A/k) sin(kx) x̂ - (B/k) sin(ky) ŷ.
        ASSERT_NEAR(d.first[0][i], -A / k * std::sin(k * qx), 1e-10);
        ASSERT_NEAR(d.first[1][i], -B / k * std::sin(k * qy), 1e-10);
        ASSERT_NEAR(d.first[2][i], 0.0, 1e-10);
        // ∇²φ2 = φ,xx φ,yy = A B cos(kx) cos(ky) gives
        // ∂xφ2 = (A B / 2k) sin(kx) cos(ky), ∂yφ2 = (A B / 2k) cos(kx) sin(ky).
        ASSERT_NEAR(d.second[0][i], A * B / (2 * k) * std::sin(k * qx) * std::cos(k * qy), 1e-10);
        ASSERT_NEAR(d.second[1][i], A * B / (2 * k) * std::cos(k * qx) * std::sin(k * qy), 1e-10);
        ASSERT_NEAR(d.second[2][i], 0.0, 1e-10);
      }
}

TEST(CosmologyCic, ConservesMassAndSplitsBetweenNeighbours) {
  const int64_t n = 8;
  const double box = 16.0;
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<double> position(-box, 2 * box), mass(0.5, 2.0);
  std::vector<double> positions(3 * 1000), masses(1000);
  for (double& x : positions) x = position(rng);
  for (double& m : masses) m = mass(rng);
  std::vector<double> grid;
  cosmo::deposit_cic(positions.data(), masses.data(), masses.size(), n, box, grid);
  const double total = std::accumulate(masses.begin(), masses.end(), 0.0);
  EXPECT_NEAR(std::accumulate(grid.begin(), grid.end(), 0.0), total, 1e-12 * total);
  for (double v : grid) EXPECT_GE(v, 0.0);

  // A particle at the centre of a cell gives 1/8 to each corner; one just
  // below the box edge wraps to the first plane.
  std::vector<double> one = {3.0, 3.0, 3.0}, g1;
  cosmo::deposit_cic(one.data(), nullptr, 1, n, box, g1);
  for (int c = 0; c < 8; ++c)
    EXPECT_DOUBLE_EQ(g1[((1 + (c >> 2 & 1)) * n + 1 + (c >> 1 & 1)) * n + 1 + (c & 1)], 0.125);
  std::vector<double> edge = {box - 0.5, 0.0, 0.0}, g2;  // 3/4 of the way from point 7 to point 8 (= 0)
  cosmo::deposit_cic(edge.data(), nullptr, 1, n, box, g2);
  EXPECT_DOUBLE_EQ(g2[7], 0.25);
  EXPECT_DOUBLE_EQ(g2[0], 0.75);

  // Bounded grid: what falls outside is reported, the rest is kept.
  const int64_t dims[3] = {4, 4, 4};
  const double origin[3] = {0, 0, 0}, spacing[3] = {1, 1, 1};
  std::vector<double> g3;
  const double lost =
      cosmo::deposit_cic_bounded(positions.data(), masses.data(), masses.size(), dims, origin, spacing, g3);
  EXPECT_GT(lost, 0.0);
  EXPECT_NEAR(std::accumulate(g3.begin(), g3.end(), 0.0) + lost, total, 1e-12 * total);

  const std::vector<double> bad = {std::nan(""), 0.0, 0.0};
  EXPECT_THROW(cosmo::deposit_cic(bad.data(), nullptr, 1, n, box, grid), std::invalid_argument);
}

TEST(CosmologyUniverse, ChannelsConserveMassAndGrowTowardsRedshiftZero) {
  cosmo::UniverseOptions options;
  options.grid = 32;
  options.box = 128.0;
  options.keep_linear_field = true;
  for (int order : {1, 2}) {
    options.lpt_order = order;
    const cosmo::Parameters p;
    const cosmo::Universe u = cosmo::generate_universe(p, options, 11);
    ASSERT_EQ(u.density.size(), 4u);
    std::vector<double> sd;
    for (const auto& channel : u.density) {
      // One particle per grid point: mean ρ/ρ̄ is 1 up to rounding.
      EXPECT_NEAR(mean_of(channel), 1.0, 1e-12);
      for (double v : channel) ASSERT_GE(v, 0.0);
      sd.push_back(stddev_of(channel));
    }
    for (size_t c = 1; c < sd.size(); ++c) {
      EXPECT_LT(sd[c], sd[c - 1]) << "structure must grow towards z = 0 (LPT order " << order << ")";
      // Order of magnitude: the contrast ratio follows the linear growth
      // ratio within a factor 1.6 (non-linear and CIC smoothing effects).
      const double linear = cosmo::growth_factor(options.redshifts[c], p.omega_m);
      EXPECT_GT(sd[c] / sd[0], linear / 1.6);
      EXPECT_LT(sd[c] / sd[0], linear * 1.6);
    }
    // On the largest scales the z = 3 channel is linear: its power in the
    // first bins is D(3)^2 times the linear spectrum, within the CIC and
    // cosmic-variance scatter of these few modes.
    const auto lin = cosmo::measure_power_spectrum(u.linear_delta, 32, 128.0, 8);
    std::vector<double> contrast(u.density[3]);
    for (double& v : contrast) v -= 1.0;
    const auto z3 = cosmo::measure_power_spectrum(contrast, 32, 128.0, 8);
    const double d3 = cosmo::growth_factor(3.0, p.omega_m);
    EXPECT_NEAR(z3[0].power / (lin[0].power * d3 * d3), 1.0, 0.25) << "LPT order " << order;
  }
}

TEST(CosmologyParameters, UnitParConventionAndDraws) {
  const auto p = cosmo::from_unit_parameters({1.0, -1.0, 0.5, 0.0});
  EXPECT_NEAR(p.omega_m, 0.33, 1e-12);
  EXPECT_NEAR(p.sigma_8, 0.72, 1e-12);
  EXPECT_NEAR(p.n_s, 1.008, 1e-12);
  EXPECT_NEAR(p.hubble, 70.0, 1e-12);
  const auto u = cosmo::to_unit_parameters(p);
  EXPECT_NEAR(u[0], 1.0, 1e-12);
  EXPECT_NEAR(u[2], 0.5, 1e-12);
  double sum[4] = {0, 0, 0, 0}, lo = 1, hi = -1;
  for (uint64_t seed = 0; seed < 4000; ++seed) {
    const auto d = cosmo::draw_unit_parameters(seed);
    for (int i = 0; i < 4; ++i) {
      ASSERT_GE(d[i], -1.0);
      ASSERT_LE(d[i], 1.0);
      sum[i] += d[i];
      lo = std::min(lo, d[i]);
      hi = std::max(hi, d[i]);
    }
  }
  for (double s : sum) EXPECT_NEAR(s / 4000, 0.0, 0.04);  // sd of the mean: 0.577 / sqrt(4000) = 0.009
  EXPECT_LT(lo, -0.99);
  EXPECT_GT(hi, 0.99);
  EXPECT_EQ(cosmo::draw_unit_parameters(5), cosmo::draw_unit_parameters(5));
  EXPECT_NE(cosmo::draw_unit_parameters(5), cosmo::draw_unit_parameters(6));
}

TEST(CosmologyLattice, RecoversDisplacementsFromParticleIds) {
  const int64_t n = 4;
  const double box = 40.0;
  std::mt19937_64 rng(9);
  std::uniform_real_distribution<double> shift(-3.0, 3.0);
  std::vector<int64_t> ids(n * n * n);
  std::iota(ids.begin(), ids.end(), 100);
  std::shuffle(ids.begin(), ids.end(), rng);
  std::vector<double> positions(3 * ids.size()), truth(3 * ids.size());
  for (size_t p = 0; p < ids.size(); ++p) {
    const int64_t index = ids[p] - 100;
    const int64_t lattice[3] = {index / (n * n), index / n % n, index % n};
    for (int a = 0; a < 3; ++a) {
      truth[3 * p + a] = shift(rng);
      double x = (lattice[a] + 0.5) * box / n + truth[3 * p + a];
      positions[3 * p + a] = x - box * std::floor(x / box);  // periodic, as a simulation stores them
    }
  }
  const auto d = cosmo::lattice_displacements(positions.data(), ids.data(), ids.size(), 100, n, box, 0.5);
  for (size_t i = 0; i < d.size(); ++i) ASSERT_NEAR(d[i], truth[i], 1e-9);
  EXPECT_LT(cosmo::lattice_squared_displacement(positions.data(), ids.data(), ids.size(), 100, n, box, 0.5),
            cosmo::lattice_squared_displacement(positions.data(), ids.data(), ids.size(), 100, n, box, 0.0));
  std::vector<int64_t> bad = {100 + n * n * n};
  EXPECT_THROW(cosmo::lattice_displacements(positions.data(), bad.data(), 1, 100, n, box, 0.0), std::invalid_argument);
}

TEST(CosmologyBadInput, ClearErrors) {
  cosmo::Parameters p;
  p.omega_m = 1.5;
  EXPECT_THROW(cosmo::LinearPower{p}, std::invalid_argument);
  const auto flat = [](double) { return 1.0; };
  EXPECT_THROW(cosmo::gaussian_random_field(15, 10.0, flat, 0), std::invalid_argument);
  EXPECT_THROW(cosmo::gaussian_random_field(16, -1.0, flat, 0), std::invalid_argument);
  cosmo::UniverseOptions options;
  options.grid = 8;
  options.lpt_order = 3;
  EXPECT_THROW(cosmo::generate_universe(cosmo::Parameters{}, options, 0), std::invalid_argument);
}
