// The weather model behind SyntheticClimate: a seeded state of the
// atmosphere (large-scale variability, tropical cyclones, atmospheric rivers,
// fronts) and its evaluation at points of a regular lat-lon grid.
//
// The state depends only on (seed, step), never on the grid: the same storms
// appear at every resolution. Values at a grid point depend only on the
// state, the grid and the point's global indices, so any decomposition of
// the grid into pieces gives the same numbers bit for bit.
#ifndef nvClimateWeather_h
#define nvClimateWeather_h

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace nvclimate {

// The 16 CAM5 variables in DeepCAM's channel order.
constexpr int kVariableCount = 16;
enum Variable { TMQ = 0, U850, V850, UBOT, VBOT, QREFHT, PS, PSL, T200, T500, PRECT, TS, TREFHT, Z1000, Z200, ZBOT };
extern const char* const kVariableNames[kVariableCount];
extern const char* const kVariableUnits[kVariableCount];
extern const char* const kVariableLongNames[kVariableCount];

// Point-array outputs beyond the 16 variables.
enum Extra { LANDFRAC = 0, IVT, kExtraCount };
extern const char* const kExtraNames[kExtraCount];

// Label classes of LABELS (DeepCAM / ClimateNet convention).
enum Label { BACKGROUND = 0, CYCLONE = 1, RIVER = 2 };

// A regular lat-lon grid: longitudes 0 <= lon < 360 (periodic), latitudes
// from -90 to 90 inclusive (the CAM5 finite-volume grid layout).
struct Grid {
  int nlon = 1152;
  int nlat = 768;
  double lon(int i) const { return 360.0 * i / nlon; }
  double lat(int j) const { return nlat > 1 ? -90.0 + 180.0 * j / (nlat - 1) : 0.0; }
  double dlon() const { return 360.0 / nlon; }
  double dlat() const { return nlat > 1 ? 180.0 / (nlat - 1) : 180.0; }
};

// Seeded smooth spectral modes: S = sum_k a_k cos(m_k lon + p_k) cos(n_k lat + q_k)
// (lon, lat in radians), normalised to unit variance.
struct Modes {
  std::vector<double> amplitude, zonal, meridional, zonal_phase, meridional_phase;
};

// Tropical cyclone: Holland (1980) gradient-wind vortex.
struct Cyclone {
  double lon, lat;         // centre, degrees
  int hemisphere;          // +1 north (counter-clockwise), -1 south (clockwise)
  double max_wind;         // m/s, 17..70
  double radius_max_wind;  // km
  double holland_b;        // shape parameter B
  double pressure_drop;    // Pa, from Vmax^2 = B dp / (rho e)
  double warm_core;        // K at 500 hPa
  double label_radius;     // km (physical; the grid may enlarge it, see Evaluator)
  double moisture;         // kg/m^2 added in the core
  double rain;             // mm/day in the core
};

// A curved filament (atmospheric river or front) given by its axis.
struct Filament {
  std::vector<double> lon, lat;                     // axis points, degrees (lon unwrapped, may leave [0,360))
  std::vector<double> along;                        // km from the first point to each point
  double length;                                    // km along the axis
  double lat_min, lat_max, lon_mid, lon_half_span;  // bounding box, degrees
  double half_width;                                // km: AR label half width; front transition half width
  double strength;                                  // AR: core TMQ target (kg/m^2); front: temperature jump (K)
  double wind;                                      // AR: low-level jet (m/s); front: wind shift (m/s)
  double pressure;                                  // front: trough depth (Pa)
  int hemisphere;
};

struct State {
  Modes pressure, temperature, moisture, rain;
  std::vector<Cyclone> cyclones;
  std::vector<Filament> rivers, fronts;
};

// Count ranges per time step (inclusive).
struct Counts {
  int cyclones[2] = {1, 6};
  int rivers[2] = {2, 5};
  int fronts[2] = {2, 6};
};

State make_state(uint64_t seed, int step, const Counts& counts);
Modes make_land_modes(uint64_t seed);  // the same for every time step of a seed

// Evaluates a state on a grid. Construct once per (state, grid, extent).
class Evaluator {
 public:
  Evaluator(const State& state, const Modes& land, const Grid& grid, const int extent[4]);

  // Effective label sizes on this grid: the physical size, enlarged where a
  // grid cell is bigger so that every feature keeps a few labelled points.
  double cyclone_label_radius(std::size_t c) const { return this->CycloneRadius[c]; }
  double river_half_width(std::size_t r) const { return this->RiverHalfWidth[r]; }
  double front_label_half_width() const { return this->FrontLabelHalfWidth; }

  struct Point {
    std::array<double, kVariableCount> var;
    std::array<double, kExtraCount> extra;
    int label;  // Label
    int front;  // 0 or 1
  };
  // Point (i, j) in global grid indices; i, j must lie in the extent.
  void evaluate(int i, int j, Point& out) const;

 private:
  struct Table {                                             // per-extent columns/rows of one set of modes
    std::vector<double> col_cos, col_sin, row_cos, row_sin;  // [index * modes + mode]
  };
  Table tabulate(const Modes& modes) const;
  void sum(const Table& t, const Modes& modes, int i, int j, double& value, double* d_lon, double* d_lat) const;

  const State& S;
  Grid G;
  int Extent[4];
  int NumberOfColumns, NumberOfRows;
  Table Pressure, Temperature, Moisture, Rain, Land;
  const Modes& LandModes;
  std::vector<double> CycloneRadius, RiverHalfWidth;
  double FrontLabelHalfWidth;
};

// Great-circle-free distance helpers (local tangent plane, km).
constexpr double kKmPerDegree = 111.195;
double wrap_lon(double dlon);  // into [-180, 180)

}  // namespace nvclimate

#endif
