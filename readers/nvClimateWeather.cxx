#include "nvClimateWeather.h"

#include <algorithm>
#include <cmath>

namespace nvclimate {

const char* const kVariableNames[kVariableCount] = {"TMQ",    "U850",  "V850", "UBOT", "VBOT",  "QREFHT",
                                                    "PS",     "PSL",   "T200", "T500", "PRECT", "TS",
                                                    "TREFHT", "Z1000", "Z200", "ZBOT"};
const char* const kVariableUnits[kVariableCount] = {"kg/m2", "m/s", "m/s", "m/s", "m/s", "kg/kg", "Pa", "Pa",
                                                    "K",     "K",   "m/s", "K",   "K",   "m",     "m",  "m"};
const char* const kVariableLongNames[kVariableCount] = {"total (vertically integrated) precipitable water",
                                                        "zonal wind at 850 mbar pressure surface",
                                                        "meridional wind at 850 mbar pressure surface",
                                                        "lowest model level zonal wind",
                                                        "lowest model level meridional wind",
                                                        "reference height humidity",
                                                        "surface pressure",
                                                        "sea level pressure",
                                                        "temperature at 200 mbar pressure surface",
                                                        "temperature at 500 mbar pressure surface",
                                                        "total (convective and large-scale) precipitation rate",
                                                        "surface temperature (radiative)",
                                                        "reference height temperature",
                                                        "geopotential Z at 1000 mbar pressure surface",
                                                        "geopotential Z at 200 mbar pressure surface",
                                                        "lowest model level height"};
const char* const kExtraNames[kExtraCount] = {"LANDFRAC", "IVT"};

namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double kDeg = kPi / 180.0;
constexpr double kEarthRadius = 6.371e6;  // m
constexpr double kOmega = 7.292e-5;       // 1/s
constexpr double kRdOverG = 29.27;        // m/K: dry-air gas constant over gravity
constexpr double kAirDensity = 1.15;      // kg/m^3 near the surface in the tropics
constexpr double kMmPerDayToMPerS = 1.0 / 8.64e7;

uint64_t mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// A stream of uniform numbers; each kind of feature has its own stream so
// that changing one count range leaves the other features as they were.
struct Stream {
  uint64_t state;
  Stream(uint64_t seed, int step, uint64_t kind)
      : state(mix(mix(seed * 0x2545F4914F6CDD1DULL + static_cast<uint64_t>(step)) ^ mix(kind))) {}
  double uniform() {
    state = mix(state);
    return static_cast<double>(state >> 11) * (1.0 / 9007199254740992.0);
  }
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  int integer(int lo, int hi) {  // inclusive
    return lo + static_cast<int>(std::floor(uniform() * (hi - lo + 1 - 1e-12)));
  }
};

Modes make_modes(Stream& rng, int count, int m_lo, int m_hi, double n_lo, double n_hi, double slope) {
  Modes modes;
  double variance = 0.0;
  for (int k = 0; k < count; ++k) {
    const int m = rng.integer(m_lo, m_hi);
    const double n = rng.uniform(n_lo, n_hi);
    const double a = rng.uniform(0.5, 1.5) * std::pow(m * m + n * n, -0.5 * slope);
    modes.amplitude.push_back(a);
    modes.zonal.push_back(m);
    modes.meridional.push_back(n);
    modes.zonal_phase.push_back(rng.uniform(0.0, 2.0 * kPi));
    modes.meridional_phase.push_back(rng.uniform(0.0, 2.0 * kPi));
    variance += 0.25 * a * a;  // cos * cos with random phases
  }
  for (double& a : modes.amplitude) a /= std::sqrt(variance);
  return modes;
}

// Climatology as a function of latitude (degrees).
double ts_climate(double lat) {
  const double c = std::cos(lat * kDeg);
  return 247.0 + 55.0 * c * c;
}
double tmq_climate(double lat) {
  const double c = std::cos(lat * kDeg);
  return 3.0 + 47.0 * c * c * c * c;
}
double psl_climate(double lat) {
  const double a = std::fabs(lat);
  return 101150.0 + 750.0 * std::exp(-std::pow((a - 32.0) / 10.0, 2)) -
         1300.0 * std::exp(-std::pow((a - 62.0) / 10.0, 2)) - 350.0 * std::exp(-std::pow(lat / 8.0, 2)) +
         300.0 * std::exp(-std::pow((a - 88.0) / 8.0, 2));
}
double u850_climate(double lat) {  // trade easterlies, mid-latitude westerlies, polar easterlies
  const double a = std::fabs(lat);
  return -6.0 * std::exp(-std::pow((a - 13.0) / 9.0, 2)) + 11.0 * std::exp(-std::pow((a - 45.0) / 10.0, 2)) -
         3.0 * std::exp(-std::pow((a - 72.0) / 6.0, 2));
}
double v850_climate(double lat) {  // the Hadley cells' equatorward low-level branch
  const double a = std::fabs(lat);
  return (lat >= 0 ? -1.0 : 1.0) * 2.0 * std::exp(-std::pow((a - 15.0) / 8.0, 2));
}
double rain_climate(double lat) {  // mm/day: ITCZ north of the equator, storm tracks
  return 9.0 * std::exp(-std::pow((lat - 6.0) / 7.0, 2)) +
         3.5 * std::exp(-std::pow((std::fabs(lat) - 45.0) / 12.0, 2)) + 0.3;
}
// Amplitude (Pa) of synoptic pressure variability; vanishes at the poles so
// that the geostrophic winds stay finite there.
double pressure_envelope(double lat) {
  const double s = std::sin(lat * kDeg), c = std::cos(lat * kDeg);
  return (150.0 + 1700.0 * s * s) * (1.0 - std::exp(-(c / 0.15) * (c / 0.15)));
}

double saturation_humidity(double t, double p) {  // kg/kg (Bolton 1980)
  const double es = 611.2 * std::exp(17.67 * (t - 273.15) / (t - 29.65));
  return 0.622 * es / std::max(p - 0.378 * es, 1000.0);
}

double edge(double d, double w) {  // 1 inside, 0 outside, half at d = w
  if (w <= 1e-6) return 0.0;
  const double z = (d - w) / (0.15 * w);
  return z > 40.0 ? 0.0 : 1.0 / (1.0 + std::exp(z));
}

double along_taper(double s, double gain) { return std::min(1.0, gain * std::sin(kPi * std::clamp(s, 0.0, 1.0))); }

// Marches an axis on the sphere from (lon, lat) with a heading (degrees
// counter-clockwise from east, mirrored in the south) that turns linearly.
// With `reach` > 0 the axis goes on (at most half as long again) until it
// gets to that latitude.
Filament march(double lon, double lat, int hemisphere, double heading, double turn, double length, int points,
               double reach = 0.0) {
  Filament f{};
  f.hemisphere = hemisphere;
  const double ds = length / (points - 1);
  if (reach > 0) points += (points - 1) / 2;
  f.lon.push_back(lon);
  f.lat.push_back(lat);
  f.along.push_back(0.0);
  for (int k = 1; k < points; ++k) {
    const double a = (heading + turn * (k - 0.5) / (points - 1)) * kDeg;
    const double c = std::max(std::cos(lat * kDeg), 0.2);
    const double next_lon = lon + ds * std::cos(a) / (kKmPerDegree * c);
    const double next_lat = lat + hemisphere * ds * std::sin(a) / kKmPerDegree;
    if (std::fabs(next_lat) > 70.0) break;
    if (reach > 0 && k * ds > length && std::fabs(lat) >= reach) break;
    // Segment length as closest() measures it (cosine of the mid latitude).
    const double cm = std::cos(0.5 * (lat + next_lat) * kDeg);
    const double dx = (next_lon - lon) * kKmPerDegree * cm, dy = (next_lat - lat) * kKmPerDegree;
    f.along.push_back(f.along.back() + std::sqrt(dx * dx + dy * dy));
    lon = next_lon;
    lat = next_lat;
    f.lon.push_back(lon);
    f.lat.push_back(lat);
  }
  f.length = f.along.back();
  f.lat_min = *std::min_element(f.lat.begin(), f.lat.end());
  f.lat_max = *std::max_element(f.lat.begin(), f.lat.end());
  const double lon_min = *std::min_element(f.lon.begin(), f.lon.end());
  const double lon_max = *std::max_element(f.lon.begin(), f.lon.end());
  f.lon_mid = 0.5 * (lon_min + lon_max);
  f.lon_half_span = 0.5 * (lon_max - lon_min);
  return f;
}

// Whether (lon, lat) is farther than `margin` km from the axis' bounding box.
bool outside_box(const Filament& f, double lon, double lat, double margin) {
  const double dlat = margin / kKmPerDegree;
  if (lat < f.lat_min - dlat || lat > f.lat_max + dlat) return true;
  const double c = std::max(std::cos(std::min(std::fabs(lat) + dlat, 89.0) * kDeg), 1e-3);
  return std::fabs(wrap_lon(lon - f.lon_mid)) > f.lon_half_span + std::min(180.0, margin / (kKmPerDegree * c));
}

// Closest point of an axis to (lon, lat): distance (km), position along the
// axis s in [0, 1], signed side (+ left of the direction of travel), and
// the unit tangent (east, north) there.
struct AxisHit {
  double distance = 1e30, s = 0.0, side = 0.0, tx = 1.0, ty = 0.0;
};
AxisHit closest(const Filament& f, double lon, double lat) {
  AxisHit best;
  const double c = std::cos(lat * kDeg);
  const size_t n = f.lon.size();
  double ax = wrap_lon(f.lon[0] - lon) * kKmPerDegree * c, ay = (f.lat[0] - lat) * kKmPerDegree;
  for (size_t k = 0; k + 1 < n; ++k) {
    const double bx = ax + (f.lon[k + 1] - f.lon[k]) * kKmPerDegree * c, by = (f.lat[k + 1] - lat) * kKmPerDegree;
    const double dx = bx - ax, dy = by - ay, len2 = dx * dx + dy * dy;
    const double t = len2 > 0 ? std::clamp(-(ax * dx + ay * dy) / len2, 0.0, 1.0) : 0.0;
    const double cx = ax + t * dx, cy = ay + t * dy;
    const double d = std::sqrt(cx * cx + cy * cy);
    if (d < best.distance) {
      best.distance = d;
      best.s = f.length > 0 ? (f.along[k] + t * (f.along[k + 1] - f.along[k])) / f.length : 0.0;
      const double len = std::sqrt(len2);
      best.tx = len > 0 ? dx / len : 1.0;
      best.ty = len > 0 ? dy / len : 0.0;
      // The point is at the origin: its side is the sign of cross(d, -c).
      best.side = -dx * cy + dy * cx;
    }
    ax = bx;
    ay = by;
  }
  return best;
}

}  // namespace

