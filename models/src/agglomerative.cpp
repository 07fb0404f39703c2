// Agglomerative clustering: nearest-neighbour chain on a condensed distance
// matrix with Lance-Williams updates (all four linkages are reducible, so the
// chain finds exactly the merges of the greedy algorithm), then merges sorted
// by distance and renumbered with a union-find as scipy's linkage does.
#include "neuralview/agglomerative.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <string>

#include "dbscan_kdtree.h"

namespace nv {

Linkage linkage_from_string(const std::string& name) {
  if (name == "ward") return Linkage::ward;
  if (name == "complete") return Linkage::complete;
  if (name == "average") return Linkage::average;
  if (name == "single") return Linkage::single;
  throw std::invalid_argument("unknown linkage '" + name + "' (expected ward, complete, average or single)");
}

namespace {

class Condensed {
 public:
  explicit Condensed(size_t n) : n_(n), values_(n < 2 ? 0 : n * (n - 1) / 2) {}
  double& at(size_t i, size_t j) {
    if (i > j) std::swap(i, j);
    return values_[n_ * i - i * (i + 1) / 2 + (j - i - 1)];
  }

 private:
  size_t n_;
  std::vector<double> values_;
};

struct Union {
  std::vector<size_t> parent;
  explicit Union(size_t n) : parent(n) { std::iota(parent.begin(), parent.end(), size_t{0}); }
  size_t find(size_t x) {
    while (parent[x] != x) x = parent[x] = parent[parent[x]];
    return x;
  }
};

std::vector<Merge> nearest_neighbor_chain(Condensed& distance, size_t n, Linkage linkage) {
  struct RawMerge {
    size_t a, b;
    double distance;
  };
  std::vector<RawMerge> raw;
  raw.reserve(n > 0 ? n - 1 : 0);
  std::vector<size_t> size(n, 1);
  std::vector<char> active(n, 1);
  std::vector<size_t> chain;
  for (size_t merged = 0; merged + 1 < n; ++merged) {
    if (chain.empty())
      for (size_t i = 0; i < n; ++i)
        if (active[i]) {
          chain.push_back(i);
          break;
        }
    size_t x = 0, y = 0;
    double best = 0.0;
    while (true) {
      x = chain.back();
      // Prefer the previous chain element on ties, so the chain terminates.
      y = n;
      if (chain.size() >= 2) y = chain[chain.size() - 2], best = distance.at(x, y);
      for (size_t z = 0; z < n; ++z) {
        if (!active[z] || z == x) continue;
        const double d = distance.at(x, z);
        if (y == n || d < best) best = d, y = z;
      }
      if (chain.size() >= 2 && y == chain[chain.size() - 2]) break;
      chain.push_back(y);
    }
    chain.pop_back();
    chain.pop_back();
    // The merged cluster lives in slot y; x is retired.
    raw.push_back({std::min(x, y), std::max(x, y), best});
    const double nx = static_cast<double>(size[x]), ny = static_cast<double>(size[y]);
    for (size_t k = 0; k < n; ++k) {
      if (!active[k] || k == x || k == y) continue;
      const double dx = distance.at(x, k), dy = distance.at(y, k);
      double updated = 0.0;
      switch (linkage) {
        case Linkage::ward: {
          const double nk = static_cast<double>(size[k]);
          const double value = ((nx + nk) * dx * dx + (ny + nk) * dy * dy - nk * best * best) / (nx + ny + nk);
          updated = std::sqrt(std::max(value, 0.0));
          break;
        }
        case Linkage::complete:
          updated = std::max(dx, dy);
          break;
        case Linkage::average:
          updated = (nx * dx + ny * dy) / (nx + ny);
          break;
        case Linkage::single:
          updated = std::min(dx, dy);
          break;
      }
      distance.at(y, k) = updated;
    }
    active[x] = 0;
    size[y] += size[x];
  }
  std::stable_sort(raw.begin(), raw.end(),
                   [](const RawMerge& p, const RawMerge& q) { return p.distance < q.distance; });
  // Renumber: each slot's current cluster id, as scipy's label().
  Union sets(n);
  std::vector<size_t> cluster_id(n), cluster_size(n, 1);
  std::iota(cluster_id.begin(), cluster_id.end(), size_t{0});
  std::vector<Merge> merges;
  merges.reserve(raw.size());
  for (size_t i = 0; i < raw.size(); ++i) {
    const size_t ra = sets.find(raw[i].a), rb = sets.find(raw[i].b);
    Merge m;
    m.first = std::min(cluster_id[ra], cluster_id[rb]);
    m.second = std::max(cluster_id[ra], cluster_id[rb]);
    m.distance = raw[i].distance;
    m.size = cluster_size[ra] + cluster_size[rb];
    sets.parent[rb] = ra;
    cluster_id[ra] = n + i;
    cluster_size[ra] = m.size;
    merges.push_back(m);
  }
  return merges;
}

}  // namespace

std::vector<Merge> agglomerative_linkage(const std::vector<double>& points, size_t dimension, Linkage linkage) {
  const size_t n = spatial::checked_point_count(points, dimension, "agglomerative clustering");
  Condensed distance(n);
#pragma omp parallel for schedule(dynamic, 16)
  for (size_t i = 0; i < n; ++i)
    for (size_t j = i + 1; j < n; ++j) {
      double sum = 0.0;
      for (size_t d = 0; d < dimension; ++d) {
        const double diff = points[i * dimension + d] - points[j * dimension + d];
        sum += diff * diff;
      }
      distance.at(i, j) = std::sqrt(sum);
    }
  return nearest_neighbor_chain(distance, n, linkage);
}

std::vector<Merge> agglomerative_linkage_from_distances(const std::vector<double>& distance_matrix, size_t n,
                                                        Linkage linkage) {
  if (n == 0) throw std::invalid_argument("agglomerative clustering: the distance matrix is empty");
  if (distance_matrix.size() != n * n)
    throw std::invalid_argument("agglomerative clustering: a " + std::to_string(n) + " x " + std::to_string(n) +
                                " distance matrix needs " + std::to_string(n * n) + " values, got " +
                                std::to_string(distance_matrix.size()));
  Condensed distance(n);
  for (size_t i = 0; i < n; ++i)
    for (size_t j = i + 1; j < n; ++j) {
      const double a = distance_matrix[i * n + j], b = distance_matrix[j * n + i];
      if (!std::isfinite(a) || !std::isfinite(b) || a < 0.0 || b < 0.0)
        throw std::invalid_argument("agglomerative clustering: distances must be finite and non-negative (entry " +
                                    std::to_string(i) + ", " + std::to_string(j) + ")");
      if (std::abs(a - b) > 1e-9 * std::max({1.0, std::abs(a), std::abs(b)}))
        throw std::invalid_argument("agglomerative clustering: the distance matrix is not symmetric at (" +
                                    std::to_string(i) + ", " + std::to_string(j) + ")");
      distance.at(i, j) = a;
    }
  return nearest_neighbor_chain(distance, n, linkage);
}

std::vector<int64_t> cut_dendrogram(const std::vector<Merge>& merges, size_t n, size_t clusters) {
  if (clusters == 0 || clusters > n)
    throw std::invalid_argument("cut_dendrogram: clusters must be between 1 and the number of points (" +
                                std::to_string(n) + "), got " + std::to_string(clusters));
  if (merges.size() + 1 != n)
    throw std::invalid_argument("cut_dendrogram: a dendrogram of " + std::to_string(n) + " points has " +
                                std::to_string(n - 1) + " merges, got " + std::to_string(merges.size()));
  // Union-find over cluster ids 0..2n-2.
  Union sets(2 * n - 1);
  for (size_t i = 0; i < n - clusters; ++i) {
    sets.parent[sets.find(merges[i].first)] = n + i;
    sets.parent[sets.find(merges[i].second)] = n + i;
  }
  std::vector<int64_t> labels(n);
  std::vector<int64_t> label_of_root(2 * n - 1, -1);
  int64_t next = 0;
  for (size_t i = 0; i < n; ++i) {
    const size_t root = sets.find(i);
    if (label_of_root[root] < 0) label_of_root[root] = next++;
    labels[i] = label_of_root[root];
  }
  return labels;
}

std::vector<int64_t> agglomerative_clustering(const std::vector<double>& points, size_t dimension, size_t clusters,
                                              Linkage linkage) {
  const std::vector<Merge> merges = agglomerative_linkage(points, dimension, linkage);
  return cut_dendrogram(merges, merges.size() + 1, clusters);
}

std::vector<size_t> dendrogram_leaf_order(const std::vector<Merge>& merges, size_t n) {
  if (n == 0) return {};
  if (merges.size() + 1 != n)
    throw std::invalid_argument("dendrogram_leaf_order: a dendrogram of " + std::to_string(n) + " points has " +
                                std::to_string(n - 1) + " merges, got " + std::to_string(merges.size()));
  std::vector<size_t> order;
  order.reserve(n);
  std::vector<size_t> stack{2 * n - 2};
  while (!stack.empty()) {
    const size_t id = stack.back();
    stack.pop_back();
    if (id < n) {
      order.push_back(id);
      continue;
    }
    const Merge& m = merges[id - n];
    stack.push_back(m.second);  // visited after the first child
    stack.push_back(m.first);
  }
  return order;
}

std::vector<size_t> hierarchical_order(const std::vector<double>& distance_matrix, size_t n) {
  if (n == 1) return {0};
  return dendrogram_leaf_order(agglomerative_linkage_from_distances(distance_matrix, n, Linkage::average), n);
}

}  // namespace nv
