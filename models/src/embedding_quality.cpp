#include "neuralview/embedding_quality.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <stdexcept>
#include <string>

#include "dbscan_kdtree.h"

namespace nv {

double trustworthiness(const std::vector<double>& original, size_t original_dimension,
                       const std::vector<double>& embedded, size_t embedded_dimension, size_t n_neighbors) {
  const size_t n = spatial::checked_point_count(original, original_dimension, "trustworthiness (original)");
  const size_t m = spatial::checked_point_count(embedded, embedded_dimension, "trustworthiness (embedded)");
  if (n != m)
    throw std::invalid_argument("trustworthiness: " + std::to_string(n) + " original points but " + std::to_string(m) +
                                " embedded points");
  const double k = static_cast<double>(n_neighbors);
  if (n_neighbors == 0 || k >= static_cast<double>(n) / 2.0)
    throw std::invalid_argument("trustworthiness: n_neighbors must be between 1 and n / 2 (exclusive), got " +
                                std::to_string(n_neighbors) + " for " + std::to_string(n) + " points");
  const spatial::NeighborGraph embedded_neighbors =
      spatial::all_nearest_neighbors(embedded, embedded_dimension, n_neighbors);
  double penalty = 0.0;
#pragma omp parallel reduction(+ : penalty)
  {
    std::vector<double> distances(n);
#pragma omp for schedule(dynamic, 16)
    for (size_t i = 0; i < n; ++i) {
      const double* p = &original[i * original_dimension];
      for (size_t j = 0; j < n; ++j) {
        const double* q = &original[j * original_dimension];
        double sum = 0.0;
        for (size_t d = 0; d < original_dimension; ++d) {
          const double diff = p[d] - q[d];
          sum += diff * diff;
        }
        distances[j] = sum;
      }
      for (size_t a = 0; a < n_neighbors; ++a) {
        const size_t j = embedded_neighbors.indices[i * n_neighbors + a];
        // 1-based rank of j among the other points by original distance;
        // ties are ordered by index (a stable argsort).
        size_t rank = 1;
        for (size_t l = 0; l < n; ++l)
          if (l != i && l != j && (distances[l] < distances[j] || (distances[l] == distances[j] && l < j))) ++rank;
        if (rank > n_neighbors) penalty += static_cast<double>(rank - n_neighbors);
      }
    }
  }
  const double nd = static_cast<double>(n);
  return 1.0 - penalty * (2.0 / (nd * k * (2.0 * nd - 3.0 * k - 1.0)));
}

double adjusted_rand_index(const std::vector<int64_t>& labels_a, const std::vector<int64_t>& labels_b) {
  if (labels_a.size() != labels_b.size())
    throw std::invalid_argument("adjusted Rand index: labelings of different lengths (" +
                                std::to_string(labels_a.size()) + " and " + std::to_string(labels_b.size()) + ")");
  if (labels_a.empty()) throw std::invalid_argument("adjusted Rand index: empty labelings");
  std::map<std::pair<int64_t, int64_t>, double> contingency;
  std::map<int64_t, double> rows, columns;
  for (size_t i = 0; i < labels_a.size(); ++i) {
    contingency[{labels_a[i], labels_b[i]}] += 1.0;
    rows[labels_a[i]] += 1.0;
    columns[labels_b[i]] += 1.0;
  }
  auto pairs = [](double count) { return count * (count - 1.0) / 2.0; };
  double index = 0.0, sum_rows = 0.0, sum_columns = 0.0;
  for (const auto& entry : contingency) index += pairs(entry.second);
  for (const auto& entry : rows) sum_rows += pairs(entry.second);
  for (const auto& entry : columns) sum_columns += pairs(entry.second);
  const double total = pairs(static_cast<double>(labels_a.size()));
  // Both labelings trivial (one cluster each, or all singletons): identical.
  if (rows.size() == columns.size() && (rows.size() == 1 || rows.size() == labels_a.size()) &&
      contingency.size() == rows.size())
    return 1.0;
  const double expected = sum_rows * sum_columns / total;
  const double maximum = (sum_rows + sum_columns) / 2.0;
  if (maximum == expected) return 1.0;
  return (index - expected) / (maximum - expected);
}

}  // namespace nv