double wrap_lon(double dlon) {
  dlon = std::fmod(dlon + 180.0, 360.0);
  if (dlon < 0) dlon += 360.0;
  return dlon - 180.0;
}

Modes make_land_modes(uint64_t seed) {
  Stream rng(seed, -1, 0x1a4dULL);
  return make_modes(rng, 16, 1, 6, 1.0, 6.0, 0.5);
}

State make_state(uint64_t seed, int step, const Counts& counts) {
  State s;
  {
    Stream rng(seed, step, 1);
    s.pressure = make_modes(rng, 24, 1, 7, 2.0, 10.0, 1.0);
    s.temperature = make_modes(rng, 24, 1, 8, 1.0, 8.0, 1.0);
    s.moisture = make_modes(rng, 24, 2, 14, 2.0, 14.0, 0.8);
    s.rain = make_modes(rng, 24, 3, 18, 3.0, 18.0, 0.6);
  }

  // Atmospheric rivers: from 16-26 degrees poleward and eastward, 3000-7000 km
  // and on to 40 degrees at least.
  {
    Stream rng(seed, step, 3);
    const int count = rng.integer(counts.rivers[0], std::max(counts.rivers[0], counts.rivers[1]));
    for (int r = 0, tries = 0; r < count && tries < 200; ++tries) {
      const int hemisphere = rng.uniform() < 0.55 ? 1 : -1;
      const double lat = hemisphere * rng.uniform(16.0, 26.0), lon = rng.uniform(0.0, 360.0);
      const double heading = rng.uniform(30.0, 65.0), turn = rng.uniform(-35.0, 5.0);
      const double length = rng.uniform(3000.0, 7000.0);
      Filament f = march(lon, lat, hemisphere, heading, turn, length, 41, 40.0);
      f.half_width = rng.uniform(200.0, 380.0);
      f.strength = rng.uniform(38.0, 52.0);
      f.wind = rng.uniform(12.0, 25.0);
      bool apart = true;
      for (const Filament& o : s.rivers)
        if (o.hemisphere == hemisphere && std::fabs(wrap_lon(o.lon[0] - lon)) < 40.0) apart = false;
      if (!apart || f.length < 2000.0) continue;
      s.rivers.push_back(std::move(f));
      ++r;
    }
  }

  // Tropical cyclones between 7 and 30 degrees, two in three in the north,
  // at least 1800 km apart and away from the rivers.
  {
    Stream rng(seed, step, 2);
    const int count = rng.integer(counts.cyclones[0], std::max(counts.cyclones[0], counts.cyclones[1]));
    for (int c = 0, tries = 0; c < count && tries < 200; ++tries) {
      Cyclone tc{};
      tc.hemisphere = rng.uniform() < 0.65 ? 1 : -1;
      tc.lat = tc.hemisphere * rng.uniform(7.0, 30.0);
      tc.lon = rng.uniform(0.0, 360.0);
      const double intensity = std::pow(rng.uniform(), 1.5);  // more weak storms than strong ones
      tc.max_wind = 18.0 + 50.0 * intensity;
      tc.radius_max_wind = rng.uniform(20.0, 60.0);
      tc.holland_b = rng.uniform(1.2, 2.0);
      tc.pressure_drop = kAirDensity * std::exp(1.0) * tc.max_wind * tc.max_wind / tc.holland_b;
      tc.warm_core = 2.0 + 8.0 * intensity;
      tc.label_radius = rng.uniform(150.0, 300.0);
      tc.moisture = 18.0 + 22.0 * intensity;
      tc.rain = 60.0 + 240.0 * intensity;
      bool apart = true;
      // Cyclones keep clear of the rivers, so that no river label is cut in two.
      for (const Filament& ar : s.rivers)
        if (closest(ar, tc.lon, tc.lat).distance < 900.0 + tc.label_radius) apart = false;
      for (const Cyclone& o : s.cyclones) {
        const double dx = wrap_lon(o.lon - tc.lon) * kKmPerDegree * std::cos(0.5 * (o.lat + tc.lat) * kDeg);
        const double dy = (o.lat - tc.lat) * kKmPerDegree;
        if (dx * dx + dy * dy < 1800.0 * 1800.0) apart = false;
      }
      if (!apart) continue;
      s.cyclones.push_back(tc);
      ++c;
    }
  }

  // Cold fronts trailing south-westward from mid-latitude lows.
  {
    Stream rng(seed, step, 4);
    const int count = rng.integer(counts.fronts[0], std::max(counts.fronts[0], counts.fronts[1]));
    for (int k = 0, tries = 0; k < count && tries < 200; ++tries) {
      const int hemisphere = rng.uniform() < 0.5 ? 1 : -1;
      const double lat = hemisphere * rng.uniform(45.0, 62.0), lon = rng.uniform(0.0, 360.0);
      const double heading = rng.uniform(-150.0, -110.0), turn = rng.uniform(-20.0, 20.0);
      Filament f = march(lon, lat, hemisphere, heading, turn, rng.uniform(1500.0, 3000.0), 25);
      f.half_width = rng.uniform(60.0, 120.0);
      f.strength = rng.uniform(6.0, 14.0);
      f.wind = rng.uniform(8.0, 15.0);
      f.pressure = rng.uniform(200.0, 600.0);
      bool apart = true;
      for (const Filament& o : s.fronts)
        if (o.hemisphere == hemisphere && std::fabs(wrap_lon(o.lon[0] - lon)) < 35.0) apart = false;
      if (!apart) continue;
      s.fronts.push_back(std::move(f));
      ++k;
    }
  }
  return s;
}

