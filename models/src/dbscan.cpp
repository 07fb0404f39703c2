// DBSCAN: parallel radius queries on a k-d tree, then the same depth-first
// cluster expansion as scikit-learn's dbscan_inner, so labels (and the order
// of cluster ids) match it. Only core points keep their neighbour lists.
#include "neuralview/dbscan.h"

#include <cmath>
#include <stdexcept>
#include <string>

#include "dbscan_kdtree.h"

namespace nv {

DbscanResult dbscan(const std::vector<double>& points, size_t dimension, const DbscanOptions& options) {
  const size_t count = spatial::checked_point_count(points, dimension, "DBSCAN");
  if (!(options.eps > 0.0) || !std::isfinite(options.eps))
    throw std::invalid_argument("DBSCAN: eps must be a positive finite distance, got " + std::to_string(options.eps));
  if (options.min_samples == 0) throw std::invalid_argument("DBSCAN: min_samples must be at least 1");

  const spatial::KdTree tree(points.data(), count, dimension);
  std::vector<std::vector<uint32_t>> neighbors(count);
  std::vector<char> core(count, 0);
#pragma omp parallel
  {
    std::vector<uint32_t> found;
#pragma omp for schedule(dynamic, 64)
    for (size_t i = 0; i < count; ++i) {
      tree.within(&points[i * dimension], options.eps, found);
      if (found.size() >= options.min_samples) {
        core[i] = 1;
        neighbors[i] = found;
      }
    }
  }

  DbscanResult result;
  result.labels.assign(count, -1);
  result.core.assign(count, false);
  for (size_t i = 0; i < count; ++i) result.core[i] = core[i] != 0;
  int64_t cluster = 0;
  std::vector<uint32_t> stack;
  for (size_t start = 0; start < count; ++start) {
    if (result.labels[start] != -1 || !core[start]) continue;
    size_t i = start;
    while (true) {
      if (result.labels[i] == -1) {
        result.labels[i] = cluster;
        if (core[i])
          for (uint32_t v : neighbors[i])
            if (result.labels[v] == -1) stack.push_back(v);
      }
      if (stack.empty()) break;
      i = stack.back();
      stack.pop_back();
    }
    ++cluster;
  }
  result.clusters = static_cast<size_t>(cluster);
  return result;
}

}  // namespace nv
