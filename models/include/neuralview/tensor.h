// A dense host tensor in plain row-major layout (N,C,H,W or N,C,D,H,W).
//
// This is the boundary type of the engine: what callers hand in and get back.
// Inside a network, activations live in oneDNN memory in blocked layouts; they
// are reordered to and from this plain layout only at the boundary.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace nv {

using Shape = std::vector<int64_t>;

// Number of elements of a shape; throws std::invalid_argument on negative
// dimensions or on a product that overflows.
int64_t element_count(const Shape& shape);

std::string shape_to_string(const Shape& shape);

class Tensor {
 public:
  Tensor() = default;
  explicit Tensor(Shape shape, float fill = 0.0f);
  Tensor(Shape shape, std::vector<float> values);

  const Shape& shape() const { return shape_; }
  int64_t dim(size_t axis) const { return shape_.at(axis); }
  size_t rank() const { return shape_.size(); }
  int64_t size() const { return static_cast<int64_t>(data_.size()); }
  bool empty() const { return data_.empty(); }

  float* data() { return data_.data(); }
  const float* data() const { return data_.data(); }
  std::vector<float>& values() { return data_; }
  const std::vector<float>& values() const { return data_; }

  float& operator[](int64_t i) { return data_[static_cast<size_t>(i)]; }
  float operator[](int64_t i) const { return data_[static_cast<size_t>(i)]; }

  // Same data, new shape with the same element count.
  Tensor reshaped(Shape shape) const;

  // True when any element is NaN or infinite.
  bool has_non_finite() const;

 private:
  Shape shape_;
  std::vector<float> data_;
};

}  // namespace nv
