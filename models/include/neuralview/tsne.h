// Barnes-Hut t-SNE (van der Maaten 2014) with scikit-learn's defaults and
// optimiser: perplexity-calibrated affinities on the exact 3·perplexity
// nearest neighbours (k-d tree), PCA initialisation scaled to std 1e-4,
// early exaggeration 12 for 250 iterations with momentum 0.5, then momentum
// 0.8, per-coordinate gains, learning rate "auto" = max(n / 12 / 4, 50).
// Repulsive forces come from a quad-tree (2-D) or octree (3-D) with the
// Barnes-Hut criterion; both force terms run in parallel with OpenMP.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

namespace nv {

struct TsneOptions {
  size_t components = 2;  // 2 or 3
  double perplexity = 30.0;
  double early_exaggeration = 12.0;
  double learning_rate = 0.0;  // <= 0: "auto"
  size_t iterations = 1000;    // total, including the 250 exaggerated ones
  size_t exaggeration_iterations = 250;
  double theta = 0.5;    // Barnes-Hut accuracy (0 would be exact; must be > 0)
  bool pca_init = true;  // false: Gaussian init with std 1e-4
  uint64_t seed = 0;
  // Called every 50 iterations with (iteration, KL divergence estimate
  // unavailable = -1); return false to stop early (cancellation).
  std::function<bool(size_t)> progress;
};

struct TsneResult {
  std::vector<double> embedding;  // count × components, row-major
  size_t iterations = 0;
  double kl_divergence = 0.0;  // of the final embedding (Barnes-Hut estimate)
};

// Throws std::invalid_argument for fewer than 4 points, a ragged or
// non-finite matrix, components not 2 or 3, perplexity <= 0 or not below the
// number of points, theta <= 0.
TsneResult tsne(const std::vector<double>& points, size_t dimension, const TsneOptions& options = {});

}  // namespace nv
