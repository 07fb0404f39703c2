// k-means clustering with k-means++ seeding (Arthur & Vassilvitskii 2007) and
// Lloyd iterations, restarted n_init times, keeping the lowest inertia — the
// algorithm and defaults of scikit-learn's KMeans(algorithm="lloyd").
//
// Points everywhere in these clustering/embedding headers are a row-major
// matrix: `points` holds count × dimension values, one point per row.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace nv {

struct KMeansOptions {
  size_t clusters = 8;
  size_t n_init = 10;  // independent seedings; the best inertia wins
  size_t max_iterations = 300;
  // Convergence when the squared centre shift summed over clusters falls
  // below tolerance × (mean per-feature variance of the data), as scikit-learn.
  double tolerance = 1e-4;
  uint64_t seed = 0;
};

struct KMeansResult {
  std::vector<int64_t> labels;  // one per point, 0..clusters-1
  std::vector<double> centers;  // clusters × dimension, row-major
  double inertia = 0.0;         // sum of squared distances to the assigned centre
  size_t iterations = 0;        // Lloyd iterations of the kept run
};

// Throws std::invalid_argument for an empty or ragged matrix, non-finite
// values, clusters == 0 or more clusters than points, n_init == 0.
KMeansResult kmeans(const std::vector<double>& points, size_t dimension, const KMeansOptions& options = {});

// Index of the nearest centre for each point (centres as returned above).
std::vector<int64_t> kmeans_predict(const std::vector<double>& points, size_t dimension,
                                    const std::vector<double>& centers);

}  // namespace nv
