#include "dbscan_kdtree.h"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>

namespace nv::spatial {

size_t checked_point_count(const std::vector<double>& points, size_t dimension, const std::string& what) {
  if (dimension == 0) throw std::invalid_argument(what + ": the point dimension must be at least 1");
  if (points.empty()) throw std::invalid_argument(what + ": no points given");
  if (points.size() % dimension != 0)
    throw std::invalid_argument(what + ": " + std::to_string(points.size()) + " values do not form rows of " +
                                std::to_string(dimension) + " features");
  for (double v : points)
    if (!std::isfinite(v)) throw std::invalid_argument(what + ": the points contain NaN or infinite values");
  const size_t count = points.size() / dimension;
  if (count > std::numeric_limits<uint32_t>::max())
    throw std::invalid_argument(what + ": more than 2^32 points are not supported");
  return count;
}

KdTree::KdTree(const double* points, size_t count, size_t dimension, size_t leaf_size)
    : dimension_(dimension), leaf_size_(std::max<size_t>(leaf_size, 1)), index_(count) {
  std::iota(index_.begin(), index_.end(), 0u);
  nodes_.reserve(2 * count / leaf_size_ + 2);
  if (count > 0) build(0, count, points);
  data_.resize(count * dimension);
  for (size_t i = 0; i < count; ++i)
    std::copy_n(points + static_cast<size_t>(index_[i]) * dimension, dimension, data_.begin() + i * dimension);
}

size_t KdTree::build(size_t begin, size_t end, const double* points) {
  const size_t id = nodes_.size();
  nodes_.push_back({begin, end, 0, 0});
  low_.resize(nodes_.size() * dimension_, std::numeric_limits<double>::infinity());
  high_.resize(nodes_.size() * dimension_, -std::numeric_limits<double>::infinity());
  double* low = &low_[id * dimension_];
  double* high = &high_[id * dimension_];
  for (size_t i = begin; i < end; ++i) {
    const double* p = points + static_cast<size_t>(index_[i]) * dimension_;
    for (size_t d = 0; d < dimension_; ++d) {
      low[d] = std::min(low[d], p[d]);
      high[d] = std::max(high[d], p[d]);
    }
  }
  if (end - begin <= leaf_size_) return id;
  size_t axis = 0;
  double widest = -1.0;
  for (size_t d = 0; d < dimension_; ++d)
    if (high[d] - low[d] > widest) widest = high[d] - low[d], axis = d;
  if (widest <= 0.0) return id;  // all points equal: keep one leaf
  const size_t middle = begin + (end - begin) / 2;
  std::nth_element(
      index_.begin() + static_cast<std::ptrdiff_t>(begin), index_.begin() + static_cast<std::ptrdiff_t>(middle),
      index_.begin() + static_cast<std::ptrdiff_t>(end), [&](uint32_t a, uint32_t b) {
        return points[static_cast<size_t>(a) * dimension_ + axis] < points[static_cast<size_t>(b) * dimension_ + axis];
      });
  const size_t left = build(begin, middle, points);
  const size_t right = build(middle, end, points);
  nodes_[id].left = left;
  nodes_[id].right = right;
  return id;
}

double KdTree::box_distance(size_t node, const double* query) const {
  const double* low = &low_[node * dimension_];
  const double* high = &high_[node * dimension_];
  double sum = 0.0;
  for (size_t d = 0; d < dimension_; ++d) {
    const double below = low[d] - query[d], above = query[d] - high[d];
    const double gap = below > 0.0 ? below : (above > 0.0 ? above : 0.0);
    sum += gap * gap;
  }
  return sum;
}

namespace {

double squared_distance(const double* a, const double* b, size_t dimension) {
  double sum = 0.0;
  for (size_t d = 0; d < dimension; ++d) {
    const double diff = a[d] - b[d];
    sum += diff * diff;
  }
  return sum;
}

}  // namespace

void KdTree::nearest(const double* query, size_t k, size_t exclude, std::vector<uint32_t>& indices,
                     std::vector<double>& squared_distances) const {
  // Max-heap of the best k so far: (squared distance, index).
  std::vector<std::pair<double, uint32_t>> heap;
  heap.reserve(k + 1);
  auto worst = [&] { return heap.size() < k ? std::numeric_limits<double>::infinity() : heap.front().first; };
  std::vector<std::pair<size_t, double>> stack;  // node, its box distance
  if (!nodes_.empty() && k > 0) stack.push_back({0, box_distance(0, query)});
  while (!stack.empty()) {
    const auto [id, bound] = stack.back();
    stack.pop_back();
    if (bound > worst()) continue;
    const Node& node = nodes_[id];
    if (node.left == 0) {
      for (size_t i = node.begin; i < node.end; ++i) {
        if (index_[i] == exclude) continue;
        const double dist = squared_distance(&data_[i * dimension_], query, dimension_);
        if (heap.size() < k) {
          heap.push_back({dist, index_[i]});
          std::push_heap(heap.begin(), heap.end());
        } else if (dist < heap.front().first) {
          std::pop_heap(heap.begin(), heap.end());
          heap.back() = {dist, index_[i]};
          std::push_heap(heap.begin(), heap.end());
        }
      }
      continue;
    }
    const double left = box_distance(node.left, query), right = box_distance(node.right, query);
    // Visit the nearer child first: push it last.
    if (left <= right) {
      stack.push_back({node.right, right});
      stack.push_back({node.left, left});
    } else {
      stack.push_back({node.left, left});
      stack.push_back({node.right, right});
    }
  }
  std::sort_heap(heap.begin(), heap.end());
  indices.resize(heap.size());
  squared_distances.resize(heap.size());
  for (size_t i = 0; i < heap.size(); ++i) {
    squared_distances[i] = heap[i].first;
    indices[i] = heap[i].second;
  }
}

void KdTree::within(const double* query, double radius, std::vector<uint32_t>& indices) const {
  indices.clear();
  if (nodes_.empty()) return;
  const double limit = radius * radius;
  std::vector<size_t> stack{0};
  while (!stack.empty()) {
    const size_t id = stack.back();
    stack.pop_back();
    if (box_distance(id, query) > limit) continue;
    const Node& node = nodes_[id];
    if (node.left == 0) {
      for (size_t i = node.begin; i < node.end; ++i)
        if (squared_distance(&data_[i * dimension_], query, dimension_) <= limit) indices.push_back(index_[i]);
    } else {
      stack.push_back(node.right);
      stack.push_back(node.left);
    }
  }
}

namespace {

// Above this many features a k-d tree visits nearly every leaf; a blocked
// brute-force scan is faster.
constexpr size_t tree_dimension_limit = 24;

NeighborGraph brute_force_neighbors(const std::vector<double>& points, size_t count, size_t dimension, size_t k) {
  NeighborGraph graph;
  graph.k = k;
  graph.indices.resize(count * k);
  graph.squared_distances.resize(count * k);
  std::vector<double> norms(count);
  for (size_t i = 0; i < count; ++i) {
    const double* p = &points[i * dimension];
    norms[i] = std::inner_product(p, p + dimension, p, 0.0);
  }
  constexpr size_t block = 256;
#pragma omp parallel
  {
    std::vector<double> distances(block);
    std::vector<std::pair<double, uint32_t>> heap;
#pragma omp for schedule(dynamic, 16)
    for (size_t i = 0; i < count; ++i) {
      heap.clear();
      const double* q = &points[i * dimension];
      for (size_t start = 0; start < count; start += block) {
        const size_t stop = std::min(count, start + block);
        for (size_t j = start; j < stop; ++j) {
          const double* p = &points[j * dimension];
          double dot = 0.0;
#pragma omp simd reduction(+ : dot)
          for (size_t d = 0; d < dimension; ++d) dot += q[d] * p[d];
          distances[j - start] = std::max(0.0, norms[i] + norms[j] - 2.0 * dot);
        }
        for (size_t j = start; j < stop; ++j) {
          if (j == i) continue;
          const double dist = distances[j - start];
          if (heap.size() < k) {
            heap.push_back({dist, static_cast<uint32_t>(j)});
            std::push_heap(heap.begin(), heap.end());
          } else if (dist < heap.front().first) {
            std::pop_heap(heap.begin(), heap.end());
            heap.back() = {dist, static_cast<uint32_t>(j)};
            std::push_heap(heap.begin(), heap.end());
          }
        }
      }
      std::sort_heap(heap.begin(), heap.end());
      for (size_t n = 0; n < k; ++n) {
        // Exact distance for the kept neighbours (the expansion above loses digits).
        const uint32_t j = heap[n].second;
        graph.indices[i * k + n] = j;
        graph.squared_distances[i * k + n] =
            squared_distance(q, &points[static_cast<size_t>(j) * dimension], dimension);
      }
    }
  }
  return graph;
}

}  // namespace

NeighborGraph all_nearest_neighbors(const std::vector<double>& points, size_t dimension, size_t k) {
  const size_t count = points.size() / dimension;
  if (k >= count) throw std::invalid_argument("nearest neighbours: k must be below the number of points");
  if (dimension > tree_dimension_limit) {
    NeighborGraph graph = brute_force_neighbors(points, count, dimension, k);
    // Re-sort by the exact distances.
    for (size_t i = 0; i < count; ++i) {
      std::vector<std::pair<double, uint32_t>> row(k);
      for (size_t n = 0; n < k; ++n) row[n] = {graph.squared_distances[i * k + n], graph.indices[i * k + n]};
      std::sort(row.begin(), row.end());
      for (size_t n = 0; n < k; ++n)
        graph.squared_distances[i * k + n] = row[n].first, graph.indices[i * k + n] = row[n].second;
    }
    return graph;
  }
  const KdTree tree(points.data(), count, dimension);
  NeighborGraph graph;
  graph.k = k;
  graph.indices.resize(count * k);
  graph.squared_distances.resize(count * k);
#pragma omp parallel
  {
    std::vector<uint32_t> indices;
    std::vector<double> distances;
#pragma omp for schedule(dynamic, 64)
    for (size_t i = 0; i < count; ++i) {
      tree.nearest(&points[i * dimension], k, i, indices, distances);
      std::copy(indices.begin(), indices.end(), graph.indices.begin() + static_cast<std::ptrdiff_t>(i * k));
      std::copy(distances.begin(), distances.end(),
                graph.squared_distances.begin() + static_cast<std::ptrdiff_t>(i * k));
    }
  }
  return graph;
}

}  // namespace nv::spatial
