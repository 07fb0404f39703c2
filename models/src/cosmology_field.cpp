// Gaussian random fields and Lagrangian displacements on periodic grids,
// with FFTW (double precision).
#include <fftw3.h>

#include <algorithm>
#include <cmath>
#include <complex>
#include <mutex>
#include <stdexcept>
#include <string>
#include <utility>

#include "cosmology_random.h"
#include "neuralview/cosmology.h"

namespace nv::cosmology {

namespace {

constexpr double kPi = 3.14159265358979323846;
using Spectrum = std::vector<std::complex<double>>;

// FFTW's planner is not thread-safe; execution is.
std::mutex& planner_mutex() {
  static std::mutex m;
  return m;
}

void require_grid(int64_t n, double box) {
  if (n < 2 || n % 2)
    throw std::invalid_argument("the grid needs an even number of points per side, not " + std::to_string(n));
  if (n > 2048) throw std::invalid_argument("grids larger than 2048^3 are not supported, not " + std::to_string(n));
  if (!(box > 0.0)) throw std::invalid_argument("the box size must be positive, not " + std::to_string(box));
}

size_t cube(int64_t n) { return static_cast<size_t>(n) * n * n; }
size_t half_cube(int64_t n) { return static_cast<size_t>(n) * n * (n / 2 + 1); }

// Unnormalised forward transform of a real n^3 field (x fastest): n * n * (n/2 + 1) values.
Spectrum forward(const std::vector<double>& field, int64_t n) {
  std::vector<double> in(field);
  Spectrum out(half_cube(n));
  fftw_plan plan;
  {
    std::lock_guard<std::mutex> lock(planner_mutex());
    plan = fftw_plan_dft_r2c_3d(static_cast<int>(n), static_cast<int>(n), static_cast<int>(n), in.data(),
                                reinterpret_cast<fftw_complex*>(out.data()), FFTW_ESTIMATE);
  }
  if (!plan) throw std::runtime_error("FFTW could not plan a forward transform");
  fftw_execute(plan);
  {
    std::lock_guard<std::mutex> lock(planner_mutex());
    fftw_destroy_plan(plan);
  }
  return out;
}

// Inverse transform divided by n^3 (so inverse(forward(f)) == f).
std::vector<double> inverse(Spectrum spectrum, int64_t n) {
  std::vector<double> out(cube(n));
  fftw_plan plan;
  {
    std::lock_guard<std::mutex> lock(planner_mutex());
    plan = fftw_plan_dft_c2r_3d(static_cast<int>(n), static_cast<int>(n), static_cast<int>(n),
                                reinterpret_cast<fftw_complex*>(spectrum.data()), out.data(), FFTW_ESTIMATE);
  }
  if (!plan) throw std::runtime_error("FFTW could not plan an inverse transform");
  fftw_execute(plan);
  {
    std::lock_guard<std::mutex> lock(planner_mutex());
    fftw_destroy_plan(plan);
  }
  const double scale = 1.0 / static_cast<double>(cube(n));
  for (double& v : out) v *= scale;
  return out;
}

// Visits every mode of the half spectrum with its wave vector (h/Mpc) and
// which axes sit at the Nyquist frequency.
template <typename F>
void for_each_mode(int64_t n, double box, F f) {
  const double kf = 2.0 * kPi / box;
  const int64_t nh = n / 2 + 1;
  for (int64_t c = 0; c < n; ++c) {
    const int64_t mz = c <= n / 2 ? c : c - n;
    for (int64_t b = 0; b < n; ++b) {
      const int64_t my = b <= n / 2 ? b : b - n;
      for (int64_t a = 0; a < nh; ++a) {
        const size_t index = (static_cast<size_t>(c) * n + b) * nh + a;
        const double k[3] = {kf * a, kf * my, kf * mz};
        const bool nyquist[3] = {a == n / 2, b == n / 2, c == n / 2};
        f(index, k, nyquist, a);
      }
    }
  }
}

// The spectrum of a derivative-like operator: out_k = factor(k) * in_k,
// zeroed at k = 0 and where an odd derivative meets the Nyquist plane.
template <typename F>
Spectrum apply(const Spectrum& in, int64_t n, double box, F factor) {
  Spectrum out(in.size());
  for_each_mode(n, box, [&](size_t index, const double* k, const bool* nyquist, int64_t) {
    const double k2 = k[0] * k[0] + k[1] * k[1] + k[2] * k[2];
    out[index] = k2 > 0.0 ? factor(k, k2, nyquist) * in[index] : std::complex<double>(0.0);
  });
  return out;
}

}  // namespace

std::vector<double> gaussian_random_field(int64_t n, double box, const std::function<double(double)>& power,
                                          uint64_t seed) {
  require_grid(n, box);
  // White noise of unit variance in real space: its transform has Hermitian
  // symmetry by construction and <|w_k|^2> = n^3.
  std::vector<double> noise(cube(n));
  const uint64_t base = detail::mix(seed ^ 0x6772665f6e6f6973ULL);
  const int64_t total = static_cast<int64_t>(noise.size());
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < total; ++i) noise[i] = detail::standard_normal(base + static_cast<uint64_t>(i));
  Spectrum spectrum = forward(noise, n);
  // <|δ_k|^2> = n^3 P(k) / V_cell for the discrete transform of a field
  // whose continuous spectrum is P(k).
  const double cell_volume = std::pow(box / n, 3);
  for_each_mode(n, box, [&](size_t index, const double* k, const bool*, int64_t) {
    const double kk = std::sqrt(k[0] * k[0] + k[1] * k[1] + k[2] * k[2]);
    spectrum[index] *= kk > 0.0 ? std::sqrt(std::max(power(kk), 0.0) / cell_volume) : 0.0;
  });
  return inverse(std::move(spectrum), n);
}

