// Physics of the synthetic calorimeter (models/, no VTK): the expectations
// come from calorimetry, not from this generator's own output.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <vector>

#include "neuralview/calorimeter.h"

namespace {

using nv::calo::Particle;

struct Moments {
  double mean = 0, sd = 0, se = 0;  // mean, standard deviation, standard error of the mean
};

Moments moments(const std::vector<double>& v) {
  Moments m;
  for (double x : v) m.mean += x;
  m.mean /= static_cast<double>(v.size());
  for (double x : v) m.sd += (x - m.mean) * (x - m.mean);
  m.sd = std::sqrt(m.sd / static_cast<double>(v.size() - 1));
  m.se = m.sd / std::sqrt(static_cast<double>(v.size()));
  return m;
}

template <typename F>
std::vector<double> over_showers(Particle particle, double energy, int count, F observable, uint64_t seed = 11,
                                 const nv::calo::ShowerParameters& parameters = {}) {
  std::vector<double> values;
  for (int i = 0; i < count; ++i) {
    const double v =
        observable(nv::calo::simulate_shower(particle, energy, seed, static_cast<uint64_t>(i), parameters));
    if (std::isfinite(v)) values.push_back(v);
  }
  return values;
}

double response(const nv::calo::Shower& s) {
  return nv::calo::visible_energy_mev(s) / (1000.0 * s.incident_energy_gev);
}

TEST(CaloShowers, LayersHaveTheCaloGANShapes) {
  const auto shower = nv::calo::simulate_shower(Particle::positron, 10.0, 1, 0);
  const size_t expected[3] = {3 * 96, 12 * 12, 12 * 6};
  for (int l = 0; l < nv::calo::kLayerCount; ++l) {
    const auto& g = nv::calo::calogan_layers()[l];
    EXPECT_EQ(shower.layers[l].size(), expected[l]) << g.name;
    // Every layer covers the same 480 mm x 480 mm face.
    EXPECT_DOUBLE_EQ(g.rows * g.cell_y_mm, 480.0);
    EXPECT_DOUBLE_EQ(g.columns * g.cell_x_mm, 480.0);
  }
}

// Deposited (visible) energy is a constant fraction of the incident energy:
// the mean response E_vis / E equals the sampling fraction at every energy,
// up to longitudinal leakage (21 X0 contain > 94 % of a 100 GeV
// electromagnetic shower; PDG's 95 % containment depth for lead at 100 GeV is
// about 23 X0, ~6 % at 21 X0 in the worst case).
TEST(CaloShowers, DepositedEnergyTracksIncidentEnergyThroughTheSamplingFraction) {
  const nv::calo::ShowerParameters p;
  std::vector<double> energies = {2.0, 8.0, 32.0, 90.0}, means;
  for (double e : energies) {
    const Moments m = moments(over_showers(Particle::positron, e, 150, response));
    means.push_back(m.mean);
    EXPECT_NEAR(m.mean / p.sampling_fraction, 1.0, 0.06) << "at " << e << " GeV";
  }
  // Linearity: a straight line through (E, E_vis) has an intercept below 1 % of the 90 GeV signal.
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (size_t k = 0; k < energies.size(); ++k) {
    const double x = energies[k], y = means[k] * energies[k];
    sx += x, sy += y, sxx += x * x, sxy += x * y;
  }
  const double n = static_cast<double>(energies.size());
  const double slope = (n * sxy - sx * sy) / (n * sxx - sx * sx), intercept = (sy - slope * sx) / n;
  EXPECT_NEAR(slope / p.sampling_fraction, 1.0, 0.06);
  EXPECT_LT(std::fabs(intercept), 0.01 * p.sampling_fraction * 90.0);
  // Halving the sampling fraction halves the response (noise is 0.5 MeV per cell, negligible at 20 GeV).
  nv::calo::ShowerParameters half = p;
  half.sampling_fraction = 0.5 * p.sampling_fraction;
  const double full = moments(over_showers(Particle::positron, 20.0, 100, response, 5, p)).mean;
  const double halved = moments(over_showers(Particle::positron, 20.0, 100, response, 5, half)).mean;
  EXPECT_NEAR(halved / full, 0.5, 0.01);
}

// The relative resolution of electromagnetic showers follows the stochastic
// term a/sqrt(E): at 4 GeV sigma/E * sqrt(E) is a (0.10), within 30 % (noise
// adds sqrt(252) * 0.5 MeV = 8 MeV, 1 % of the signal; the estimate of sigma
// from 300 showers has a 4 % error). From 2 to 32 GeV it shrinks by about
// sqrt(16) = 4 (less where leakage fluctuations start to matter).
TEST(CaloShowers, ElectromagneticResolutionFollowsTheStochasticTerm) {
  const nv::calo::ShowerParameters p;
  const Moments at4 = moments(over_showers(Particle::positron, 4.0, 300, response));
  EXPECT_NEAR(at4.sd / at4.mean * std::sqrt(4.0), p.em_stochastic, 0.3 * p.em_stochastic);
  const Moments at2 = moments(over_showers(Particle::positron, 2.0, 300, response));
  const Moments at32 = moments(over_showers(Particle::positron, 32.0, 300, response));
  const double ratio = (at2.sd / at2.mean) / (at32.sd / at32.mean);
  EXPECT_GT(ratio, 2.5);
  EXPECT_LT(ratio, 5.0);
}

// The shower maximum grows like ln(E/E_c) (Rossi: t_max = ln(E/E_c) - 0.5
// X0 for electrons): the mean depth rises by about one X0 per unit of ln E.
// The three-layer estimate from the cells rises too, compressed because the
// 16 X0 middle layer holds most of the energy.
TEST(CaloShowers, MeanShowerDepthGrowsWithLogE) {
  const std::vector<double> energies = {1.5, 5.0, 15.0, 50.0};
  std::vector<Moments> truth, cells;
  for (double e : energies) {
    truth.push_back(moments(
        over_showers(Particle::positron, e, 200, [](const nv::calo::Shower& s) { return s.true_mean_depth_x0; })));
    cells.push_back(moments(over_showers(Particle::positron, e, 200, nv::calo::mean_depth_x0)));
  }
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (size_t k = 0; k < energies.size(); ++k) {
    const double x = std::log(energies[k]), y = truth[k].mean;
    sx += x, sy += y, sxx += x * x, sxy += x * y;
  }
  const double n = static_cast<double>(energies.size());
  const double slope = (n * sxy - sx * sy) / (n * sxx - sx * sx);
  EXPECT_GT(slope, 0.7);
  EXPECT_LT(slope, 1.3);
  for (size_t k = 1; k < energies.size(); ++k) {
    const double se = std::hypot(cells[k].se, cells[k - 1].se);
    EXPECT_GT(cells[k].mean - cells[k - 1].mean, 3 * se) << energies[k - 1] << " -> " << energies[k] << " GeV";
  }
}

// Photons travel a mean free path of 9/7 X0 before converting: they start
// later than positrons and leave less energy in the thin first layer.
TEST(CaloShowers, PhotonsStartLaterThanPositrons) {
  const Moments start =
      moments(over_showers(Particle::photon, 10.0, 400, [](const nv::calo::Shower& s) { return s.start_depth_x0; }));
  EXPECT_NEAR(start.mean, 9.0 / 7.0, 4 * start.se);  // exponential: sd = mean
  auto first_layer_share = [](const nv::calo::Shower& s) {
    return nv::calo::layer_energy_mev(s, 0) / nv::calo::cell_energy_mev(s);
  };
  const Moments e0 = moments(over_showers(Particle::positron, 10.0, 300, first_layer_share));
  const Moments g0 = moments(over_showers(Particle::photon, 10.0, 300, first_layer_share));
  EXPECT_GT(e0.mean - g0.mean, 3 * std::hypot(e0.se, g0.se));
  const Moments ed = moments(over_showers(Particle::positron, 10.0, 300, nv::calo::mean_depth_x0));
  const Moments gd = moments(over_showers(Particle::photon, 10.0, 300, nv::calo::mean_depth_x0));
  EXPECT_GT(gd.mean - ed.mean, 3 * std::hypot(ed.se, gd.se));
}

// Hadronic showers start after a nuclear interaction length on average, are
// deeper and wider than electromagnetic ones, and fluctuate far more (in
// the fraction of electromagnetic energy, invisible energy, leakage).
TEST(CaloShowers, PionShowersAreDeeperWiderAndFluctuateMore) {
  const nv::calo::ShowerParameters p;
  const double energy = 30.0;
  const int n = 300;
  const Moments pi_depth = moments(over_showers(Particle::pion, energy, n, nv::calo::mean_depth_x0));
  const Moments e_depth = moments(over_showers(Particle::positron, energy, n, nv::calo::mean_depth_x0));
  EXPECT_GT(pi_depth.mean - e_depth.mean, 3 * std::hypot(pi_depth.se, e_depth.se));
  const Moments pi_true =
      moments(over_showers(Particle::pion, energy, n, [](const nv::calo::Shower& s) { return s.true_mean_depth_x0; }));
  const Moments e_true = moments(
      over_showers(Particle::positron, energy, n, [](const nv::calo::Shower& s) { return s.true_mean_depth_x0; }));
  EXPECT_GT(pi_true.mean, e_true.mean + 5.0);

  // Width in the middle layer, for pions that interacted in its front half
  // (so the comparison is between showers, not a shower and a track).
  auto width_if_showering = [](const nv::calo::Shower& s) {
    if (s.particle == Particle::pion && !(s.start_depth_x0 < 10.0)) return std::nan("");
    return nv::calo::transverse_rms_x_mm(s, 1);
  };
  const Moments pi_width = moments(over_showers(Particle::pion, energy, n, width_if_showering));
  const Moments e_width = moments(over_showers(Particle::positron, energy, n, width_if_showering));
  EXPECT_GT(pi_width.mean - e_width.mean, 3 * std::hypot(pi_width.se, e_width.se));

  const Moments pi_response = moments(over_showers(Particle::pion, energy, n, response));
  const Moments e_response = moments(over_showers(Particle::positron, energy, n, response));
  EXPECT_GT(pi_response.sd / pi_response.mean, 5 * e_response.sd / e_response.mean);

  // First interactions are exponential in depth: a fraction exp(-21 / lambda_I)
  // crosses without interacting; late starts (beyond 10 X0) are common.
  const auto starts =
      over_showers(Particle::pion, energy, 600, [](const nv::calo::Shower& s) { return s.start_depth_x0; });
  const double crossed = 1.0 - static_cast<double>(starts.size()) / 600.0;  // infinite starts were dropped
  const double expected = std::exp(-21.0 / p.interaction_length_x0);
  EXPECT_NEAR(crossed, expected, 4 * std::sqrt(expected * (1 - expected) / 600.0));
  const double late = static_cast<double>(std::count_if(starts.begin(), starts.end(), [](double t) { return t > 10; }));
  EXPECT_GT(late / 600.0, 0.1);
}

TEST(CaloShowers, ReproducibleFromSeedAndIndex) {
  const auto a = nv::calo::simulate_shower(Particle::pion, 20.0, 7, 3);
  const auto b = nv::calo::simulate_shower(Particle::pion, 20.0, 7, 3);
  const auto c = nv::calo::simulate_shower(Particle::pion, 20.0, 7, 4);
  EXPECT_EQ(a.layers, b.layers);
  EXPECT_NE(a.layers, c.layers);
  // A sample draws the three particles with equal probability and energies in range.
  nv::calo::ShowerSampleOptions options;
  int counts[3] = {0, 0, 0};
  for (int i = 0; i < 600; ++i) {
    const auto s = nv::calo::sample_shower(options, 9, static_cast<uint64_t>(i));
    ++counts[static_cast<int>(s.particle)];
    EXPECT_GE(s.incident_energy_gev, 1.0);
    EXPECT_LE(s.incident_energy_gev, 100.0);
  }
  for (int k = 0; k < 3; ++k) EXPECT_NEAR(counts[k], 200, 4 * std::sqrt(600 * (1.0 / 3) * (2.0 / 3)));
  // The same event of a sample does not depend on what else was generated.
  EXPECT_EQ(nv::calo::sample_shower(options, 9, 17).layers, nv::calo::sample_shower(options, 9, 17).layers);
}

TEST(CaloShowers, StackedLayersConserveEnergyPerLayer) {
  const auto s = nv::calo::simulate_shower(Particle::photon, 40.0, 2, 1);
  const std::vector<float> stacked = nv::calo::stacked_layers(s);
  ASSERT_EQ(stacked.size(), 3u * 12 * 12);
  for (int l = 0; l < 3; ++l) {
    const double sum = std::accumulate(stacked.begin() + l * 144, stacked.begin() + (l + 1) * 144, 0.0);
    EXPECT_NEAR(sum, nv::calo::layer_energy_mev(s, l), 1e-3 * std::fabs(nv::calo::layer_energy_mev(s, l)) + 1e-3);
  }
}

TEST(CaloShowers, BadInputIsRefused) {
  EXPECT_THROW(nv::calo::simulate_shower(Particle::positron, 0.0, 1, 0), std::invalid_argument);
  EXPECT_THROW(nv::calo::simulate_shower(Particle::positron, std::nan(""), 1, 0), std::invalid_argument);
  nv::calo::ShowerSampleOptions options;
  options.min_energy_gev = 50;
  options.max_energy_gev = 10;
  EXPECT_THROW(nv::calo::sample_shower(options, 1, 0), std::invalid_argument);
  EXPECT_THROW(nv::calo::particle_from_name("muon"), std::invalid_argument);
  EXPECT_EQ(nv::calo::particle_from_name("gamma"), Particle::photon);
}

// ---------------------------------------------------------------------------
// Jets and whole-detector events.

// The textbook O(N^3) anti-kt: find the smallest of all d_ij and d_iB, merge or emit.
std::vector<nv::calo::Jet> naive_anti_kt(std::vector<nv::calo::FourVector> p, double radius, double min_pt) {
  std::vector<nv::calo::Jet> jets;
  const double pi = 3.14159265358979323846;
  auto y = [](const nv::calo::FourVector& v) { return 0.5 * std::log((v.e + v.pz) / (v.e - v.pz)); };
  while (!p.empty()) {
    double best = std::numeric_limits<double>::infinity();
    size_t bi = 0, bj = 0;
    bool beam = true;
    for (size_t i = 0; i < p.size(); ++i) {
      const double ki = 1.0 / (p[i].pt() * p[i].pt());
      if (ki < best) best = ki, bi = i, beam = true;
      for (size_t j = i + 1; j < p.size(); ++j) {
        const double kj = 1.0 / (p[j].pt() * p[j].pt());
        double dphi = std::fabs(p[i].phi() - p[j].phi());
        if (dphi > pi) dphi = 2 * pi - dphi;
        const double dy = y(p[i]) - y(p[j]);
        const double d = std::min(ki, kj) * (dy * dy + dphi * dphi) / (radius * radius);
        if (d < best) best = d, bi = i, bj = j, beam = false;
      }
    }
    if (beam) {
      if (p[bi].pt() >= min_pt) jets.push_back({p[bi].pt(), p[bi].eta(), p[bi].phi(), p[bi].mass(), 0});
      p.erase(p.begin() + static_cast<long>(bi));
    } else {
      p[bi] += p[bj];
      p.erase(p.begin() + static_cast<long>(bj));
    }
  }
  std::sort(jets.begin(), jets.end(), [](const auto& a, const auto& b) { return a.pt > b.pt; });
  return jets;
}

TEST(CaloJets, AntiKtAgreesWithTheNaiveAlgorithm) {
  nv::calo::Random rng(3, 0, 0);
  for (int trial = 0; trial < 5; ++trial) {
    std::vector<nv::calo::FourVector> particles;
    // A few hard cores with collinear debris, and soft noise.
    for (int c = 0; c < 4; ++c) {
      const double eta = rng.uniform(-2, 2), phi = rng.uniform(-3.1, 3.1), pt = rng.uniform(50, 500);
      for (int k = 0; k < 15; ++k)
        particles.push_back(nv::calo::FourVector::from_pt_eta_phi_m(
            pt * rng.uniform(0.01, 0.3), eta + 0.3 * rng.normal(), phi + 0.3 * rng.normal(), 0.0));
    }
    for (int k = 0; k < 60; ++k)
      particles.push_back(
          nv::calo::FourVector::from_pt_eta_phi_m(rng.uniform(0.3, 3), rng.uniform(-4, 4), rng.uniform(-3.1, 3.1), 0));
    const auto fast = nv::calo::anti_kt(particles, 1.0, 5.0);
    const auto slow = naive_anti_kt(particles, 1.0, 5.0);
    ASSERT_EQ(fast.size(), slow.size()) << "trial " << trial;
    for (size_t j = 0; j < fast.size(); ++j) {
      EXPECT_NEAR(fast[j].pt, slow[j].pt, 1e-6 * slow[j].pt);
      EXPECT_NEAR(fast[j].mass, slow[j].mass, 1e-6 * slow[j].pt);
    }
  }
}

TEST(CaloJets, TwoCollinearParticlesMakeOneMassiveJet) {
  using nv::calo::FourVector;
  // Two 100 GeV massless particles 0.5 apart in eta: m^2 = 2 pt1 pt2 (cosh(deta) - cos(dphi)).
  const std::vector<FourVector> p = {FourVector::from_pt_eta_phi_m(100, 0.0, 0.0, 0),
                                     FourVector::from_pt_eta_phi_m(100, 0.5, 0.0, 0),
                                     FourVector::from_pt_eta_phi_m(50, 0.0, 3.0, 0)};
  const auto jets = nv::calo::anti_kt(p, 1.0, 10.0);
  ASSERT_EQ(jets.size(), 2u);
  EXPECT_NEAR(jets[0].mass, std::sqrt(2 * 100 * 100 * (std::cosh(0.5) - 1.0)), 1e-9);
  EXPECT_EQ(jets[0].constituents, 2);
  EXPECT_EQ(nv::calo::anti_kt(p, 0.4, 10.0).size(), 3u);  // R = 0.4 keeps them apart
}

TEST(CaloJets, CutBasedSelectionFollowsTheBenchmarkDefinition) {
  using nv::calo::Jet;
  // Four central jets, leading 500 GeV, delta eta 1.0, summed mass 850: signal region.
  std::vector<Jet> jets = {{500, 0.2, 0, 250}, {400, 1.2, 2, 200}, {300, -0.5, 1, 200}, {250, 0.0, -2, 200}};
  auto r = nv::calo::cut_based_selection(jets);
  EXPECT_TRUE(r.preselection);
  EXPECT_TRUE(r.signal_region);
  EXPECT_EQ(r.jets, 4);
  EXPECT_DOUBLE_EQ(r.summed_mass, 850);
  // Summed mass 790 < 800 with exactly four jets: out.
  jets[3].mass = 140;
  EXPECT_FALSE(nv::calo::cut_based_selection(jets).signal_region);
  // A fifth jet lowers the mass threshold to 600 (the mass sum stays over the four leading jets).
  jets.push_back({210, 1.0, 0.5, 10});
  EXPECT_TRUE(nv::calo::cut_based_selection(jets).signal_region);
  // |delta eta| of the two leading jets 1.5 > 1.4: out.
  jets[1].eta = 1.7;
  EXPECT_FALSE(nv::calo::cut_based_selection(jets).signal_region);
  jets[1].eta = 1.2;
  // Forward (|eta| > 2) and soft (pt < 200) jets do not count; leading pt must exceed 440.
  std::vector<Jet> few = {
      {430, 0, 0, 300}, {420, 0.5, 2, 300}, {410, 0.1, 1, 300}, {600, 2.3, -2, 300}, {150, 0, 1, 90}};
  r = nv::calo::cut_based_selection(few);
  EXPECT_EQ(r.jets, 3);
  EXPECT_FALSE(r.preselection);
}

TEST(CaloDetector, SignalHasMoreJetsAndMoreSummedJetMassThanBackground) {
  nv::calo::DetectorOptions options;
  std::vector<double> jets[2], mass[2];
  for (int signal = 0; signal < 2; ++signal)
    for (int i = 0; i < 150; ++i) {
      const auto e = nv::calo::simulate_detector_event(signal == 1, options, 5, static_cast<uint64_t>(i));
      jets[signal].push_back(e.selection.jets);
      mass[signal].push_back(e.selection.summed_mass);
    }
  const Moments js = moments(jets[1]), jb = moments(jets[0]), ms = moments(mass[1]), mb = moments(mass[0]);
  // RPV gluino pairs decay to six quarks; QCD is mostly two hard jets.
  EXPECT_GT(js.mean - jb.mean, 1.0);
  EXPECT_GT(js.mean - jb.mean, 5 * std::hypot(js.se, jb.se));
  // Two 1.4 TeV gluinos: far more jet mass than QCD jets (m/pt ~ 0.1-0.2).
  EXPECT_GT(ms.mean, 2 * mb.mean);
}

// Energy conservation at the collider: the jets of an event never carry more
// than the 13 TeV of the two beams, and no jet more than one beam's 6.5 TeV.
TEST(CaloDetector, JetsRespectTheBeamEnergy) {
  nv::calo::DetectorOptions options;
  for (int signal = 0; signal < 2; ++signal)
    for (int i = 0; i < 200; ++i) {
      const auto e = nv::calo::simulate_detector_event(signal == 1, options, 6, static_cast<uint64_t>(i));
      double total = 0;
      for (const auto& j : e.jets) {
        const double energy = std::sqrt(std::pow(j.pt * std::cosh(j.eta), 2) + j.mass * j.mass);
        EXPECT_LT(energy, 6500.0) << "event " << i << (signal ? " (signal)" : " (background)");
        total += energy;
      }
      EXPECT_LT(total, 13000.0) << "event " << i;
    }
}

TEST(CaloDetector, ImagesHoldTheEventsTransverseEnergy) {
  nv::calo::DetectorOptions options;
  options.image_size = 32;
  const auto e = nv::calo::simulate_detector_event(true, options, 8, 2);
  ASSERT_EQ(e.ecal.size(), 32u * 32u);
  double ecal = 0, hcal = 0, tracks = 0;
  for (size_t i = 0; i < e.ecal.size(); ++i) {
    EXPECT_GE(e.ecal[i], 0.0f);
    EXPECT_GE(e.hcal[i], 0.0f);
    ecal += e.ecal[i], hcal += e.hcal[i], tracks += e.tracks[i];
  }
  // Signal events carry about 2 TeV of jets: most of it lands in the images.
  double central_jet_pt = 0;
  for (const auto& j : e.jets)
    if (std::fabs(j.eta) < 1.5) central_jet_pt += j.pt;
  EXPECT_GT(ecal + hcal, 0.7 * central_jet_pt);
  EXPECT_GT(hcal, ecal);  // hadrons dominate jets
  EXPECT_GT(tracks, 20);
  // Reproducible; the sample's label is drawn from the seed.
  const auto again = nv::calo::simulate_detector_event(true, options, 8, 2);
  EXPECT_EQ(e.hcal, again.hcal);
  int signals = 0;
  for (int i = 0; i < 200; ++i) signals += nv::calo::sample_detector_event(options, 4, static_cast<uint64_t>(i)).signal;
  EXPECT_NEAR(signals, 100, 4 * std::sqrt(50.0));
  options.image_size = 2;
  EXPECT_THROW(nv::calo::simulate_detector_event(true, options, 1, 0), std::invalid_argument);
}

}  // namespace
