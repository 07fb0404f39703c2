#include "graph_builder_shapes.h"

#include <stdexcept>

namespace nv::detail {

namespace {

[[noreturn]] void fail(const NodeSpec& node, const std::string& problem) {
  throw std::invalid_argument("node '" + node.name + "' (" + node.op + "): " + problem);
}

const Tensor& weight_of(const NodeSpec& node, size_t input_index, const std::map<std::string, Tensor>& weights) {
  if (input_index >= node.inputs.size()) fail(node, "missing input #" + std::to_string(input_index));
  auto it = weights.find(node.inputs[input_index]);
  if (it == weights.end()) fail(node, "weight '" + node.inputs[input_index] + "' does not exist");
  return it->second;
}

const Tensor* optional_weight(const NodeSpec& node, size_t input_index, const std::map<std::string, Tensor>& weights) {
  if (input_index >= node.inputs.size() || node.inputs[input_index].empty()) return nullptr;
  return &weight_of(node, input_index, weights);
}

// An integer list attribute with one entry per spatial axis (or two for pads).
std::vector<int64_t> spatial_attribute(const NodeSpec& node, const std::string& key, size_t expected_size,
                                       int64_t fallback) {
  std::vector<int64_t> values = node.ints_attribute(key, std::vector<int64_t>(expected_size, fallback));
  if (values.size() != expected_size)
    fail(node, "attribute '" + key + "' needs " + std::to_string(expected_size) + " values, got " +
                   std::to_string(values.size()));
  return values;
}

void require_rank(const NodeSpec& node, const Shape& shape, size_t minimum_rank) {
  if (shape.size() < minimum_rank)
    fail(node, "input shape " + shape_to_string(shape) + " needs at least " + std::to_string(minimum_rank) +
                   " dimensions per sample");
}

void require_bias(const NodeSpec& node, const Tensor* bias, int64_t channels) {
  if (bias && !(bias->rank() == 1 && bias->dim(0) == channels))
    fail(node, "bias '" + node.inputs[2] + "' has shape " + shape_to_string(bias->shape()) + ", expected (" +
                   std::to_string(channels) + ")");
}

struct WindowGeometry {
  std::vector<int64_t> kernel, strides, pads, dilations;
};

WindowGeometry window_geometry(const NodeSpec& node, size_t spatial_rank, const std::vector<int64_t>& kernel_fallback) {
  WindowGeometry g;
  g.kernel = node.ints_attribute("kernel_shape", kernel_fallback);
  if (g.kernel.size() != spatial_rank)
    fail(node,
         "kernel_shape needs " + std::to_string(spatial_rank) + " values, got " + std::to_string(g.kernel.size()));
  g.strides = spatial_attribute(node, "strides", spatial_rank, 1);
  g.pads = spatial_attribute(node, "pads", 2 * spatial_rank, 0);
  g.dilations = spatial_attribute(node, "dilations", spatial_rank, 1);
  for (size_t i = 0; i < spatial_rank; ++i) {
    if (g.kernel[i] < 1) fail(node, "kernel_shape must be positive");
    if (g.strides[i] < 1) fail(node, "strides must be positive");
    if (g.dilations[i] < 1) fail(node, "dilations must be positive");
    if (g.pads[i] < 0 || g.pads[i + spatial_rank] < 0) fail(node, "pads must not be negative");
  }
  return g;
}

// Output extent of a convolution or pooling window sliding over `shape`.
Shape sliding_window_shape(const NodeSpec& node, const Shape& input, int64_t out_channels, const WindowGeometry& g) {
  const size_t spatial_rank = input.size() - 1;
  Shape out{out_channels};
  for (size_t i = 0; i < spatial_rank; ++i) {
    const int64_t span = g.dilations[i] * (g.kernel[i] - 1) + 1;
    const int64_t padded = input[i + 1] + g.pads[i] + g.pads[i + spatial_rank];
    if (padded < span)
      fail(node, "the window of extent " + std::to_string(span) + " does not fit the padded input extent " +
                     std::to_string(padded) + " of axis " + std::to_string(i + 2) + " (input shape " +
                     shape_to_string(input) + ")");
    out.push_back((padded - span) / g.strides[i] + 1);
  }
  return out;
}

Shape conv_shape(const NodeSpec& node, const Shape& x, const std::map<std::string, Tensor>& weights) {
  require_rank(node, x, 2);
  const Tensor& w = weight_of(node, 1, weights);
  const size_t spatial_rank = x.size() - 1;
  if (w.rank() != spatial_rank + 2)
    fail(node, "weight '" + node.inputs[1] + "' has shape " + shape_to_string(w.shape()) + ", expected rank " +
                   std::to_string(spatial_rank + 2) + " for input " + shape_to_string(x));
  const int64_t group = node.int_attribute("group", 1);
  if (group < 1 || x[0] % group != 0 || w.dim(0) % group != 0) fail(node, "invalid group " + std::to_string(group));
  if (w.dim(1) * group != x[0])
    fail(node, "weight '" + node.inputs[1] + "' of shape " + shape_to_string(w.shape()) + " expects " +
                   std::to_string(w.dim(1) * group) + " input channels, the input has " + std::to_string(x[0]));
  const Shape kernel(w.shape().begin() + 2, w.shape().end());
  const WindowGeometry g = window_geometry(node, spatial_rank, kernel);
  if (g.kernel != kernel) fail(node, "kernel_shape does not match weight shape " + shape_to_string(w.shape()));
  require_bias(node, optional_weight(node, 2, weights), w.dim(0));
  return sliding_window_shape(node, x, w.dim(0), g);
}

Shape conv_transpose_shape(const NodeSpec& node, const Shape& x, const std::map<std::string, Tensor>& weights) {
  require_rank(node, x, 2);
  const Tensor& w = weight_of(node, 1, weights);
  const size_t spatial_rank = x.size() - 1;
  if (w.rank() != spatial_rank + 2 || w.dim(0) != x[0])
    fail(node, "weight '" + node.inputs[1] + "' has shape " + shape_to_string(w.shape()) + ", expected (" +
                   std::to_string(x[0]) + ", out_channels, kernel...) for input " + shape_to_string(x));
  const int64_t group = node.int_attribute("group", 1);
  if (group != 1) fail(node, "grouped transposed convolution is not supported");
  const Shape kernel(w.shape().begin() + 2, w.shape().end());
  const WindowGeometry g = window_geometry(node, spatial_rank, kernel);
  if (g.kernel != kernel) fail(node, "kernel_shape does not match weight shape " + shape_to_string(w.shape()));
  const std::vector<int64_t> output_padding = spatial_attribute(node, "output_padding", spatial_rank, 0);
  require_bias(node, optional_weight(node, 2, weights), w.dim(1));
  Shape out{w.dim(1)};
  for (size_t i = 0; i < spatial_rank; ++i) {
    if (output_padding[i] < 0 || output_padding[i] >= std::max(g.strides[i], g.dilations[i]))
      fail(node, "output_padding must be smaller than the stride");
    const int64_t extent = g.strides[i] * (x[i + 1] - 1) + output_padding[i] + g.dilations[i] * (g.kernel[i] - 1) + 1 -
                           g.pads[i] - g.pads[i + spatial_rank];
    if (extent < 1) fail(node, "the output would be empty for input " + shape_to_string(x));
    out.push_back(extent);
  }
  return out;
}

Shape pool_shape(const NodeSpec& node, const Shape& x) {
  require_rank(node, x, 2);
  if (!node.attributes.count("kernel_shape")) fail(node, "attribute 'kernel_shape' is required");
  const WindowGeometry g = window_geometry(node, x.size() - 1, {});
  for (size_t i = 0; i < g.kernel.size(); ++i)
    if (g.pads[i] >= g.kernel[i] || g.pads[i + g.kernel.size()] >= g.kernel[i])
      fail(node, "pads must be smaller than the kernel");
  return sliding_window_shape(node, x, x[0], g);
}

Shape batch_norm_shape(const NodeSpec& node, const Shape& x, const std::map<std::string, Tensor>& weights) {
  require_rank(node, x, 1);
  if (node.inputs.size() != 5) fail(node, "needs inputs X, scale, B, mean, var");
  for (size_t i = 1; i < 5; ++i) {
    const Tensor& w = weight_of(node, i, weights);
    if (!(w.rank() == 1 && w.dim(0) == x[0]))
      fail(node, "'" + node.inputs[i] + "' has shape " + shape_to_string(w.shape()) + ", expected (" +
                     std::to_string(x[0]) + ")");
  }
  return x;
}

Shape gemm_shape(const NodeSpec& node, const Shape& x, const std::map<std::string, Tensor>& weights) {
  if (x.size() != 1)
    fail(node, "a dense layer needs a flat input per sample, got " + shape_to_string(x) + " (flatten it first)");
  const Tensor& w = weight_of(node, 1, weights);
  const bool transposed = node.int_attribute("transB", 0) != 0;
  if (w.rank() != 2) fail(node, "weight '" + node.inputs[1] + "' must be a matrix");
  const int64_t in = transposed ? w.dim(1) : w.dim(0);
  const int64_t out = transposed ? w.dim(0) : w.dim(1);
  if (in != x[0])
    fail(node, "weight '" + node.inputs[1] + "' of shape " + shape_to_string(w.shape()) + " expects " +
                   std::to_string(in) + " input features, the input has " + std::to_string(x[0]));
  require_bias(node, optional_weight(node, 2, weights), out);
  return {out};
}

int64_t channel_axis(const NodeSpec& node, size_t per_sample_rank, int64_t fallback) {
  int64_t axis = node.int_attribute("axis", fallback);
  const int64_t full_rank = static_cast<int64_t>(per_sample_rank) + 1;
  if (axis < 0) axis += full_rank;
  if (axis != 1) fail(node, "only the channel axis 1 is supported, got axis " + std::to_string(axis));
  return axis;
}

Shape concat_shape(const NodeSpec& node, const std::vector<Shape>& inputs) {
  if (inputs.empty()) fail(node, "needs at least one input");
  channel_axis(node, inputs[0].size(), 1);
  Shape out = inputs[0];
  require_rank(node, out, 1);
  for (size_t i = 1; i < inputs.size(); ++i) {
    const Shape& s = inputs[i];
    if (s.size() != out.size() || !std::equal(s.begin() + 1, s.end(), out.begin() + 1))
      fail(node, "input '" + node.inputs[i] + "' of shape " + shape_to_string(s) + " cannot be concatenated with '" +
                     node.inputs[0] + "' of shape " + shape_to_string(inputs[0]) + " along the channels");
    out[0] += s[0];
  }
  return out;
}

Shape resize_shape(const NodeSpec& node, const Shape& x) {
  require_rank(node, x, 2);
  const std::string mode = node.string_attribute("mode", "nearest");
  if (mode != "nearest" && mode != "linear") fail(node, "mode must be 'nearest' or 'linear', got '" + mode + "'");
  const int64_t scale = node.int_attribute("nv_scale", 0);
  if (scale < 1) fail(node, "attribute 'nv_scale' (integer upsampling factor >= 1) is required");
  Shape out = x;
  for (size_t i = 1; i < out.size(); ++i) out[i] *= scale;
  return out;
}

}  // namespace

size_t activation_input_count(const NodeSpec& node) {
  if (node.op == "Concat" || node.op == "Add") return node.inputs.size();
  return node.inputs.empty() ? 0 : 1;
}

Shape infer_node_shape(const NodeSpec& node, const std::vector<Shape>& in,
                       const std::map<std::string, Tensor>& weights) {
  const size_t expected_activations = activation_input_count(node);
  if (in.size() != expected_activations || in.empty())
    fail(node,
         "expected " + std::to_string(expected_activations) + " activation inputs, got " + std::to_string(in.size()));
  const std::string& op = node.op;
  const Shape& x = in[0];
  if (op == "Conv") return conv_shape(node, x, weights);
  if (op == "ConvTranspose") return conv_transpose_shape(node, x, weights);
  if (op == "MaxPool" || op == "AveragePool") return pool_shape(node, x);
  if (op == "GlobalAveragePool") {
    require_rank(node, x, 2);
    Shape out(x.size(), 1);
    out[0] = x[0];
    return out;
  }
  if (op == "BatchNormalization") return batch_norm_shape(node, x, weights);
  if (op == "Dropout") {
    const double ratio = node.float_attribute("ratio", 0.5);
    if (!(ratio >= 0.0 && ratio < 1.0)) fail(node, "ratio must lie in [0, 1)");
    return x;
  }
  if (op == "Relu" || op == "LeakyRelu" || op == "Tanh" || op == "Sigmoid") return x;
  if (op == "Softmax") {
    channel_axis(node, x.size(), 1);
    return x;
  }
  if (op == "Gemm") return gemm_shape(node, x, weights);
  if (op == "Flatten") {
    channel_axis(node, x.size(), 1);
    return {element_count(x)};
  }
  if (op == "Concat") return concat_shape(node, in);
  if (op == "Add") {
    if (in.size() != 2 || in[0] != in[1])
      fail(node, "needs two inputs of equal shape, got " + shape_to_string(in[0]) +
                     (in.size() > 1 ? " and " + shape_to_string(in[1]) : std::string()));
    return x;
  }
  if (op == "Resize") return resize_shape(node, x);
  fail(node, "unsupported operation");
}

}  // namespace nv::detail