Displacements lagrangian_displacements(const std::vector<double>& delta, int64_t n, double box, bool second_order) {
  require_grid(n, box);
  if (delta.size() != cube(n))
    throw std::invalid_argument("the density field has " + std::to_string(delta.size()) + " values, not " +
                                std::to_string(cube(n)));
  const Spectrum delta_k = forward(delta, n);
  const std::complex<double> I(0.0, 1.0);
  Displacements d;
  // ψ1 = i k δ_k / k^2, so that δ = -∇·ψ1.
  for (int axis = 0; axis < 3; ++axis)
    d.first[axis] = inverse(apply(delta_k, n, box,
                                  [&](const double* k, double k2, const bool* nyquist) {
                                    return nyquist[axis] ? std::complex<double>(0.0) : I * k[axis] / k2;
                                  }),
                            n);
  if (!second_order) return d;

  // 2LPT (Scoccimarro 1998; Crocce, Pueblas & Scoccimarro 2006): with
  // ∇²φ1 = δ, ∇²φ2 = Σ_{a<b} (φ1,aa φ1,bb - φ1,ab²) and x = q - D1 ∇φ1 + D2 ∇φ2.
  // φ1,ab has the spectrum k_a k_b δ_k / k^2.
  const auto hessian = [&](int a, int b) {
    return inverse(apply(delta_k, n, box,
                         [&](const double* k, double k2, const bool* nyquist) {
                           const bool odd = a != b && (nyquist[a] || nyquist[b]);
                           return std::complex<double>(odd ? 0.0 : k[a] * k[b] / k2);
                         }),
                   n);
  };
  std::vector<double> source(cube(n), 0.0);
  {
    const std::vector<double> xx = hessian(0, 0), yy = hessian(1, 1), zz = hessian(2, 2);
    for (size_t i = 0; i < source.size(); ++i) source[i] = xx[i] * yy[i] + xx[i] * zz[i] + yy[i] * zz[i];
  }
  for (const auto& [a, b] : {std::pair<int, int>{0, 1}, {0, 2}, {1, 2}}) {
    const std::vector<double> ab = hessian(a, b);
    for (size_t i = 0; i < source.size(); ++i) source[i] -= ab[i] * ab[i];
  }
  const Spectrum source_k = forward(source, n);
  // ∇φ2 = -i k S_k / k^2.
  for (int axis = 0; axis < 3; ++axis)
    d.second[axis] = inverse(apply(source_k, n, box,
                                   [&](const double* k, double k2, const bool* nyquist) {
                                     return nyquist[axis] ? std::complex<double>(0.0) : -I * k[axis] / k2;
                                   }),
                             n);
  return d;
}

