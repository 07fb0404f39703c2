#include "engine_test_graphs.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

namespace nv::test {

Tensor random_tensor(const Shape& shape, uint64_t seed, float low, float high) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> dist(low, high);
  Tensor t(shape);
  for (float& v : t.values()) v = dist(rng);
  return t;
}

Tensor separated_tensor(const Shape& shape, uint64_t seed, float gap) {
  Tensor t(shape);
  std::vector<int64_t> order(static_cast<size_t>(t.size()));
  std::iota(order.begin(), order.end(), 0);
  std::mt19937_64 rng(seed);
  std::shuffle(order.begin(), order.end(), rng);
  const float offset = -0.5f * gap * static_cast<float>(t.size());
  for (size_t i = 0; i < order.size(); ++i) t[order[i]] = offset + gap * (static_cast<float>(i) + 0.5f);
  return t;
}

double max_abs(const Tensor& t) {
  double m = 0.0;
  for (float v : t.values()) m = std::max(m, std::abs(static_cast<double>(v)));
  return m;
}

double max_abs_difference(const Tensor& a, const Tensor& b) {
  if (a.shape() != b.shape())
    throw std::invalid_argument("shape mismatch " + shape_to_string(a.shape()) + " vs " + shape_to_string(b.shape()));
  double m = 0.0;
  for (int64_t i = 0; i < a.size(); ++i) m = std::max(m, std::abs(static_cast<double>(a[i]) - b[i]));
  return m;
}

double dot(const Tensor& a, const Tensor& b) {
  if (a.size() != b.size()) throw std::invalid_argument("dot: size mismatch");
  double s = 0.0;
  for (int64_t i = 0; i < a.size(); ++i) s += static_cast<double>(a[i]) * b[i];
  return s;
}

GraphMaker::GraphMaker(const std::string& name, const Shape& input, uint64_t seed) : rng_(seed) {
  spec_.name = name;
  spec_.input_shape = input;
  shapes_[spec_.input_name] = input;
}

Shape GraphMaker::shape(const std::string& value) const { return shapes_.at(value); }

std::string GraphMaker::add_weight(const std::string& name, const Shape& shape, double bound) {
  std::uniform_real_distribution<float> dist(static_cast<float>(-bound), static_cast<float>(bound));
  Tensor t(shape);
  for (float& v : t.values()) v = dist(rng_);
  spec_.weights[name] = t;
  return name;
}

std::string GraphMaker::add_node(const std::string& op, std::vector<std::string> inputs, Shape output_shape,
                                 std::map<std::string, AttributeValue> attributes) {
  NodeSpec node;
  node.name = op + std::to_string(counter_++);
  node.op = op;
  node.inputs = std::move(inputs);
  node.outputs = {node.name + "_out"};
  node.attributes = std::move(attributes);
  shapes_[node.outputs[0]] = std::move(output_shape);
  spec_.nodes.push_back(node);
  return node.outputs[0];
}

std::string GraphMaker::conv(const std::string& x, int64_t channels, int64_t kernel, int64_t stride, int64_t pad,
                             int64_t dilation, bool bias, int64_t group) {
  const Shape in = shape(x);
  const size_t rank = in.size() - 1;
  const std::string name = "conv" + std::to_string(counter_);
  Shape w = {channels, in[0] / group};
  Shape out = {channels};
  for (size_t i = 0; i < rank; ++i) {
    w.push_back(kernel);
    out.push_back((in[i + 1] + 2 * pad - dilation * (kernel - 1) - 1) / stride + 1);
  }
  const double bound = 1.0 / std::sqrt(static_cast<double>(element_count(w) / channels));
  std::vector<std::string> inputs = {x, add_weight(name + "_w", w, bound)};
  if (bias) inputs.push_back(add_weight(name + "_b", {channels}, bound));
  return add_node("Conv", inputs, out,
                  {{"kernel_shape", std::vector<int64_t>(rank, kernel)},
                   {"strides", std::vector<int64_t>(rank, stride)},
                   {"pads", std::vector<int64_t>(2 * rank, pad)},
                   {"dilations", std::vector<int64_t>(rank, dilation)},
                   {"group", group}});
}

std::string GraphMaker::conv_transpose(const std::string& x, int64_t channels, int64_t kernel, int64_t stride,
                                       int64_t pad, int64_t output_padding, bool bias) {
  const Shape in = shape(x);
  const size_t rank = in.size() - 1;
  const std::string name = "deconv" + std::to_string(counter_);
  Shape w = {in[0], channels};
  Shape out = {channels};
  for (size_t i = 0; i < rank; ++i) {
    w.push_back(kernel);
    out.push_back((in[i + 1] - 1) * stride - 2 * pad + kernel + output_padding);
  }
  const double bound = 1.0 / std::sqrt(static_cast<double>(element_count(w) / in[0]));
  std::vector<std::string> inputs = {x, add_weight(name + "_w", w, bound)};
  if (bias) inputs.push_back(add_weight(name + "_b", {channels}, bound));
  return add_node("ConvTranspose", inputs, out,
                  {{"kernel_shape", std::vector<int64_t>(rank, kernel)},
                   {"strides", std::vector<int64_t>(rank, stride)},
                   {"pads", std::vector<int64_t>(2 * rank, pad)},
                   {"output_padding", std::vector<int64_t>(rank, output_padding)}});
}