Evaluator::Evaluator(const State& state, const Modes& land, const Grid& grid, const int extent[4])
    : S(state), G(grid), LandModes(land) {
  std::copy(extent, extent + 4, this->Extent);
  this->NumberOfColumns = extent[1] - extent[0] + 1;
  this->NumberOfRows = extent[3] - extent[2] + 1;
  this->Pressure = this->tabulate(state.pressure);
  this->Temperature = this->tabulate(state.temperature);
  this->Moisture = this->tabulate(state.moisture);
  this->Rain = this->tabulate(state.rain);
  this->Land = this->tabulate(land);
  const double dy = grid.dlat() * kKmPerDegree;
  for (const Cyclone& c : state.cyclones) {
    const double dx = grid.dlon() * kKmPerDegree * std::cos(c.lat * kDeg);
    this->CycloneRadius.push_back(std::max(c.label_radius, 1.2 * std::max(dx, dy)));
  }
  const double dx45 = grid.dlon() * kKmPerDegree * std::cos(45.0 * kDeg);
  for (const Filament& r : state.rivers)
    this->RiverHalfWidth.push_back(std::max(r.half_width, 0.8 * std::max(dx45, dy)));
  this->FrontLabelHalfWidth = std::max(100.0, 0.6 * std::max(dx45, dy));
}

