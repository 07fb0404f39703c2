#include "weight_init.h"

#include <cmath>
#include <stdexcept>

namespace nv::detail {

float WeightRandom::symmetric_uniform(double bound) {
  // 53 random bits give a double in [0, 1) without relying on the
  // implementation-defined std::uniform_real_distribution.
  const double unit = static_cast<double>(engine_() >> 11) * (1.0 / 9007199254740992.0);
  return static_cast<float>((2.0 * unit - 1.0) * bound);
}

int64_t pytorch_fan_in(const Shape& weight_shape) {
  if (weight_shape.size() < 2)
    throw std::invalid_argument("a weight needs at least two dimensions to have a fan-in, got " +
                                shape_to_string(weight_shape));
  int64_t fan_in = 1;
  for (size_t axis = 1; axis < weight_shape.size(); ++axis) fan_in *= weight_shape[axis];
  if (fan_in <= 0) throw std::invalid_argument("weight shape " + shape_to_string(weight_shape) + " has no fan-in");
  return fan_in;
}

Tensor pytorch_default_weight(const Shape& shape, WeightRandom& random) {
  // kaiming_uniform with negative slope a: gain = sqrt(2 / (1 + a^2)),
  // bound = gain * sqrt(3 / fan_in). With a = sqrt(5) this is 1/sqrt(fan_in).
  const double a = std::sqrt(5.0);
  const double gain = std::sqrt(2.0 / (1.0 + a * a));
  const double bound = gain * std::sqrt(3.0 / static_cast<double>(pytorch_fan_in(shape)));
  Tensor weight(shape);
  for (float& value : weight.values()) value = random.symmetric_uniform(bound);
  return weight;
}

Tensor pytorch_default_bias(int64_t size, const Shape& weight_shape, WeightRandom& random) {
  const double bound = 1.0 / std::sqrt(static_cast<double>(pytorch_fan_in(weight_shape)));
  Tensor bias(Shape{size});
  for (float& value : bias.values()) value = random.symmetric_uniform(bound);
  return bias;
}

}  // namespace nv::detail
