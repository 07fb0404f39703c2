// Particles: cloud-in-cell deposit, synthetic universes (lattice +
// Lagrangian displacements + CIC per redshift), and lattice reconstruction
// of simulation particles from their IDs.
#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "neuralview/cosmology.h"

namespace nv::cosmology {

namespace {

size_t cube(int64_t n) { return static_cast<size_t>(n) * n * n; }

// Periodic wrap of a coordinate in grid units into [0, n).
double wrap(double u, int64_t n) {
  u -= std::floor(u / n) * n;
  return u >= n ? 0.0 : u;  // rounding of values just below 0
}

}  // namespace

void deposit_cic(const double* positions, const double* masses, size_t count, int64_t n, double box,
                 std::vector<double>& grid) {
  const int64_t dims[3] = {n, n, n};
  const double sides[3] = {box, box, box};
  deposit_cic(positions, masses, count, dims, sides, grid);
}

void deposit_cic(const double* positions, const double* masses, size_t count, const int64_t dims[3],
                 const double box[3], std::vector<double>& grid) {
  double scale[3];
  for (int a = 0; a < 3; ++a) {
    if (dims[a] < 1) throw std::invalid_argument("the grid needs at least one point per side");
    if (!(box[a] > 0.0)) throw std::invalid_argument("the box size must be positive");
    scale[a] = dims[a] / box[a];
  }
  const size_t total = static_cast<size_t>(dims[0]) * dims[1] * dims[2];
  if (grid.size() != total) grid.assign(total, 0.0);
  for (size_t p = 0; p < count; ++p) {
    int64_t lo[3], hi[3];
    double w[3];
    for (int a = 0; a < 3; ++a) {
      const double x = positions[3 * p + a];
      if (!std::isfinite(x))
        throw std::invalid_argument("particle " + std::to_string(p) + " has a non-finite position");
      const double u = wrap(x * scale[a], dims[a]);
      lo[a] = std::min<int64_t>(static_cast<int64_t>(u), dims[a] - 1);
      w[a] = u - lo[a];
      hi[a] = lo[a] + 1 == dims[a] ? 0 : lo[a] + 1;
    }
    const double m = masses ? masses[p] : 1.0;
    for (int c = 0; c < 8; ++c) {
      const int64_t i = c & 1 ? hi[0] : lo[0], j = c & 2 ? hi[1] : lo[1], k = c & 4 ? hi[2] : lo[2];
      const double weight = (c & 1 ? w[0] : 1.0 - w[0]) * (c & 2 ? w[1] : 1.0 - w[1]) * (c & 4 ? w[2] : 1.0 - w[2]);
      grid[(static_cast<size_t>(k) * dims[1] + j) * dims[0] + i] += m * weight;
    }
  }
}

double deposit_cic_bounded(const double* positions, const double* masses, size_t count, const int64_t dims[3],
                           const double origin[3], const double spacing[3], std::vector<double>& grid) {
  for (int a = 0; a < 3; ++a) {
    if (dims[a] < 1) throw std::invalid_argument("the grid needs at least one point per side");
    if (!(spacing[a] > 0.0)) throw std::invalid_argument("the grid spacing must be positive");
  }
  const size_t total = static_cast<size_t>(dims[0]) * dims[1] * dims[2];
  if (grid.size() != total) grid.assign(total, 0.0);
  double lost = 0.0;
  for (size_t p = 0; p < count; ++p) {
    int64_t lo[3];
    double w[3];
    for (int a = 0; a < 3; ++a) {
      const double u = (positions[3 * p + a] - origin[a]) / spacing[a];
      if (!std::isfinite(u))
        throw std::invalid_argument("particle " + std::to_string(p) + " has a non-finite position");
      lo[a] = static_cast<int64_t>(std::floor(u));
      w[a] = u - lo[a];
    }
    const double m = masses ? masses[p] : 1.0;
    for (int c = 0; c < 8; ++c) {
      const int64_t idx[3] = {lo[0] + (c & 1 ? 1 : 0), lo[1] + (c & 2 ? 1 : 0), lo[2] + (c & 4 ? 1 : 0)};
      const double weight = (c & 1 ? w[0] : 1.0 - w[0]) * (c & 2 ? w[1] : 1.0 - w[1]) * (c & 4 ? w[2] : 1.0 - w[2]);
      if (weight == 0.0) continue;
      bool inside = true;
      for (int a = 0; a < 3; ++a) inside = inside && idx[a] >= 0 && idx[a] < dims[a];
      if (!inside) {
        lost += m * weight;
        continue;
      }
      grid[(static_cast<size_t>(idx[2]) * dims[1] + idx[1]) * dims[0] + idx[0]] += m * weight;
    }
  }
  return lost;
}

Universe generate_universe(const Parameters& p, const UniverseOptions& options, uint64_t seed) {
  if (options.lpt_order != 1 && options.lpt_order != 2)
    throw std::invalid_argument("the LPT order must be 1 (Zel'dovich) or 2, not " + std::to_string(options.lpt_order));
  if (options.redshifts.empty()) throw std::invalid_argument("at least one redshift is needed");
  for (double z : options.redshifts)
    if (!(z >= 0.0)) throw std::invalid_argument("redshifts must be >= 0, not " + std::to_string(z));
  const LinearPower power(p, options.transfer);
  const int64_t n = options.grid;
  const double box = options.box;
  Universe u;
  u.parameters = p;
  std::vector<double> delta = gaussian_random_field(
      n, box, [&power](double k) { return power(k); }, seed);
  const Displacements d = lagrangian_displacements(delta, n, box, options.lpt_order == 2);
  if (options.keep_linear_field) u.linear_delta = std::move(delta);

  const double spacing = box / n;
  std::vector<double> positions(3 * cube(n));
  for (double z : options.redshifts) {
    const double d1 = growth_factor(z, p.omega_m);
    const double d2 = options.lpt_order == 2 ? second_order_growth(z, p.omega_m) : 0.0;
    for (int64_t k = 0; k < n; ++k)
      for (int64_t j = 0; j < n; ++j)
        for (int64_t i = 0; i < n; ++i) {
          const size_t q = (static_cast<size_t>(k) * n + j) * n + i;
          const int64_t lattice[3] = {i, j, k};
          for (int a = 0; a < 3; ++a) {
            double x = lattice[a] * spacing + d1 * d.first[a][q];
            if (options.lpt_order == 2) x += d2 * d.second[a][q];
            positions[3 * q + a] = x;
          }
        }
    std::vector<double> grid(cube(n), 0.0);
    deposit_cic(positions.data(), nullptr, cube(n), n, box, grid);
    // One particle per grid point: the deposited count is ρ/ρ̄.
    u.density.push_back(std::move(grid));
  }
  return u;
}

std::vector<double> lattice_displacements(const double* positions, const int64_t* ids, size_t count, int64_t first_id,
                                          int64_t n_side, double box, double offset_cells) {
  if (n_side < 1) throw std::invalid_argument("the lattice needs at least one particle per side");
  if (!(box > 0.0)) throw std::invalid_argument("the box size must be positive");
  const double spacing = box / n_side;
  const int64_t total = n_side * n_side * n_side;
  std::vector<double> out(3 * count);
  for (size_t p = 0; p < count; ++p) {
    const int64_t index = ids[p] - first_id;
    if (index < 0 || index >= total)
      throw std::invalid_argument("particle ID " + std::to_string(ids[p]) + " is not on a lattice of " +
                                  std::to_string(n_side) + "^3 particles starting at ID " + std::to_string(first_id));
    const int64_t lattice[3] = {index / (n_side * n_side), (index / n_side) % n_side, index % n_side};
    for (int a = 0; a < 3; ++a) {
      double d = positions[3 * p + a] - (lattice[a] + offset_cells) * spacing;
      d -= box * std::round(d / box);
      out[3 * p + a] = d;
    }
  }
  return out;
}

double lattice_squared_displacement(const double* positions, const int64_t* ids, size_t count, int64_t first_id,
                                    int64_t n_side, double box, double offset_cells) {
  const std::vector<double> d = lattice_displacements(positions, ids, count, first_id, n_side, box, offset_cells);
  double sum = 0.0;
  for (double v : d) sum += v * v;
  return sum;
}

}  // namespace nv::cosmology
