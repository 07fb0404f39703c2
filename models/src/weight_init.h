// Seeded weight initialisation with PyTorch's default distributions.
//
// The random stream is our own (a 64-bit Mersenne twister turned into floats
// by explicit bit arithmetic) so that a seed gives the same weights on every
// platform and standard library; the *distributions* are PyTorch's, so that a
// network built here trains like the same network built in PyTorch.
#pragma once

#include <cstdint>
#include <random>

#include "neuralview/tensor.h"

namespace nv::detail {

class WeightRandom {
 public:
  explicit WeightRandom(uint64_t seed) : engine_(seed) {}
  // Uniform in [-bound, bound).
  float symmetric_uniform(double bound);

 private:
  std::mt19937_64 engine_;
};

// kaiming_uniform_(a = sqrt(5)), PyTorch's default for Conv, ConvTranspose
// and Linear weights. fan_in is computed the way PyTorch does it: shape[1]
// times the kernel volume (for ConvTranspose, shape[1] is out_channels/groups).
Tensor pytorch_default_weight(const Shape& shape, WeightRandom& random);

// Uniform(-1/sqrt(fan_in), 1/sqrt(fan_in)), PyTorch's default bias, where
// fan_in is that of the layer's weight.
Tensor pytorch_default_bias(int64_t size, const Shape& weight_shape, WeightRandom& random);

// PyTorch's fan_in of a weight tensor: shape[1] * prod(shape[2:]).
int64_t pytorch_fan_in(const Shape& weight_shape);

}  // namespace nv::detail
