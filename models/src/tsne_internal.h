// Internal pieces of Barnes-Hut t-SNE: the sparse joint probabilities P and
// the space-partitioning tree (quad-tree in 2-D, octree in 3-D).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace nv::tsne_detail {

// Symmetric sparse matrix in compressed rows (both triangles stored).
struct SparseAffinities {
  std::vector<size_t> row_start;  // count + 1
  std::vector<uint32_t> columns;
  std::vector<double> values;
};

// Perplexity-calibrated conditional probabilities on the exact
// min(n - 1, 3·perplexity + 1) nearest neighbours (binary search on the
// Gaussian precision per point, as scikit-learn), symmetrised and normalised
// to sum 1.
SparseAffinities joint_probabilities(const std::vector<double>& points, size_t dimension, double perplexity);

// A 2^D-ary tree over the embedding, rebuilt every iteration. Cells store
// their centre of mass and point count; the Barnes-Hut traversal replaces a
// cell by its centre of mass when cell width / distance < theta.
template <size_t D>
class SpaceTree {
 public:
  // positions: count × D.
  void build(const std::vector<double>& positions, size_t count);
  // Repulsive force numerator sum_j q_ij² (y_i - y_j) (unnormalised q) into
  // `force`, and returns sum_j q_ij for point i (j != i).
  double repulsion(size_t i, const double* position, double theta, double* force) const;
  // Points in tree order: neighbours in space are neighbours here, so
  // traversing for them in this order reuses the cached cells.
  const std::vector<uint32_t>& spatial_order() const { return order_; }

 private:
  struct Cell {
    double center[D];
    double mass_center[D];
    double width = 0.0;
    uint32_t count = 0;
    uint32_t begin = 0, end = 0;  // range into order_ (leaves)
    uint32_t first_child = 0, children = 0;
  };
  void split(uint32_t cell, unsigned depth);

  const std::vector<double>* positions_ = nullptr;
  std::vector<Cell> cells_;
  std::vector<uint32_t> order_, scratch_;
};

}  // namespace nv::tsne_detail
