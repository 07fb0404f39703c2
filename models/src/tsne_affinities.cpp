#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "dbscan_kdtree.h"
#include "tsne_internal.h"

namespace nv::tsne_detail {
namespace {

// Conditional probabilities p_j|i of one point from its neighbours' squared
// distances: the precision beta is bisected until the entropy (nats) equals
// log(perplexity), as scikit-learn's _binary_search_perplexity.
void calibrate_row(const double* squared_distances, size_t k, double perplexity, double* probabilities) {
  const double desired_entropy = std::log(perplexity);
  double beta = 1.0, beta_min = -std::numeric_limits<double>::infinity(),
         beta_max = std::numeric_limits<double>::infinity();
  for (int step = 0; step < 100; ++step) {
    double sum = 0.0;
    for (size_t j = 0; j < k; ++j) sum += probabilities[j] = std::exp(-squared_distances[j] * beta);
    if (sum == 0.0) sum = 1e-8;
    double weighted = 0.0;
    for (size_t j = 0; j < k; ++j) {
      probabilities[j] /= sum;
      weighted += squared_distances[j] * probabilities[j];
    }
    const double entropy = std::log(sum) + beta * weighted;
    const double difference = entropy - desired_entropy;
    if (std::abs(difference) <= 1e-5) break;
    if (difference > 0.0) {
      beta_min = beta;
      beta = std::isinf(beta_max) ? beta * 2.0 : (beta + beta_max) / 2.0;
    } else {
      beta_max = beta;
      beta = std::isinf(beta_min) ? beta / 2.0 : (beta + beta_min) / 2.0;
    }
  }
}

}  // namespace

SparseAffinities joint_probabilities(const std::vector<double>& points, size_t dimension, double perplexity) {
  const size_t count = points.size() / dimension;
  const size_t k = std::min(count - 1, static_cast<size_t>(3.0 * perplexity + 1.0));
  const spatial::NeighborGraph graph = spatial::all_nearest_neighbors(points, dimension, k);
  std::vector<double> conditional(count * k);
#pragma omp parallel for schedule(static)
  for (size_t i = 0; i < count; ++i) calibrate_row(&graph.squared_distances[i * k], k, perplexity, &conditional[i * k]);

  // P + P^T: every row gets its own entries and the transposed ones.
  std::vector<size_t> row_count(count, k);
  for (uint32_t j : graph.indices) ++row_count[j];
  SparseAffinities result;
  result.row_start.assign(count + 1, 0);
  for (size_t i = 0; i < count; ++i) result.row_start[i + 1] = result.row_start[i] + row_count[i];
  std::vector<uint32_t> columns(result.row_start.back());
  std::vector<double> values(result.row_start.back());
  std::vector<size_t> fill(result.row_start.begin(), result.row_start.end() - 1);
  for (size_t i = 0; i < count; ++i)
    for (size_t n = 0; n < k; ++n) {
      const uint32_t j = graph.indices[i * k + n];
      const double p = conditional[i * k + n];
      columns[fill[i]] = j, values[fill[i]++] = p;
      columns[fill[j]] = static_cast<uint32_t>(i), values[fill[j]++] = p;
    }
  // Merge duplicate columns per row (pairs that are mutual neighbours).
  std::vector<size_t> merged_count(count);
#pragma omp parallel
  {
    std::vector<std::pair<uint32_t, double>> row;
#pragma omp for schedule(static)
    for (size_t i = 0; i < count; ++i) {
      row.clear();
      for (size_t e = result.row_start[i]; e < result.row_start[i + 1]; ++e) row.push_back({columns[e], values[e]});
      std::sort(row.begin(), row.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
      size_t out = result.row_start[i];
      for (size_t e = 0; e < row.size(); ++e) {
        if (e > 0 && row[e].first == row[e - 1].first) {
          values[out - 1] += row[e].second;
          continue;
        }
        columns[out] = row[e].first, values[out++] = row[e].second;
      }
      merged_count[i] = out - result.row_start[i];
    }
  }
  double total = 0.0;
  for (size_t i = 0; i < count; ++i)
    for (size_t e = result.row_start[i]; e < result.row_start[i] + merged_count[i]; ++e) total += values[e];
  total = std::max(total, std::numeric_limits<double>::epsilon());
  std::vector<size_t> compact_start(count + 1, 0);
  for (size_t i = 0; i < count; ++i) compact_start[i + 1] = compact_start[i] + merged_count[i];
  result.columns.resize(compact_start.back());
  result.values.resize(compact_start.back());
  for (size_t i = 0; i < count; ++i)
    for (size_t e = 0; e < merged_count[i]; ++e) {
      result.columns[compact_start[i] + e] = columns[result.row_start[i] + e];
      result.values[compact_start[i] + e] = values[result.row_start[i] + e] / total;
    }
  result.row_start = std::move(compact_start);
  return result;
}

}  // namespace nv::tsne_detail
