#include "neuralview/silhouette.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>
#include <random>
#include <stdexcept>
#include <string>

#include "dbscan_kdtree.h"

namespace nv {
namespace {

// Dense cluster index per point; checks the label count.
std::vector<size_t> dense_labels(const std::vector<int64_t>& labels, size_t count, size_t& clusters) {
  if (labels.size() != count)
    throw std::invalid_argument("silhouette: " + std::to_string(labels.size()) + " labels for " +
                                std::to_string(count) + " points");
  std::map<int64_t, size_t> index;
  for (int64_t label : labels) index.emplace(label, 0);
  clusters = 0;
  for (auto& entry : index) entry.second = clusters++;
  if (clusters < 2 || clusters > count - 1)
    throw std::invalid_argument("silhouette: needs between 2 and n - 1 = " + std::to_string(count - 1) +
                                " distinct labels, got " + std::to_string(clusters));
  std::vector<size_t> dense(count);
  for (size_t i = 0; i < count; ++i) dense[i] = index[labels[i]];
  return dense;
}

double silhouette_of(const std::vector<double>& points, size_t dimension, size_t count,
                     const std::vector<size_t>& dense, const std::vector<size_t>& sizes, size_t i,
                     std::vector<double>& sums) {
  std::fill(sums.begin(), sums.end(), 0.0);
  const double* p = &points[i * dimension];
  for (size_t j = 0; j < count; ++j) {
    const double* q = &points[j * dimension];
    double sum = 0.0;
    for (size_t d = 0; d < dimension; ++d) {
      const double diff = p[d] - q[d];
      sum += diff * diff;
    }
    sums[dense[j]] += std::sqrt(sum);
  }
  const size_t own = dense[i];
  if (sizes[own] <= 1) return 0.0;
  const double a = sums[own] / static_cast<double>(sizes[own] - 1);
  double b = std::numeric_limits<double>::infinity();
  for (size_t c = 0; c < sums.size(); ++c)
    if (c != own) b = std::min(b, sums[c] / static_cast<double>(sizes[c]));
  const double scale = std::max(a, b);
  return scale > 0.0 ? (b - a) / scale : 0.0;
}

std::vector<double> silhouette_of_points(const std::vector<double>& points, size_t dimension,
                                         const std::vector<int64_t>& labels, const std::vector<size_t>& which) {
  const size_t count = spatial::checked_point_count(points, dimension, "silhouette");
  size_t clusters = 0;
  const std::vector<size_t> dense = dense_labels(labels, count, clusters);
  std::vector<size_t> sizes(clusters, 0);
  for (size_t c : dense) ++sizes[c];
  std::vector<double> result(which.size());
#pragma omp parallel
  {
    std::vector<double> sums(clusters);
#pragma omp for schedule(dynamic, 16)
    for (size_t k = 0; k < which.size(); ++k)
      result[k] = silhouette_of(points, dimension, count, dense, sizes, which[k], sums);
  }
  return result;
}

}  // namespace

std::vector<double> silhouette_samples(const std::vector<double>& points, size_t dimension,
                                       const std::vector<int64_t>& labels) {
  std::vector<size_t> all(dimension == 0 ? 0 : points.size() / dimension);
  std::iota(all.begin(), all.end(), size_t{0});
  return silhouette_of_points(points, dimension, labels, all);
}

double silhouette_score(const std::vector<double>& points, size_t dimension, const std::vector<int64_t>& labels,
                        size_t sample_size, uint64_t seed) {
  std::vector<size_t> which(dimension == 0 ? 0 : points.size() / dimension);
  std::iota(which.begin(), which.end(), size_t{0});
  if (sample_size > 0 && sample_size < which.size()) {
    std::mt19937_64 rng(seed);
    std::shuffle(which.begin(), which.end(), rng);
    which.resize(sample_size);
  }
  const std::vector<double> values = silhouette_of_points(points, dimension, labels, which);
  return std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(values.size());
}

}  // namespace nv
