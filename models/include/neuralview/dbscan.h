// DBSCAN (Ester et al. 1996) with the semantics of scikit-learn's DBSCAN:
// a point is a core point when at least min_samples points (itself included)
// lie within distance eps (inclusive); clusters are the connected components
// of core points plus the border points they reach; everything else is noise.
// Neighbourhoods come from a k-d tree, queried in parallel.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace nv {

struct DbscanOptions {
  double eps = 0.5;
  size_t min_samples = 5;
};

struct DbscanResult {
  // Cluster id per point, 0..clusters-1 numbered in order of the lowest
  // point index that starts them (as scikit-learn), or -1 for noise.
  std::vector<int64_t> labels;
  std::vector<bool> core;  // core-point flags
  size_t clusters = 0;
};

// Throws std::invalid_argument for an empty or ragged matrix, non-finite
// values, eps <= 0 or min_samples == 0.
DbscanResult dbscan(const std::vector<double>& points, size_t dimension, const DbscanOptions& options = {});

}  // namespace nv
