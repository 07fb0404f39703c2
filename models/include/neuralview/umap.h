// UMAP (McInnes, Healy & Melville 2018), a faithful simplified version of
// umap-learn: exact k-nearest neighbours (k-d tree), smooth kNN distances
// (rho, sigma), fuzzy simplicial set by probabilistic union, curve parameters
// a, b fitted to min_dist/spread, PCA initialisation scaled to [0, 10], and
// SGD with epoch-per-sample scheduling and negative sampling. The SGD is
// serial and therefore deterministic for a seed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

namespace nv {

struct UmapOptions {
  size_t components = 2;
  size_t neighbors = 15;  // including the point itself, as umap-learn
  double min_dist = 0.1;
  double spread = 1.0;
  size_t epochs = 0;  // 0: 500 up to 10,000 points, else 200
  double learning_rate = 1.0;
  double negative_sample_rate = 5.0;
  double repulsion_strength = 1.0;
  uint64_t seed = 0;
  std::function<bool(size_t)> progress;  // per epoch; return false to stop
};

struct UmapResult {
  std::vector<double> embedding;  // count × components
  double a = 0.0, b = 0.0;        // fitted curve parameters
  size_t epochs = 0;
};

// Throws std::invalid_argument for fewer than 3 points, neighbors < 2 or
// >= count, components == 0, a ragged or non-finite matrix.
UmapResult umap(const std::vector<double>& points, size_t dimension, const UmapOptions& options = {});

// umap-learn's find_ab_params: least-squares fit of 1 / (1 + a·x^(2b)).
void umap_curve_parameters(double spread, double min_dist, double& a, double& b);

}  // namespace nv