Evaluator::Table Evaluator::tabulate(const Modes& modes) const {
  Table t;
  const size_t k_count = modes.amplitude.size();
  const int nc = this->NumberOfColumns, nr = this->NumberOfRows;
  t.col_cos.resize(k_count * nc);
  t.col_sin.resize(k_count * nc);
  t.row_cos.resize(k_count * nr);
  t.row_sin.resize(k_count * nr);
  for (size_t k = 0; k < k_count; ++k) {
    for (int c = 0; c < nc; ++c) {
      const double a = modes.zonal[k] * this->G.lon(this->Extent[0] + c) * kDeg + modes.zonal_phase[k];
      t.col_cos[c * k_count + k] = std::cos(a);
      t.col_sin[c * k_count + k] = std::sin(a);
    }
    for (int r = 0; r < nr; ++r) {
      const double a = modes.meridional[k] * this->G.lat(this->Extent[2] + r) * kDeg + modes.meridional_phase[k];
      t.row_cos[r * k_count + k] = std::cos(a);
      t.row_sin[r * k_count + k] = std::sin(a);
    }
  }
  return t;
}

void Evaluator::sum(const Table& t, const Modes& modes, int i, int j, double& value, double* d_lon,
                    double* d_lat) const {
  const size_t k_count = modes.amplitude.size();
  const double* col_cos = &t.col_cos[(i - this->Extent[0]) * k_count];
  const double* col_sin = &t.col_sin[(i - this->Extent[0]) * k_count];
  const double* row_cos = &t.row_cos[(j - this->Extent[2]) * k_count];
  const double* row_sin = &t.row_sin[(j - this->Extent[2]) * k_count];
  double v = 0, dl = 0, dp = 0;
  for (size_t k = 0; k < k_count; ++k) v += modes.amplitude[k] * col_cos[k] * row_cos[k];
  if (d_lon)
    for (size_t k = 0; k < k_count; ++k) dl -= modes.amplitude[k] * modes.zonal[k] * col_sin[k] * row_cos[k];
  if (d_lat)
    for (size_t k = 0; k < k_count; ++k) dp -= modes.amplitude[k] * modes.meridional[k] * col_cos[k] * row_sin[k];
  value = v;
  if (d_lon) *d_lon = dl;
  if (d_lat) *d_lat = dp;
}

