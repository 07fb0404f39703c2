// Small hand-made graphs for the engine tests: a builder that tracks shapes
// and fills weights like PyTorch's default initialisation (uniform with
// bound 1/sqrt(fan_in)), plus tensor helpers.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "neuralview/graph_spec.h"
#include "neuralview/tensor.h"

namespace nv::test {

Tensor random_tensor(const Shape& shape, uint64_t seed, float low = -1.0f, float high = 1.0f);
// Values whose pairwise gaps are at least `gap`, in random order: keeps max
// pooling and ReLU away from their kinks in finite differences.
Tensor separated_tensor(const Shape& shape, uint64_t seed, float gap);
double max_abs(const Tensor& t);
double max_abs_difference(const Tensor& a, const Tensor& b);
double dot(const Tensor& a, const Tensor& b);

class GraphMaker {
 public:
  // input: per-sample shape (C,H,W) or (C,D,H,W).
  GraphMaker(const std::string& name, const Shape& input, uint64_t seed);

  const std::string& input() const { return spec_.input_name; }
  Shape shape(const std::string& value) const;  // per sample

  std::string conv(const std::string& x, int64_t channels, int64_t kernel, int64_t stride = 1, int64_t pad = 0,
                   int64_t dilation = 1, bool bias = true, int64_t group = 1);
  std::string conv_transpose(const std::string& x, int64_t channels, int64_t kernel, int64_t stride, int64_t pad = 0,
                             int64_t output_padding = 0, bool bias = true);
  std::string pool(const std::string& op, const std::string& x, int64_t kernel, int64_t stride, int64_t pad = 0);
  std::string global_average_pool(const std::string& x);
  std::string batchnorm(const std::string& x, double momentum = 0.9, double epsilon = 1e-5);
  std::string unary(const std::string& op, const std::string& x, double alpha = 0.0);
  std::string softmax(const std::string& x);
  std::string dropout(const std::string& x, double ratio, bool spatial);
  std::string flatten(const std::string& x);
  std::string gemm(const std::string& x, int64_t outputs, bool transposed_weights = true, bool bias = true);
  std::string concat(const std::vector<std::string>& xs);
  std::string add(const std::string& a, const std::string& b);
  std::string resize(const std::string& x, const std::string& mode, int64_t scale);

  GraphSpec finish(const std::string& output);

 private:
  std::string add_node(const std::string& op, std::vector<std::string> inputs, Shape output_shape,
                       std::map<std::string, AttributeValue> attributes = {});
  std::string add_weight(const std::string& name, const Shape& shape, double bound);

  GraphSpec spec_;
  std::map<std::string, Shape> shapes_;
  std::mt19937_64 rng_;
  int counter_ = 0;
};

}  // namespace nv::test
