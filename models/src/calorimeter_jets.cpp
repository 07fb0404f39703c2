// Four-vectors, anti-kt jet clustering and the cut-based RPV-SUSY selection.
#include <algorithm>
#include <cmath>
#include <limits>

#include "neuralview/calorimeter.h"

namespace nv::calo {

namespace {

constexpr double kPi = 3.14159265358979323846;

struct PseudoJet {
  FourVector p;
  double rapidity = 0, phi = 0, inverse_pt2 = 0;
  int constituents = 1;
  bool alive = true;
  int neighbour = -1;
  double neighbour_distance = std::numeric_limits<double>::infinity();  // delta R^2 to the neighbour
};

double rapidity_of(const FourVector& p) {
  const double pt2 = p.px * p.px + p.py * p.py;
  const double plus = p.e + p.pz, minus = p.e - p.pz;
  if (plus <= 0 || minus <= 0) {
    // Numerically on the beam: a large rapidity of the right sign.
    return p.pz >= 0 ? 1e5 - pt2 : -1e5 + pt2;
  }
  return 0.5 * std::log(plus / minus);
}

void refresh(PseudoJet& j) {
  j.rapidity = rapidity_of(j.p);
  j.phi = j.p.phi();
  const double pt2 = j.p.px * j.p.px + j.p.py * j.p.py;
  j.inverse_pt2 = pt2 > 0 ? 1.0 / pt2 : std::numeric_limits<double>::max();
}

double delta_r2(const PseudoJet& a, const PseudoJet& b) {
  const double dy = a.rapidity - b.rapidity;
  double dphi = std::fabs(a.phi - b.phi);
  if (dphi > kPi) dphi = 2 * kPi - dphi;
  return dy * dy + dphi * dphi;
}

}  // namespace

FourVector FourVector::from_pt_eta_phi_m(double pt, double eta, double phi, double mass) {
  FourVector v;
  v.px = pt * std::cos(phi);
  v.py = pt * std::sin(phi);
  v.pz = pt * std::sinh(eta);
  v.e = std::sqrt(v.px * v.px + v.py * v.py + v.pz * v.pz + mass * mass);
  return v;
}

double FourVector::pt() const { return std::hypot(px, py); }

double FourVector::eta() const {
  const double t = pt();
  if (t == 0) return pz >= 0 ? std::numeric_limits<double>::infinity() : -std::numeric_limits<double>::infinity();
  return std::asinh(pz / t);
}

double FourVector::phi() const { return (px == 0 && py == 0) ? 0.0 : std::atan2(py, px); }

double FourVector::mass() const {
  const double m2 = e * e - px * px - py * py - pz * pz;
  return m2 > 0 ? std::sqrt(m2) : 0.0;
}

FourVector& FourVector::operator+=(const FourVector& o) {
  px += o.px;
  py += o.py;
  pz += o.pz;
  e += o.e;
  return *this;
}

FourVector operator+(FourVector a, const FourVector& b) { return a += b; }

std::vector<Jet> anti_kt(const std::vector<FourVector>& particles, double radius, double min_pt) {
  const double r2 = radius * radius;
  std::vector<PseudoJet> jets;
  jets.reserve(particles.size());
  for (const FourVector& p : particles) {
    if (p.e <= 0 || (p.px == 0 && p.py == 0)) continue;
    PseudoJet j;
    j.p = p;
    refresh(j);
    jets.push_back(j);
  }
  const int n = static_cast<int>(jets.size());
  auto find_neighbour = [&](int i) {
    jets[i].neighbour = -1;
    jets[i].neighbour_distance = std::numeric_limits<double>::infinity();
    for (int k = 0; k < n; ++k) {
      if (k == i || !jets[k].alive) continue;
      const double d = delta_r2(jets[i], jets[k]);
      if (d < jets[i].neighbour_distance) {
        jets[i].neighbour_distance = d;
        jets[i].neighbour = k;
      }
    }
  };
  for (int i = 0; i < n; ++i) find_neighbour(i);

  // Anti-kt distances: d_ij = min(1/pt_i^2, 1/pt_j^2) dR^2/R^2, d_iB = 1/pt_i^2.
  // With NN_i the geometric nearest neighbour, the smallest d over all pairs
  // and beams is min_i 1/pt_i^2 * min(dR^2_{i,NN_i}/R^2, 1) (FastJet's N2 scheme).
  std::vector<Jet> out;
  int alive = n;
  while (alive > 0) {
    int best = -1;
    double best_d = std::numeric_limits<double>::infinity();
    for (int i = 0; i < n; ++i) {
      if (!jets[i].alive) continue;
      const double d = jets[i].inverse_pt2 * std::min(jets[i].neighbour_distance / r2, 1.0);
      if (d < best_d) {
        best_d = d;
        best = i;
      }
    }
    PseudoJet& a = jets[best];
    if (a.neighbour >= 0 && a.neighbour_distance < r2) {
      const int other = a.neighbour;
      a.p += jets[other].p;
      a.constituents += jets[other].constituents;
      refresh(a);
      jets[other].alive = false;
      --alive;
      find_neighbour(best);
      for (int k = 0; k < n; ++k) {
        if (!jets[k].alive || k == best) continue;
        if (jets[k].neighbour == best || jets[k].neighbour == other) {
          find_neighbour(k);
        } else {
          const double d = delta_r2(jets[k], a);
          if (d < jets[k].neighbour_distance) {
            jets[k].neighbour_distance = d;
            jets[k].neighbour = best;
          }
        }
      }
    } else {
      a.alive = false;
      --alive;
      const double pt = a.p.pt();
      if (pt >= min_pt) out.push_back({pt, a.p.eta(), a.p.phi(), a.p.mass(), a.constituents});
      for (int k = 0; k < n; ++k)
        if (jets[k].alive && jets[k].neighbour == best) find_neighbour(k);
    }
  }
  std::sort(out.begin(), out.end(), [](const Jet& x, const Jet& y) { return x.pt > y.pt; });
  return out;
}

CutBasedResult cut_based_selection(const std::vector<Jet>& jets) {
  std::vector<Jet> selected;
  for (const Jet& j : jets)
    if (j.pt > 200.0 && std::fabs(j.eta) < 2.0) selected.push_back(j);
  std::sort(selected.begin(), selected.end(), [](const Jet& x, const Jet& y) { return x.pt > y.pt; });
  CutBasedResult r;
  r.jets = static_cast<int>(selected.size());
  if (!selected.empty()) r.leading_pt = selected[0].pt;
  if (selected.size() >= 2) r.delta_eta = std::fabs(selected[0].eta - selected[1].eta);
  for (size_t k = 0; k < std::min<size_t>(selected.size(), 4); ++k) r.summed_mass += selected[k].mass;
  r.preselection = r.jets >= 3 && r.leading_pt > 440.0;
  r.signal_region = r.preselection && r.jets >= 4 && r.delta_eta < 1.4 && r.summed_mass > (r.jets == 4 ? 800.0 : 600.0);
  return r;
}

}  // namespace nv::calo