void Evaluator::evaluate(int i, int j, Point& out) const {
  const double lon = this->G.lon(i), lat = this->G.lat(j);
  const double phi = lat * kDeg, cosphi = std::cos(phi);
  const int hemisphere = lat >= 0 ? 1 : -1;

  // Land and topography (fixed for a seed).
  double land_signal;
  this->sum(this->Land, this->LandModes, i, j, land_signal, nullptr, nullptr);
  const double land = 1.0 / (1.0 + std::exp(-(land_signal - 0.5) / 0.08));
  const double height = 2000.0 * std::pow(std::clamp((land_signal - 0.5) / 1.5, 0.0, 1.0), 1.2);

  // Large-scale variability: a pressure field with its geostrophic wind,
  // temperature (warm under ridges), moisture and rain.
  double sp, sp_lon, sp_lat, st, sq, sr;
  this->sum(this->Pressure, this->S.pressure, i, j, sp, &sp_lon, &sp_lat);
  this->sum(this->Temperature, this->S.temperature, i, j, st, nullptr, nullptr);
  this->sum(this->Moisture, this->S.moisture, i, j, sq, nullptr, nullptr);
  this->sum(this->Rain, this->S.rain, i, j, sr, nullptr, nullptr);
  const double amp = pressure_envelope(lat);
  const double h = 1e-3;
  const double amp_lat = (pressure_envelope(lat + h / kDeg) - pressure_envelope(lat - h / kDeg)) / (2 * h);
  const double p_anomaly = amp * sp;
  const double dpdx = amp * sp_lon / (kEarthRadius * std::max(cosphi, 0.05));
  const double dpdy = (amp_lat * sp + amp * sp_lat) / kEarthRadius;
  // Geostrophic wind u = -dp/dy / (rho f), v = dp/dx / (rho f), faded out
  // towards the equator where f vanishes: 1/f becomes sin / (2 Omega (sin^2 + sin^2 12deg)).
  const double sin12 = std::sin(12.0 * kDeg);
  const double inverse_f = std::sin(phi) / (2.0 * kOmega * (std::sin(phi) * std::sin(phi) + sin12 * sin12));
  double ug = -dpdy * inverse_f / 1.2, vg = dpdx * inverse_f / 1.2;
  const double speed_g = std::hypot(ug, vg);
  if (speed_g > 40.0) {
    ug *= 40.0 / speed_g;
    vg *= 40.0 / speed_g;
  }
  double t_anomaly = (1.0 + 4.0 * std::sin(phi) * std::sin(phi)) * st + 0.002 * p_anomaly;

  double u850 = u850_climate(lat) + 0.8 * ug, v850 = v850_climate(lat) + 0.8 * vg;
  double psl = psl_climate(lat) + p_anomaly;
  double rain = rain_climate(lat) * std::exp(0.9 * sr + 0.6 * sq - 0.65);

  // Fronts: a temperature step (warm side ahead), a wind shift from
  // south-westerly to north-westerly (mirrored in the south), a pressure
  // trough and a rain band.
  double t_front = 0.0, t_front_upper = 0.0;
  out.front = 0;
  for (const Filament& fr : this->S.fronts) {
    if (lat * fr.hemisphere < 0) continue;
    if (outside_box(fr, lon, lat, 2000.0)) continue;
    const AxisHit hit = closest(fr, lon, lat);
    if (hit.distance >= 2000.0) continue;
    const double taper = along_taper(hit.s, 3.0);
    if (taper <= 0) continue;
    const double warm = fr.hemisphere * (hit.side >= 0 ? 1.0 : -1.0) * hit.distance;  // > 0 on the warm side
    const double across = std::pow(1.0 - std::pow(warm / 2000.0, 2), 2);              // compact support
    const double step = std::tanh(warm / fr.half_width);
    t_front += 0.5 * fr.strength * step * across * taper;
    t_front_upper += 0.25 * fr.strength * step * across * taper;
    // Warm side: flow along the front towards its poleward end (-tangent);
    // cold side: flow across the front towards the warm side.
    const double nx = -hit.ty * fr.hemisphere, ny = hit.tx * fr.hemisphere;  // unit normal to the warm side
    const double sigma = 0.5 * (1.0 + step);
    const double w = fr.wind * taper * (std::fabs(warm) < 1400.0 ? std::pow(1.0 - std::pow(warm / 1400.0, 2), 2) : 0.0);
    u850 += w * (sigma * -hit.tx + (1.0 - sigma) * nx);
    v850 += w * (sigma * -hit.ty + (1.0 - sigma) * ny);
    psl -= fr.pressure * taper * std::exp(-std::pow(warm / 300.0, 2));
    rain += 20.0 * taper * std::exp(-std::pow((warm + 0.5 * fr.half_width) / (fr.half_width + 60.0), 2));
    if (hit.distance < this->FrontLabelHalfWidth && taper >= 0.5) out.front = 1;
  }
  t_anomaly += t_front;

  double ts = ts_climate(lat) + t_anomaly * (1.0 + 0.5 * land) - 0.0065 * height;
  double t500 = 267.0 - 30.0 * std::sin(phi) * std::sin(phi) + 0.8 * (t_anomaly - t_front) + t_front_upper;
  double t200 = 218.0 + 3.0 * std::sin(phi) * std::sin(phi) - 0.3 * (t_anomaly - t_front);
  double tmq = tmq_climate(lat) * std::exp(0.065 * t_anomaly + 0.2 * sq) * (1.0 - 0.25 * land);

  // Surface winds: weaker, turned towards low pressure by friction.
  const double turn = hemisphere * 20.0 * kDeg;
  double ubot = 0.7 * (u850 * std::cos(turn) - v850 * std::sin(turn));
  double vbot = 0.7 * (u850 * std::sin(turn) + v850 * std::cos(turn));

  // Atmospheric rivers: a moist filament with a low-level jet along it.
  out.label = BACKGROUND;
  for (size_t r = 0; r < this->S.rivers.size(); ++r) {
    const Filament& ar = this->S.rivers[r];
    if (lat * ar.hemisphere < 0) continue;
    if (outside_box(ar, lon, lat, 3.0 * this->RiverHalfWidth[r])) continue;
    const AxisHit hit = closest(ar, lon, lat);
    const double width = this->RiverHalfWidth[r] * along_taper(hit.s, 2.5);
    if (hit.distance > 3.0 * width) continue;
    const double e = edge(hit.distance, width);
    tmq += std::max(6.0, ar.strength - tmq_climate(lat)) * e;
    u850 += ar.wind * e * hit.tx;
    v850 += ar.wind * e * hit.ty;
    ubot += 0.6 * ar.wind * e * hit.tx;
    vbot += 0.6 * ar.wind * e * hit.ty;
    rain += (4.0 + 12.0 * hit.s) * e;
    if (hit.distance < width) out.label = RIVER;
  }

  // Tropical cyclones: Holland vortex (counter-clockwise in the north),
  // sea-level pressure drop, warm core aloft, moist and rainy core.
  for (size_t c = 0; c < this->S.cyclones.size(); ++c) {
    const Cyclone& tc = this->S.cyclones[c];
    const double cm = std::cos(0.5 * (lat + tc.lat) * kDeg);
    const double dx = wrap_lon(lon - tc.lon) * kKmPerDegree * cm, dy = (lat - tc.lat) * kKmPerDegree;
    const double r = std::sqrt(dx * dx + dy * dy);
    if (r > 2000.0) continue;
    const double taper = r < 1000.0 ? 1.0 : std::pow(std::cos(0.5 * kPi * (r - 1000.0) / 1000.0), 2);
    const double x = std::pow(tc.radius_max_wind / std::max(r, 1e-3), tc.holland_b);
    const double decay = std::exp(-x);
    psl -= tc.pressure_drop * (1.0 - decay) * taper;
    double v = 0.0;
    if (r > 1e-3) {
      const double rf2 = 0.5 * r * 1000.0 * 2.0 * kOmega * std::sin(std::fabs(tc.lat) * kDeg);
      v = (std::sqrt(tc.holland_b * tc.pressure_drop / kAirDensity * x * decay + rf2 * rf2) - rf2) * taper;
    }
    const double cx = r > 1e-3 ? dx / r : 0.0, cy = r > 1e-3 ? dy / r : 0.0;  // outward unit vector
    const double tx = -cy * tc.hemisphere, ty = cx * tc.hemisphere;           // rotation direction
    u850 += v * tx;
    v850 += v * ty;
    const double inflow = 20.0 * kDeg;
    ubot += 0.8 * v * (std::cos(inflow) * tx - std::sin(inflow) * cx);
    vbot += 0.8 * v * (std::cos(inflow) * ty - std::sin(inflow) * cy);
    const double radius = this->CycloneRadius[c];
    const double warm = tc.warm_core * std::exp(-std::pow(r / (0.6 * radius), 2));
    t500 += warm;
    t200 += 0.7 * warm;
    tmq += tc.moisture * edge(r, radius);
    rain += tc.rain * std::exp(-std::pow(r / (0.6 * radius), 2));
    if (r < radius) out.label = CYCLONE;
  }

  const double trefht = ts - 1.0 - 0.5 * land;
  const double ps = psl * std::exp(-height / (kRdOverG * (ts + 0.00325 * height)));
  const double q = std::min(3.5e-4 * tmq, 0.95 * saturation_humidity(trefht, ps));
  const double z1000 = kRdOverG * trefht * std::log(psl / 1e5);
  const double t_mean = 0.25 * ts + 0.45 * t500 + 0.30 * t200;

  out.var[TMQ] = tmq;
  out.var[U850] = u850;
  out.var[V850] = v850;
  out.var[UBOT] = ubot;
  out.var[VBOT] = vbot;
  out.var[QREFHT] = q;
  out.var[PS] = ps;
  out.var[PSL] = psl;
  out.var[T200] = t200;
  out.var[T500] = t500;
  out.var[PRECT] = rain * kMmPerDayToMPerS;
  out.var[TS] = ts;
  out.var[TREFHT] = trefht;
  out.var[Z1000] = z1000;
  out.var[Z200] = z1000 + kRdOverG * t_mean * std::log(5.0);
  out.var[ZBOT] = kRdOverG * trefht * std::log(1.0 / 0.9925);
  out.extra[LANDFRAC] = land;
  out.extra[IVT] = tmq * std::hypot(u850, v850);
}

}  // namespace nvclimate
