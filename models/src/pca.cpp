// PCA through the covariance matrix and a cyclic Jacobi eigen-solver: the
// covariance is accumulated in parallel, Jacobi rotations give eigenvectors
// orthonormal to rounding and eigenvalues with small relative errors.
#include "neuralview/pca.h"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <string>

#include "dbscan_kdtree.h"

namespace nv {

void symmetric_eigen(const std::vector<double>& matrix, size_t n, std::vector<double>& values,
                     std::vector<double>& vectors) {
  if (n == 0 || matrix.size() != n * n)
    throw std::invalid_argument("symmetric_eigen: expected a " + std::to_string(n) + " x " + std::to_string(n) +
                                " matrix, got " + std::to_string(matrix.size()) + " values");
  double scale = 0.0;
  for (double v : matrix) {
    if (!std::isfinite(v)) throw std::invalid_argument("symmetric_eigen: the matrix has NaN or infinite entries");
    scale = std::max(scale, std::abs(v));
  }
  for (size_t i = 0; i < n; ++i)
    for (size_t j = i + 1; j < n; ++j)
      if (std::abs(matrix[i * n + j] - matrix[j * n + i]) > 1e-10 * std::max(scale, 1e-300))
        throw std::invalid_argument("symmetric_eigen: the matrix is not symmetric at (" + std::to_string(i) + ", " +
                                    std::to_string(j) + ")");
  std::vector<double> a = matrix;
  std::vector<double> v(n * n, 0.0);
  for (size_t i = 0; i < n; ++i) v[i * n + i] = 1.0;
  auto off_diagonal = [&] {
    double sum = 0.0;
    for (size_t i = 0; i < n; ++i)
      for (size_t j = i + 1; j < n; ++j) sum += a[i * n + j] * a[i * n + j];
    return sum;
  };
  double total = 0.0;
  for (double x : a) total += x * x;
  for (int sweep = 0; sweep < 100 && off_diagonal() > 1e-32 * total; ++sweep) {
    for (size_t p = 0; p + 1 < n; ++p)
      for (size_t q = p + 1; q < n; ++q) {
        const double apq = a[p * n + q];
        if (apq == 0.0) continue;
        const double app = a[p * n + p], aqq = a[q * n + q];
        const double theta = (aqq - app) / (2.0 * apq);
        const double t = (theta >= 0.0 ? 1.0 : -1.0) / (std::abs(theta) + std::sqrt(theta * theta + 1.0));
        const double c = 1.0 / std::sqrt(t * t + 1.0), s = t * c;
        a[p * n + p] = app - t * apq;
        a[q * n + q] = aqq + t * apq;
        a[p * n + q] = a[q * n + p] = 0.0;
        for (size_t r = 0; r < n; ++r) {
          if (r == p || r == q) continue;
          const double arp = a[r * n + p], arq = a[r * n + q];
          a[r * n + p] = a[p * n + r] = c * arp - s * arq;
          a[r * n + q] = a[q * n + r] = s * arp + c * arq;
        }
        for (size_t r = 0; r < n; ++r) {
          const double vrp = v[r * n + p], vrq = v[r * n + q];
          v[r * n + p] = c * vrp - s * vrq;
          v[r * n + q] = s * vrp + c * vrq;
        }
      }
  }
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t x, size_t y) { return a[x * n + x] > a[y * n + y]; });
  values.resize(n);
  vectors.resize(n * n);
  for (size_t k = 0; k < n; ++k) {
    values[k] = a[order[k] * n + order[k]];
    for (size_t r = 0; r < n; ++r) vectors[k * n + r] = v[r * n + order[k]];
  }
}

PcaModel pca_fit(const std::vector<double>& points, size_t dimension, size_t components) {
  const size_t count = spatial::checked_point_count(points, dimension, "PCA");
  if (count < 2) throw std::invalid_argument("PCA: needs at least 2 points");
  const size_t most = std::min(count, dimension);
  if (components == 0) components = most;
  if (components > most)
    throw std::invalid_argument("PCA: " + std::to_string(components) + " components requested but at most min(" +
                                std::to_string(count) + " points, " + std::to_string(dimension) + " features) exist");
  PcaModel model;
  model.dimension = dimension;
  model.components = components;
  model.mean.assign(dimension, 0.0);
  for (size_t i = 0; i < count; ++i)
    for (size_t d = 0; d < dimension; ++d) model.mean[d] += points[i * dimension + d];
  for (double& m : model.mean) m /= static_cast<double>(count);

  const int threads = omp_get_max_threads();
  std::vector<double> partial(static_cast<size_t>(threads) * dimension * dimension, 0.0);
#pragma omp parallel
  {
    double* mine = &partial[static_cast<size_t>(omp_get_thread_num()) * dimension * dimension];
    std::vector<double> centred(dimension);
#pragma omp for schedule(static)
    for (size_t i = 0; i < count; ++i) {
      for (size_t d = 0; d < dimension; ++d) centred[d] = points[i * dimension + d] - model.mean[d];
      for (size_t r = 0; r < dimension; ++r) {
        const double x = centred[r];
        double* row = mine + r * dimension;
        for (size_t c = r; c < dimension; ++c) row[c] += x * centred[c];
      }
    }
  }
  std::vector<double> covariance(dimension * dimension, 0.0);
  for (int t = 0; t < threads; ++t)
    for (size_t j = 0; j < dimension * dimension; ++j)
      covariance[j] += partial[static_cast<size_t>(t) * dimension * dimension + j];
  for (size_t r = 0; r < dimension; ++r)
    for (size_t c = r; c < dimension; ++c) {
      const double value = covariance[r * dimension + c] / static_cast<double>(count - 1);
      covariance[r * dimension + c] = covariance[c * dimension + r] = value;
    }
  double total_variance = 0.0;
  for (size_t d = 0; d < dimension; ++d) total_variance += covariance[d * dimension + d];

  std::vector<double> values, vectors;
  symmetric_eigen(covariance, dimension, values, vectors);
  model.basis.assign(vectors.begin(), vectors.begin() + static_cast<std::ptrdiff_t>(components * dimension));
  for (size_t k = 0; k < components; ++k) {
    double* axis = &model.basis[k * dimension];
    const size_t largest = static_cast<size_t>(
        std::max_element(axis, axis + dimension, [](double x, double y) { return std::abs(x) < std::abs(y); }) - axis);
    if (axis[largest] < 0.0)
      for (size_t d = 0; d < dimension; ++d) axis[d] = -axis[d];
    // Rounding can leave tiny negative eigenvalues of a singular covariance.
    const double variance = std::max(values[k], 0.0);
    model.explained_variance.push_back(variance);
    model.explained_variance_ratio.push_back(total_variance > 0.0 ? variance / total_variance : 0.0);
  }
  return model;
}

std::vector<double> pca_transform(const PcaModel& model, const std::vector<double>& points) {
  const size_t count = spatial::checked_point_count(points, model.dimension, "PCA transform");
  std::vector<double> result(count * model.components);
#pragma omp parallel for schedule(static)
  for (size_t i = 0; i < count; ++i)
    for (size_t k = 0; k < model.components; ++k) {
      double sum = 0.0;
      for (size_t d = 0; d < model.dimension; ++d)
        sum += (points[i * model.dimension + d] - model.mean[d]) * model.basis[k * model.dimension + d];
      result[i * model.components + k] = sum;
    }
  return result;
}

}  // namespace nv
