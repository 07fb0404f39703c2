#include "neuralview/graph_builder.h"

#include <stdexcept>

#include "graph_builder_shapes.h"
#include "weight_init.h"

namespace nv {

namespace {

std::vector<int64_t> repeated(int64_t value, size_t count) { return std::vector<int64_t>(count, value); }

void require_positive(int64_t value, const char* what, const std::string& layer) {
  if (value < 1) throw std::invalid_argument(layer + ": " + what + " must be at least 1, got " + std::to_string(value));
}

void require_non_negative(int64_t value, const char* what, const std::string& layer) {
  if (value < 0)
    throw std::invalid_argument(layer + ": " + what + " must not be negative, got " + std::to_string(value));
}

}  // namespace

GraphBuilder::GraphBuilder(Shape input_shape, uint64_t seed, std::string input_name)
    : random_(std::make_unique<detail::WeightRandom>(seed)) {
  if (input_shape.size() != 3 && input_shape.size() != 4)
    throw std::invalid_argument("a network input must be (C,H,W) or (C,D,H,W) per sample, got " +
                                shape_to_string(input_shape));
  for (int64_t d : input_shape)
    if (d < 1) throw std::invalid_argument("input shape " + shape_to_string(input_shape) + " has an empty axis");
  if (input_name.empty()) throw std::invalid_argument("the input tensor needs a name");
  spec_.input_name = input_name;
  spec_.input_shape = input_shape;
  shapes_[input_name] = std::move(input_shape);
  taken_names_.insert(std::move(input_name));
}

GraphBuilder::~GraphBuilder() = default;
GraphBuilder::GraphBuilder(GraphBuilder&&) noexcept = default;
GraphBuilder& GraphBuilder::operator=(GraphBuilder&&) noexcept = default;

const std::string& GraphBuilder::input() const { return spec_.input_name; }

bool GraphBuilder::has_tensor(const std::string& tensor) const { return shapes_.count(tensor) != 0; }

const Shape& GraphBuilder::shape(const std::string& tensor) const {
  auto it = shapes_.find(tensor);
  if (it == shapes_.end()) throw std::invalid_argument("no tensor named '" + tensor + "' in the network");
  return it->second;
}

void GraphBuilder::require_tensor(const std::string& tensor, const std::string& layer) const {
  if (!has_tensor(tensor))
    throw std::invalid_argument(layer + ": input '" + tensor + "' is not a tensor of the network");
}

std::string GraphBuilder::unique_name(const std::string& requested, const std::string& prefix) {
  if (!requested.empty()) {
    if (taken_names_.count(requested)) throw std::invalid_argument("the name '" + requested + "' is already used");
    return requested;
  }
  int& counter = name_counters_[prefix];
  std::string candidate;
  do candidate = prefix + std::to_string(++counter);
  while (taken_names_.count(candidate));
  return candidate;
}

std::string GraphBuilder::append(NodeSpec node, std::map<std::string, Tensor> new_weights) {
  static const std::map<std::string, std::string> prefixes = {
      {"Conv", "conv"},       {"ConvTranspose", "conv_transpose"},
      {"MaxPool", "maxpool"}, {"AveragePool", "avgpool"},
      {"Relu", "relu"},       {"GlobalAveragePool", "global_avgpool"},
      {"Tanh", "tanh"},       {"BatchNormalization", "bn"},
      {"Sigmoid", "sigmoid"}, {"Dropout", "dropout"},
      {"Softmax", "softmax"}, {"LeakyRelu", "leaky_relu"},
      {"Gemm", "dense"},      {"Flatten", "flatten"},
      {"Concat", "concat"},   {"Add", "add"},
      {"Resize", "upsample"}};
  auto prefix = prefixes.find(node.op);
  if (prefix == prefixes.end()) throw std::invalid_argument("unsupported operation '" + node.op + "'");
  // Checked before a name is taken so that a failed append leaves the builder unchanged.
  if (!node.name.empty() && taken_names_.count(node.name))
    throw std::invalid_argument("the name '" + node.name + "' is already used");
  const std::string name = node.name.empty() ? unique_name("", prefix->second) : node.name;
  node.name = name;
  if (node.outputs.empty()) node.outputs = {name};
  if (node.outputs.size() != 1) throw std::invalid_argument("node '" + name + "' must have exactly one output");
  const std::string& output = node.outputs[0];
  if (output != name && taken_names_.count(output))
    throw std::invalid_argument("node '" + name + "': the output name '" + output + "' is already used");
  for (const auto& [weight_name, tensor] : new_weights)
    if (taken_names_.count(weight_name) || weight_name == name || weight_name == output)
      throw std::invalid_argument("node '" + name + "': the weight name '" + weight_name + "' is already used");

  const size_t activation_count = detail::activation_input_count(node);
  std::vector<Shape> activation_shapes;
  for (size_t i = 0; i < activation_count; ++i) {
    require_tensor(node.inputs[i], "node '" + name + "' (" + node.op + ")");
    activation_shapes.push_back(shapes_.at(node.inputs[i]));
  }
  // Weights may be new or shared with earlier nodes.
  std::map<std::string, Tensor> visible_weights = std::move(new_weights);
  for (size_t i = activation_count; i < node.inputs.size(); ++i) {
    const std::string& w = node.inputs[i];
    if (w.empty() || visible_weights.count(w)) continue;
    auto existing = spec_.weights.find(w);
    if (existing != spec_.weights.end()) visible_weights.insert(*existing);
  }
  Shape out = detail::infer_node_shape(node, activation_shapes, visible_weights);

  for (auto& [weight_name, tensor] : visible_weights) {
    if (spec_.weights.count(weight_name)) continue;
    taken_names_.insert(weight_name);
    spec_.weights.emplace(weight_name, std::move(tensor));
  }
  taken_names_.insert(name);
  taken_names_.insert(output);
  shapes_[output] = std::move(out);
  spec_.nodes.push_back(std::move(node));
  return output;
}

std::string GraphBuilder::conv(const std::string& x, int64_t out_channels, int64_t kernel, int64_t stride, int64_t pad,
                               int64_t dilation, bool bias, const std::string& name) {
  const std::string layer = "conv" + (name.empty() ? std::string() : " '" + name + "'");
  require_tensor(x, layer);
  require_positive(out_channels, "the number of output channels", layer);
  require_positive(kernel, "the kernel size", layer);
  require_positive(stride, "the stride", layer);
  require_positive(dilation, "the dilation", layer);
  require_non_negative(pad, "the padding", layer);
  const Shape& in = shape(x);
  if (in.size() < 2) throw std::invalid_argument(layer + ": input '" + x + "' has no spatial axes");
  const size_t spatial_rank = in.size() - 1;
  NodeSpec node;
  node.op = "Conv";
  node.name = unique_name(name, "conv");
  Shape weight_shape{out_channels, in[0]};
  weight_shape.insert(weight_shape.end(), spatial_rank, kernel);
  std::map<std::string, Tensor> weights;
  weights[node.name + ".weight"] = detail::pytorch_default_weight(weight_shape, *random_);
  node.inputs = {x, node.name + ".weight"};
  if (bias) {
    weights[node.name + ".bias"] = detail::pytorch_default_bias(out_channels, weight_shape, *random_);
    node.inputs.push_back(node.name + ".bias");
  }
  node.attributes = {{"kernel_shape", repeated(kernel, spatial_rank)},
                     {"strides", repeated(stride, spatial_rank)},
                     {"pads", repeated(pad, 2 * spatial_rank)},
                     {"dilations", repeated(dilation, spatial_rank)},
                     {"group", int64_t{1}}};
  return append(std::move(node), std::move(weights));
}

std::string GraphBuilder::conv_transpose(const std::string& x, int64_t out_channels, int64_t kernel, int64_t stride,
                                         int64_t pad, int64_t output_padding, bool bias, const std::string& name) {
  const std::string layer = "conv_transpose" + (name.empty() ? std::string() : " '" + name + "'");
  require_tensor(x, layer);
  require_positive(out_channels, "the number of output channels", layer);
  require_positive(kernel, "the kernel size", layer);
  require_positive(stride, "the stride", layer);
  require_non_negative(pad, "the padding", layer);
  require_non_negative(output_padding, "the output padding", layer);
  const Shape& in = shape(x);
  if (in.size() < 2) throw std::invalid_argument(layer + ": input '" + x + "' has no spatial axes");
  const size_t spatial_rank = in.size() - 1;
  NodeSpec node;
  node.op = "ConvTranspose";
  node.name = unique_name(name, "conv_transpose");
  // PyTorch's ConvTranspose weight is (in, out, kernel...); its fan_in is out * kernel volume.
  Shape weight_shape{in[0], out_channels};
  weight_shape.insert(weight_shape.end(), spatial_rank, kernel);
  std::map<std::string, Tensor> weights;
  weights[node.name + ".weight"] = detail::pytorch_default_weight(weight_shape, *random_);
  node.inputs = {x, node.name + ".weight"};
  if (bias) {
    weights[node.name + ".bias"] = detail::pytorch_default_bias(out_channels, weight_shape, *random_);
    node.inputs.push_back(node.name + ".bias");
  }
  node.attributes = {{"kernel_shape", repeated(kernel, spatial_rank)},
                     {"strides", repeated(stride, spatial_rank)},
                     {"pads", repeated(pad, 2 * spatial_rank)},
                     {"output_padding", repeated(output_padding, spatial_rank)}};
  return append(std::move(node), std::move(weights));
}

namespace {

NodeSpec pool_node(const std::string& op, const std::string& x, size_t spatial_rank, int64_t kernel, int64_t stride,
                   int64_t pad) {
  NodeSpec node;
  node.op = op;
  node.inputs = {x};
  node.attributes = {{"kernel_shape", repeated(kernel, spatial_rank)},
                     {"strides", repeated(stride == 0 ? kernel : stride, spatial_rank)},
                     {"pads", repeated(pad, 2 * spatial_rank)}};
  return node;
}

NodeSpec simple_node(const std::string& op, std::vector<std::string> inputs, const std::string& name) {
  NodeSpec node;
  node.op = op;
  node.name = name;
  node.inputs = std::move(inputs);
  return node;
}

}  // namespace

std::string GraphBuilder::max_pool(const std::string& x, int64_t kernel, int64_t stride, int64_t pad,
                                   const std::string& name) {
  require_tensor(x, "max_pool");
  require_positive(kernel, "the kernel size", "max_pool");
  require_non_negative(stride, "the stride", "max_pool");
  NodeSpec node = pool_node("MaxPool", x, shape(x).size() - 1, kernel, stride, pad);
  node.name = name;
  return append(std::move(node));
}

std::string GraphBuilder::avg_pool(const std::string& x, int64_t kernel, int64_t stride, int64_t pad,
                                   const std::string& name) {
  require_tensor(x, "avg_pool");
  require_positive(kernel, "the kernel size", "avg_pool");
  require_non_negative(stride, "the stride", "avg_pool");
  NodeSpec node = pool_node("AveragePool", x, shape(x).size() - 1, kernel, stride, pad);
  node.name = name;
  return append(std::move(node));
}

std::string GraphBuilder::global_avg_pool(const std::string& x, const std::string& name) {
  return append(simple_node("GlobalAveragePool", {x}, name));
}

std::string GraphBuilder::batch_norm(const std::string& x, double epsilon, double momentum, const std::string& name) {
  require_tensor(x, "batch_norm");
  if (!(epsilon > 0.0)) throw std::invalid_argument("batch_norm: epsilon must be positive");
  if (!(momentum >= 0.0 && momentum <= 1.0)) throw std::invalid_argument("batch_norm: momentum must lie in [0, 1]");
  NodeSpec node;
  node.op = "BatchNormalization";
  node.name = unique_name(name, "bn");
  const int64_t channels = shape(x).at(0);
  const std::string n = node.name;
  std::map<std::string, Tensor> weights;
  weights[n + ".weight"] = Tensor(Shape{channels}, 1.0f);
  weights[n + ".bias"] = Tensor(Shape{channels}, 0.0f);
  weights[n + ".running_mean"] = Tensor(Shape{channels}, 0.0f);
  weights[n + ".running_var"] = Tensor(Shape{channels}, 1.0f);
  node.inputs = {x, n + ".weight", n + ".bias", n + ".running_mean", n + ".running_var"};
  node.attributes = {{"epsilon", epsilon}, {"momentum", momentum}};
  return append(std::move(node), std::move(weights));
}

std::string GraphBuilder::dropout(const std::string& x, double ratio, bool spatial, const std::string& name) {
  if (!(ratio >= 0.0 && ratio < 1.0))
    throw std::invalid_argument("dropout: ratio must lie in [0, 1), got " + std::to_string(ratio));
  NodeSpec node = simple_node("Dropout", {x}, name);
  node.attributes = {{"ratio", ratio}};
  if (spatial) node.attributes["nv_spatial"] = int64_t{1};
  return append(std::move(node));
}

std::string GraphBuilder::relu(const std::string& x, const std::string& name) {
  return append(simple_node("Relu", {x}, name));
}

std::string GraphBuilder::leaky_relu(const std::string& x, double alpha, const std::string& name) {
  NodeSpec node = simple_node("LeakyRelu", {x}, name);
  node.attributes = {{"alpha", alpha}};
  return append(std::move(node));
}

std::string GraphBuilder::tanh(const std::string& x, const std::string& name) {
  return append(simple_node("Tanh", {x}, name));
}

std::string GraphBuilder::sigmoid(const std::string& x, const std::string& name) {
  return append(simple_node("Sigmoid", {x}, name));
}

std::string GraphBuilder::softmax(const std::string& x, const std::string& name) {
  NodeSpec node = simple_node("Softmax", {x}, name);
  node.attributes = {{"axis", int64_t{1}}};
  return append(std::move(node));
}

std::string GraphBuilder::dense(const std::string& x, int64_t units, bool bias, const std::string& name) {
  const std::string layer = "dense" + (name.empty() ? std::string() : " '" + name + "'");
  require_tensor(x, layer);
  require_positive(units, "the number of units", layer);
  const Shape& in = shape(x);
  if (in.size() != 1)
    throw std::invalid_argument(layer + ": input '" + x + "' has shape " + shape_to_string(in) +
                                " per sample; a dense layer needs a flat input (add a flatten layer first)");
  NodeSpec node;
  node.op = "Gemm";
  node.name = unique_name(name, "dense");
  const Shape weight_shape{units, in[0]};
  std::map<std::string, Tensor> weights;
  weights[node.name + ".weight"] = detail::pytorch_default_weight(weight_shape, *random_);
  node.inputs = {x, node.name + ".weight"};
  if (bias) {
    weights[node.name + ".bias"] = detail::pytorch_default_bias(units, weight_shape, *random_);
    node.inputs.push_back(node.name + ".bias");
  }
  node.attributes = {{"transB", int64_t{1}}};
  return append(std::move(node), std::move(weights));
}

std::string GraphBuilder::flatten(const std::string& x, const std::string& name) {
  NodeSpec node = simple_node("Flatten", {x}, name);
  node.attributes = {{"axis", int64_t{1}}};
  return append(std::move(node));
}

std::string GraphBuilder::concat(const std::vector<std::string>& xs, const std::string& name) {
  if (xs.empty()) throw std::invalid_argument("concat needs at least one input");
  NodeSpec node = simple_node("Concat", xs, name);
  node.attributes = {{"axis", int64_t{1}}};
  return append(std::move(node));
}

std::string GraphBuilder::add(const std::string& a, const std::string& b, const std::string& name) {
  return append(simple_node("Add", {a, b}, name));
}

std::string GraphBuilder::upsample(const std::string& x, const std::string& mode, int64_t factor,
                                   const std::string& name) {
  if (mode != "nearest" && mode != "linear")
    throw std::invalid_argument("upsample: mode must be 'nearest' or 'linear', got '" + mode + "'");
  require_positive(factor, "the upsampling factor", "upsample");
  NodeSpec node = simple_node("Resize", {x}, name);
  node.attributes = {{"mode", mode}, {"nv_scale", factor}};
  return append(std::move(node));
}

GraphSpec GraphBuilder::build(const std::string& output) const {
  if (!has_tensor(output) || output == spec_.input_name)
    throw std::invalid_argument("the network output '" + output + "' is not produced by any layer");
  GraphSpec spec = spec_;
  spec.output_name = output;
  spec.validate();
  return spec;
}

std::map<std::string, Shape> infer_shapes(const GraphSpec& spec) {
  spec.validate();
  std::map<std::string, Shape> shapes{{spec.input_name, spec.input_shape}};
  for (const NodeSpec& node : spec.nodes) {
    std::vector<Shape> activation_shapes;
    const size_t count = detail::activation_input_count(node);
    for (size_t i = 0; i < count && i < node.inputs.size(); ++i) {
      auto it = shapes.find(node.inputs[i]);
      if (it == shapes.end())
        throw std::invalid_argument("node '" + node.name + "' (" + node.op + ") reads '" + node.inputs[i] +
                                    "' as an activation, but it is a weight");
      activation_shapes.push_back(it->second);
    }
    shapes[node.outputs.at(0)] = detail::infer_node_shape(node, activation_shapes, spec.weights);
  }
  return shapes;
}

int64_t trainable_parameter_count(const GraphSpec& spec) {
  std::set<std::string> running_statistics;
  for (const NodeSpec& node : spec.nodes)
    if (node.op == "BatchNormalization")
      for (size_t i = 3; i < node.inputs.size(); ++i) running_statistics.insert(node.inputs[i]);
  int64_t count = 0;
  for (const auto& [name, tensor] : spec.weights)
    if (!running_statistics.count(name)) count += tensor.size();
  return count;
}

}  // namespace nv
