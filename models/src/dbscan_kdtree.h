// Internal: exact nearest-neighbour and radius queries for the clustering
// and embedding algorithms (DBSCAN, t-SNE, UMAP, trustworthiness).
//
// A k-d tree with a bounding box per node (exact box distances prune better
// than split planes alone). It pays in low intrinsic dimension; for many
// features all_nearest_neighbors switches to a blocked brute-force search.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace nv::spatial {

// Throws std::invalid_argument naming `what` for an empty or ragged matrix
// or non-finite values; returns the number of points.
size_t checked_point_count(const std::vector<double>& points, size_t dimension, const std::string& what);

class KdTree {
 public:
  KdTree(const double* points, size_t count, size_t dimension, size_t leaf_size = 16);

  size_t size() const { return index_.size(); }
  size_t dimension() const { return dimension_; }

  // The k nearest points to `query`, nearest first, skipping point `exclude`
  // (pass size() to skip none). Squared Euclidean distances.
  void nearest(const double* query, size_t k, size_t exclude, std::vector<uint32_t>& indices,
               std::vector<double>& squared_distances) const;
  // All points within `radius` (inclusive) of `query`, in no particular order.
  void within(const double* query, double radius, std::vector<uint32_t>& indices) const;

 private:
  struct Node {
    size_t begin = 0, end = 0;
    size_t left = 0, right = 0;  // 0: leaf (the root is node 0 and never a child)
  };
  size_t build(size_t begin, size_t end, const double* points);
  double box_distance(size_t node, const double* query) const;

  size_t dimension_, leaf_size_;
  std::vector<double> data_;     // points in tree order
  std::vector<uint32_t> index_;  // tree position -> original index
  std::vector<Node> nodes_;
  std::vector<double> low_, high_;  // per node bounding box
};

// k nearest neighbours of every point of the set, excluding itself, nearest
// first: indices and squared distances, count × k each. Parallel.
struct NeighborGraph {
  size_t k = 0;
  std::vector<uint32_t> indices;
  std::vector<double> squared_distances;
};
NeighborGraph all_nearest_neighbors(const std::vector<double>& points, size_t dimension, size_t k);

}  // namespace nv::spatial
