#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <numeric>

#include "tsne_internal.h"

namespace nv::tsne_detail {

template <size_t D>
void SpaceTree<D>::build(const std::vector<double>& positions, size_t count) {
  positions_ = &positions;
  cells_.clear();
  cells_.reserve(2 * count + 1);
  order_.resize(count);
  scratch_.resize(count);
  std::iota(order_.begin(), order_.end(), 0u);
  double low[D], high[D];
  std::fill(low, low + D, std::numeric_limits<double>::infinity());
  std::fill(high, high + D, -std::numeric_limits<double>::infinity());
  for (size_t i = 0; i < count; ++i)
    for (size_t d = 0; d < D; ++d) {
      low[d] = std::min(low[d], positions[i * D + d]);
      high[d] = std::max(high[d], positions[i * D + d]);
    }
  Cell root;
  root.width = 0.0;
  for (size_t d = 0; d < D; ++d) {
    root.center[d] = (low[d] + high[d]) / 2.0;
    root.width = std::max(root.width, high[d] - low[d]);
  }
  // A little slack so that points on the upper boundary fall inside.
  root.width = root.width * (1.0 + 1e-6) + 1e-12;
  root.count = static_cast<uint32_t>(count);
  root.begin = 0;
  root.end = static_cast<uint32_t>(count);
  std::fill(root.mass_center, root.mass_center + D, 0.0);
  for (size_t i = 0; i < count; ++i)
    for (size_t d = 0; d < D; ++d) root.mass_center[d] += positions[i * D + d];
  for (size_t d = 0; d < D; ++d) root.mass_center[d] /= static_cast<double>(count);
  cells_.push_back(root);
  split(0, 0);
}

template <size_t D>
void SpaceTree<D>::split(uint32_t id, unsigned depth) {
  constexpr size_t quadrants = size_t{1} << D;
  const std::vector<double>& y = *positions_;
  const Cell cell = cells_[id];
  // Coincident points (or a pathological depth) stay together in one leaf.
  if (cell.count <= 1 || depth >= 60 || cell.width <= 1e-12 * (1.0 + std::abs(cell.center[0]))) return;
  auto quadrant_of = [&](uint32_t point) {
    size_t code = 0;
    for (size_t d = 0; d < D; ++d)
      if (y[point * D + d] >= cell.center[d]) code |= size_t{1} << d;
    return code;
  };
  std::array<uint32_t, quadrants> sizes{};
  for (uint32_t e = cell.begin; e < cell.end; ++e) ++sizes[quadrant_of(order_[e])];
  std::array<uint32_t, quadrants + 1> start{};
  start[0] = cell.begin;
  for (size_t q = 0; q < quadrants; ++q) start[q + 1] = start[q] + sizes[q];
  std::array<uint32_t, quadrants> fill{};
  std::copy_n(start.begin(), quadrants, fill.begin());
  for (uint32_t e = cell.begin; e < cell.end; ++e) scratch_[fill[quadrant_of(order_[e])]++] = order_[e];
  std::copy(scratch_.begin() + cell.begin, scratch_.begin() + cell.end, order_.begin() + cell.begin);

  const uint32_t first_child = static_cast<uint32_t>(cells_.size());
  uint32_t children = 0;
  for (size_t q = 0; q < quadrants; ++q) {
    if (sizes[q] == 0) continue;
    Cell child;
    child.width = cell.width / 2.0;
    for (size_t d = 0; d < D; ++d)
      child.center[d] = cell.center[d] + ((q >> d) & 1 ? cell.width / 4.0 : -cell.width / 4.0);
    child.count = sizes[q];
    child.begin = start[q];
    child.end = start[q + 1];
    std::fill(child.mass_center, child.mass_center + D, 0.0);
    for (uint32_t e = child.begin; e < child.end; ++e)
      for (size_t d = 0; d < D; ++d) child.mass_center[d] += y[static_cast<size_t>(order_[e]) * D + d];
    for (size_t d = 0; d < D; ++d) child.mass_center[d] /= static_cast<double>(child.count);
    cells_.push_back(child);
    ++children;
  }
  cells_[id].first_child = first_child;
  cells_[id].children = children;
  for (uint32_t c = 0; c < children; ++c) split(first_child + c, depth + 1);
}

template <size_t D>
double SpaceTree<D>::repulsion(size_t i, const double* position, double theta, double* force) const {
  const std::vector<double>& y = *positions_;
  const double theta_squared = theta * theta;
  double sum_q = 0.0;
  std::fill(force, force + D, 0.0);
  uint32_t stack[64 * (size_t{1} << D)];
  size_t top = 0;
  stack[top++] = 0;
  while (top > 0) {
    const Cell& cell = cells_[stack[--top]];
    if (cell.children == 0) {
      for (uint32_t e = cell.begin; e < cell.end; ++e) {
        const size_t j = order_[e];
        if (j == i) continue;
        double diff[D], d2 = 0.0;
        for (size_t d = 0; d < D; ++d) {
          diff[d] = position[d] - y[j * D + d];
          d2 += diff[d] * diff[d];
        }
        const double q = 1.0 / (1.0 + d2);
        sum_q += q;
        for (size_t d = 0; d < D; ++d) force[d] += q * q * diff[d];
      }
      continue;
    }
    double diff[D], d2 = 0.0;
    for (size_t d = 0; d < D; ++d) {
      diff[d] = position[d] - cell.mass_center[d];
      d2 += diff[d] * diff[d];
    }
    if (cell.width * cell.width < theta_squared * d2) {
      const double q = 1.0 / (1.0 + d2);
      const double mass = static_cast<double>(cell.count);
      sum_q += mass * q;
      for (size_t d = 0; d < D; ++d) force[d] += mass * q * q * diff[d];
      continue;
    }
    for (uint32_t c = 0; c < cell.children; ++c) stack[top++] = cell.first_child + c;
  }
  return sum_q;
}

template class SpaceTree<2>;
template class SpaceTree<3>;

}  // namespace nv::tsne_detail