std::vector<PowerBin> measure_power_spectrum(const std::vector<double>& field, int64_t n, double box, int bins,
                                             const std::function<double(double)>& model) {
  require_grid(n, box);
  if (field.size() != cube(n))
    throw std::invalid_argument("the field has " + std::to_string(field.size()) + " values, not " +
                                std::to_string(cube(n)));
  if (bins < 1) throw std::invalid_argument("at least one bin is needed");
  const Spectrum f = forward(field, n);
  const double kf = 2.0 * kPi / box, kn = kPi * n / box;
  const double width = (kn - kf) / bins;
  const double norm = std::pow(box, 3) / std::pow(static_cast<double>(n), 6);
  std::vector<PowerBin> out(bins);
  std::vector<double> weight(bins, 0.0);
  for_each_mode(n, box, [&](size_t index, const double* k, const bool*, int64_t a) {
    const double kk = std::sqrt(k[0] * k[0] + k[1] * k[1] + k[2] * k[2]);
    if (kk < kf * (1.0 - 1e-9) || kk > kn * (1.0 + 1e-9)) return;
    const int bin = std::min(bins - 1, static_cast<int>((kk - kf) / width));
    // The half spectrum holds each pair (k, -k) once, except on the planes a = 0 and a = n/2.
    const double w = (a == 0 || a == n / 2) ? 1.0 : 2.0;
    out[bin].k += w * kk;
    out[bin].power += w * std::norm(f[index]) * norm;
    if (model) out[bin].model += w * model(kk);
    weight[bin] += w;
  });
  for (int b = 0; b < bins; ++b) {
    out[b].modes = static_cast<int64_t>(weight[b]);
    if (weight[b] > 0) {
      out[b].k /= weight[b];
      out[b].power /= weight[b];
      out[b].model /= weight[b];
    }
  }
  return out;
}

double grid_sigma(const std::function<double(double)>& power, int64_t n, double box, double radius) {
  require_grid(n, box);
  double sum = 0.0;
  for_each_mode(n, box, [&](size_t, const double* k, const bool*, int64_t a) {
    const double kk = std::sqrt(k[0] * k[0] + k[1] * k[1] + k[2] * k[2]);
    if (kk <= 0.0) return;
    const double w = tophat_window(kk * radius);
    sum += ((a == 0 || a == n / 2) ? 1.0 : 2.0) * power(kk) * w * w;
  });
  return std::sqrt(sum / std::pow(box, 3));
}

double measure_sphere_sigma(const std::vector<double>& field, int64_t n, double box, double radius, int count,
                            uint64_t seed) {
  require_grid(n, box);
  if (field.size() != cube(n)) throw std::invalid_argument("the field does not have n^3 values");
  if (count < 2) throw std::invalid_argument("at least two spheres are needed");
  const double spacing = box / n;
  if (radius < spacing) throw std::invalid_argument("the sphere radius must span at least one grid spacing");
  double mean = 0.0;
  for (double v : field) mean += v;
  mean /= static_cast<double>(field.size());
  // Centres anywhere in the box (not on grid points): on average a sphere
  // then holds exactly its volume in grid points, so the discrete sphere has
  // no systematic bias in size.
  const uint64_t base = detail::mix(seed ^ 0x737068657265ULL);
  const int64_t reach = static_cast<int64_t>(std::ceil(radius / spacing)) + 1;
  double sum2 = 0.0;
  for (int s = 0; s < count; ++s) {
    double centre[3];
    for (int a = 0; a < 3; ++a) centre[a] = detail::unit_uniform(base + 3 * static_cast<uint64_t>(s) + a) * n;
    const int64_t c0[3] = {static_cast<int64_t>(centre[0]), static_cast<int64_t>(centre[1]),
                           static_cast<int64_t>(centre[2])};
    double sum = 0.0;
    int64_t points = 0;
    for (int64_t dz = -reach; dz <= reach; ++dz)
      for (int64_t dy = -reach; dy <= reach; ++dy)
        for (int64_t dx = -reach; dx <= reach; ++dx) {
          const double rx = (c0[0] + dx - centre[0]), ry = (c0[1] + dy - centre[1]), rz = (c0[2] + dz - centre[2]);
          if ((rx * rx + ry * ry + rz * rz) * spacing * spacing > radius * radius) continue;
          const int64_t i = ((c0[0] + dx) % n + n) % n, j = ((c0[1] + dy) % n + n) % n, k = ((c0[2] + dz) % n + n) % n;
          sum += field[(static_cast<size_t>(k) * n + j) * n + i];
          ++points;
        }
    const double average = sum / static_cast<double>(points) - mean;
    sum2 += average * average;
  }
  return std::sqrt(sum2 / count);
}

}  // namespace nv::cosmology
