#include "neuralview/tensor.h"

#include <cmath>
#include <limits>
#include <sstream>
#include <stdexcept>

namespace nv {

int64_t element_count(const Shape& shape) {
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0) throw std::invalid_argument("negative dimension in shape " + shape_to_string(shape));
    if (d != 0 && n > std::numeric_limits<int64_t>::max() / d)
      throw std::invalid_argument("shape " + shape_to_string(shape) + " has too many elements");
    n *= d;
  }
  return n;
}

std::string shape_to_string(const Shape& shape) {
  std::ostringstream out;
  out << "(";
  for (size_t i = 0; i < shape.size(); ++i) out << (i ? ", " : "") << shape[i];
  out << ")";
  return out.str();
}

Tensor::Tensor(Shape shape, float fill) : shape_(std::move(shape)) {
  data_.assign(static_cast<size_t>(element_count(shape_)), fill);
}

Tensor::Tensor(Shape shape, std::vector<float> values) : shape_(std::move(shape)), data_(std::move(values)) {
  if (element_count(shape_) != static_cast<int64_t>(data_.size()))
    throw std::invalid_argument("tensor of shape " + shape_to_string(shape_) + " needs " +
                                std::to_string(element_count(shape_)) + " values, got " + std::to_string(data_.size()));
}

Tensor Tensor::reshaped(Shape shape) const {
  if (element_count(shape) != size())
    throw std::invalid_argument("cannot reshape " + shape_to_string(shape_) + " to " + shape_to_string(shape));
  return Tensor(std::move(shape), data_);
}

bool Tensor::has_non_finite() const {
  for (float v : data_)
    if (!std::isfinite(v)) return true;
  return false;
}

}  // namespace nv