std::string GraphMaker::pool(const std::string& op, const std::string& x, int64_t kernel, int64_t stride, int64_t pad) {
  const Shape in = shape(x);
  const size_t rank = in.size() - 1;
  Shape out = {in[0]};
  for (size_t i = 0; i < rank; ++i) out.push_back((in[i + 1] + 2 * pad - kernel) / stride + 1);
  return add_node(op, {x}, out,
                  {{"kernel_shape", std::vector<int64_t>(rank, kernel)},
                   {"strides", std::vector<int64_t>(rank, stride)},
                   {"pads", std::vector<int64_t>(2 * rank, pad)}});
}

std::string GraphMaker::global_average_pool(const std::string& x) {
  Shape out = shape(x);
  std::fill(out.begin() + 1, out.end(), 1);
  return add_node("GlobalAveragePool", {x}, out);
}

std::string GraphMaker::batchnorm(const std::string& x, double momentum, double epsilon) {
  const int64_t c = shape(x)[0];
  const std::string name = "bn" + std::to_string(counter_);
  std::uniform_real_distribution<float> positive(0.5f, 1.5f), centred(-0.5f, 0.5f);
  Tensor scale({c}), shift({c}), mean({c}), var({c});
  for (int64_t i = 0; i < c; ++i) {
    scale[i] = positive(rng_);
    shift[i] = centred(rng_);
    mean[i] = centred(rng_);
    var[i] = positive(rng_);
  }
  spec_.weights[name + "_scale"] = scale;
  spec_.weights[name + "_shift"] = shift;
  spec_.weights[name + "_mean"] = mean;
  spec_.weights[name + "_var"] = var;
  return add_node("BatchNormalization", {x, name + "_scale", name + "_shift", name + "_mean", name + "_var"}, shape(x),
                  {{"momentum", momentum}, {"epsilon", epsilon}});
}

std::string GraphMaker::unary(const std::string& op, const std::string& x, double alpha) {
  std::map<std::string, AttributeValue> attributes;
  if (op == "LeakyRelu") attributes["alpha"] = alpha;
  return add_node(op, {x}, shape(x), attributes);
}

std::string GraphMaker::softmax(const std::string& x) {
  return add_node("Softmax", {x}, shape(x), {{"axis", int64_t{1}}});
}

std::string GraphMaker::dropout(const std::string& x, double ratio, bool spatial) {
  return add_node("Dropout", {x}, shape(x), {{"ratio", ratio}, {"nv_spatial", int64_t{spatial ? 1 : 0}}});
}

std::string GraphMaker::flatten(const std::string& x) {
  return add_node("Flatten", {x}, {element_count(shape(x))}, {{"axis", int64_t{1}}});
}

std::string GraphMaker::gemm(const std::string& x, int64_t outputs, bool transposed_weights, bool bias) {
  const int64_t features = shape(x).at(0);
  const std::string name = "dense" + std::to_string(counter_);
  const double bound = 1.0 / std::sqrt(static_cast<double>(features));
  Shape w = transposed_weights ? Shape{outputs, features} : Shape{features, outputs};
  std::vector<std::string> inputs = {x, add_weight(name + "_w", w, bound)};
  if (bias) inputs.push_back(add_weight(name + "_b", {outputs}, bound));
  return add_node("Gemm", inputs, {outputs}, {{"transB", int64_t{transposed_weights ? 1 : 0}}});
}

std::string GraphMaker::concat(const std::vector<std::string>& xs) {
  Shape out = shape(xs[0]);
  out[0] = 0;
  for (const std::string& x : xs) out[0] += shape(x)[0];
  return add_node("Concat", xs, out, {{"axis", int64_t{1}}});
}

std::string GraphMaker::add(const std::string& a, const std::string& b) { return add_node("Add", {a, b}, shape(a)); }

std::string GraphMaker::resize(const std::string& x, const std::string& mode, int64_t scale) {
  Shape out = shape(x);
  for (size_t i = 1; i < out.size(); ++i) out[i] *= scale;
  return add_node("Resize", {x}, out, {{"mode", mode}, {"nv_scale", scale}});
}

GraphSpec GraphMaker::finish(const std::string& output) {
  spec_.output_name = output;
  spec_.validate();
  return spec_;
}

}  // namespace nv::test
