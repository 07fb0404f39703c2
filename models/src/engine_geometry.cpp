#include "engine_geometry.h"

#include <cmath>
#include <stdexcept>

namespace nv::engine {

namespace {

[[noreturn]] void fail(const NodeSpec& node, const std::string& message) {
  throw std::invalid_argument("node '" + node.name + "' (" + node.op + "): " + message);
}

std::string ints_to_string(const std::vector<int64_t>& values) { return shape_to_string(values); }

bool is_weighted_op(const std::string& op) { return op == "Conv" || op == "ConvTranspose" || op == "Gemm"; }

// Spatial attribute with ONNX defaults, checked for length and range.
std::vector<int64_t> spatial_attribute(const NodeSpec& node, const std::string& key, size_t spatial_rank,
                                       int64_t fallback, int64_t minimum) {
  std::vector<int64_t> values = node.ints_attribute(key, std::vector<int64_t>(spatial_rank, fallback));
  if (values.size() != spatial_rank)
    fail(node, "attribute '" + key + "' has " + std::to_string(values.size()) + " values, expected " +
                   std::to_string(spatial_rank) + " for a " + std::to_string(spatial_rank) + "-D input");
  for (int64_t v : values)
    if (v < minimum) fail(node, "attribute '" + key + "' = " + ints_to_string(values) + " is out of range");
  return values;
}

// Reads pads/auto_pad. For SAME_* the total padding depends on the output
// size, which the caller computes as ceil(in / stride).
void read_pads(const NodeSpec& node, const Shape& input, NodeGeometry& g, bool transposed) {
  const size_t rank = g.kernel.size();
  const std::string auto_pad = node.string_attribute("auto_pad", "NOTSET");
  if (auto_pad == "NOTSET") {
    std::vector<int64_t> pads = node.ints_attribute("pads", std::vector<int64_t>(2 * rank, 0));
    if (pads.size() != 2 * rank)
      fail(node,
           "attribute 'pads' has " + std::to_string(pads.size()) + " values, expected " + std::to_string(2 * rank));
    for (int64_t p : pads)
      if (p < 0) fail(node, "negative padding " + ints_to_string(pads) + " is not supported");
    g.pads_begin.assign(pads.begin(), pads.begin() + static_cast<std::ptrdiff_t>(rank));
    g.pads_end.assign(pads.begin() + static_cast<std::ptrdiff_t>(rank), pads.end());
  } else if (auto_pad == "VALID") {
    g.pads_begin.assign(rank, 0);
    g.pads_end.assign(rank, 0);
  } else if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
    if (transposed) fail(node, "auto_pad " + auto_pad + " is not supported for ConvTranspose; give explicit pads");
    g.pads_begin.resize(rank);
    g.pads_end.resize(rank);
    for (size_t i = 0; i < rank; ++i) {
      const int64_t in = input[i + 2];
      const int64_t out = (in + g.strides[i] - 1) / g.strides[i];
      const int64_t extent = (g.kernel[i] - 1) * g.dilations[i] + 1;
      const int64_t total = std::max<int64_t>(0, (out - 1) * g.strides[i] + extent - in);
      const int64_t small = total / 2;
      g.pads_begin[i] = auto_pad == "SAME_UPPER" ? small : total - small;
      g.pads_end[i] = total - g.pads_begin[i];
    }
  } else {
    fail(node, "unknown auto_pad '" + auto_pad + "'");
  }
}

const Tensor& weight(const GraphSpec& spec, const NodeSpec& node, size_t slot, const std::string& role) {
  if (node.inputs.size() <= slot) fail(node, "missing input " + std::to_string(slot) + " (" + role + ")");
  auto it = spec.weights.find(node.inputs[slot]);
  if (it == spec.weights.end()) fail(node, "input '" + node.inputs[slot] + "' (" + role + ") must be a weight tensor");
  if (it->second.has_non_finite()) fail(node, "weight '" + node.inputs[slot] + "' contains NaN or Inf");
  return it->second;
}

void expect_weight_shape(const NodeSpec& node, const Tensor& w, const std::string& name, const Shape& expected) {
  if (w.shape() != expected)
    fail(node,
         "weight '" + name + "' has shape " + shape_to_string(w.shape()) + ", expected " + shape_to_string(expected));
}

int64_t spatial_size(const Shape& s) {
  int64_t n = 1;
  for (size_t i = 2; i < s.size(); ++i) n *= s[i];
  return n;
}

void require_spatial(const NodeSpec& node, const Shape& in) {
  if (in.size() != 4 && in.size() != 5)
    fail(node, "needs a 4-D (N,C,H,W) or 5-D (N,C,D,H,W) input, got shape " + shape_to_string(in));
}

void infer_convolution(const GraphSpec& spec, const NodeSpec& node, NodeGeometry& g) {
  const Shape& in = g.input_shapes[0];
  require_spatial(node, in);
  const size_t rank = in.size() - 2;
  const bool transposed = node.op == "ConvTranspose";
  const Tensor& w = weight(spec, node, 1, "W");
  if (w.rank() != rank + 2)
    fail(node, "weight '" + node.inputs[1] + "' has shape " + shape_to_string(w.shape()) + ", expected rank " +
                   std::to_string(rank + 2) + " for a " + std::to_string(rank) + "-D convolution");
  g.groups = node.int_attribute("group", 1);
  if (g.groups < 1) fail(node, "group must be positive");
  std::vector<int64_t> weight_kernel(w.shape().begin() + 2, w.shape().end());
  g.kernel = spatial_attribute(node, "kernel_shape", rank, 0, 0);
  if (!node.attributes.count("kernel_shape")) g.kernel = weight_kernel;
  if (g.kernel != weight_kernel)
    fail(node,
         "kernel_shape " + ints_to_string(g.kernel) + " disagrees with weight shape " + shape_to_string(w.shape()));
  g.strides = spatial_attribute(node, "strides", rank, 1, 1);
  g.dilations = spatial_attribute(node, "dilations", rank, 1, 1);
  read_pads(node, in, g, transposed);

  const int64_t channels = in[1];
  int64_t out_channels = 0;
  if (!transposed) {
    out_channels = w.dim(0);
    if (out_channels % g.groups != 0) fail(node, "output channels are not divisible by group");
    if (w.dim(1) * g.groups != channels)
      fail(node, "input has " + std::to_string(channels) + " channels, but weight '" + node.inputs[1] + "' " +
                     shape_to_string(w.shape()) + " expects " + std::to_string(w.dim(1) * g.groups));
  } else {
    if (w.dim(0) != channels)
      fail(node, "input has " + std::to_string(channels) + " channels, but weight '" + node.inputs[1] + "' " +
                     shape_to_string(w.shape()) + " expects " + std::to_string(w.dim(0)));
    if (channels % g.groups != 0) fail(node, "input channels are not divisible by group");
    out_channels = w.dim(1) * g.groups;
    if (node.attributes.count("output_shape"))
      fail(node, "attribute output_shape is not supported; give pads and output_padding");
  }
  std::vector<int64_t> output_padding =
      transposed ? spatial_attribute(node, "output_padding", rank, 0, 0) : std::vector<int64_t>(rank, 0);
  g.output_shape = {in[0], out_channels};
  for (size_t i = 0; i < rank; ++i) {
    const int64_t extent = (g.kernel[i] - 1) * g.dilations[i] + 1;
    int64_t out = 0;
    if (!transposed) {
      const int64_t padded = in[i + 2] + g.pads_begin[i] + g.pads_end[i];
      if (padded < extent)
        fail(node, "kernel " + ints_to_string(g.kernel) + " is larger than the padded input " + shape_to_string(in));
      out = (padded - extent) / g.strides[i] + 1;
    } else {
      if (output_padding[i] >= g.strides[i] && output_padding[i] >= g.dilations[i])
        fail(node, "output_padding must be smaller than stride or dilation");
      out = g.strides[i] * (in[i + 2] - 1) + output_padding[i] + extent - g.pads_begin[i] - g.pads_end[i];
      // oneDNN has no output_padding: it is the same as less end padding.
      g.pads_end[i] -= output_padding[i];
    }
    if (out < 1) fail(node, "output would be empty for input " + shape_to_string(in));
    g.output_shape.push_back(out);
  }
  if (node.inputs.size() > 2) {
    const Tensor& b = weight(spec, node, 2, "B");
    expect_weight_shape(node, b, node.inputs[2], {out_channels});
    g.has_bias = true;
  }
  int64_t kernel_volume = 1;
  for (int64_t k : g.kernel) kernel_volume *= k;
  const int64_t per_group_in = channels / g.groups;
  // Multiply-adds: every output (conv) or input (transposed) position touches
  // kernel_volume * in_channels/group weights per output channel.
  const double positions = static_cast<double>(transposed ? spatial_size(in) : spatial_size(g.output_shape));
  g.flops_per_sample = 2.0 * positions * static_cast<double>(kernel_volume) * static_cast<double>(per_group_in) *
                       static_cast<double>(out_channels);
}

void infer_pooling(const NodeSpec& node, NodeGeometry& g) {
  const Shape& in = g.input_shapes[0];
  require_spatial(node, in);
  const size_t rank = in.size() - 2;
  if (node.op == "GlobalAveragePool") {
    g.kernel.assign(in.begin() + 2, in.end());
    g.strides.assign(rank, 1);
    g.dilations.assign(rank, 1);
    g.pads_begin.assign(rank, 0);
    g.pads_end.assign(rank, 0);
    g.output_shape = {in[0], in[1]};
    g.output_shape.resize(in.size(), 1);
    return;
  }
  if (!node.attributes.count("kernel_shape")) fail(node, "attribute kernel_shape is required");
  g.kernel = spatial_attribute(node, "kernel_shape", rank, 1, 1);
  g.strides = spatial_attribute(node, "strides", rank, 1, 1);
  g.dilations = spatial_attribute(node, "dilations", rank, 1, 1);
  for (int64_t d : g.dilations)
    if (d != 1) fail(node, "dilated pooling is not supported");
  if (node.int_attribute("ceil_mode", 0) != 0) fail(node, "ceil_mode=1 is not supported");
  read_pads(node, in, g, false);
  g.output_shape = {in[0], in[1]};
  for (size_t i = 0; i < rank; ++i) {
    if (g.pads_begin[i] >= g.kernel[i] || g.pads_end[i] >= g.kernel[i])
      fail(node, "padding must be smaller than the kernel");
    const int64_t padded = in[i + 2] + g.pads_begin[i] + g.pads_end[i];
    if (padded < g.kernel[i])
      fail(node, "kernel " + ints_to_string(g.kernel) + " is larger than the padded input " + shape_to_string(in));
    g.output_shape.push_back((padded - g.kernel[i]) / g.strides[i] + 1);
  }
}

void infer_gemm(const GraphSpec& spec, const NodeSpec& node, NodeGeometry& g) {
  const Shape& in = g.input_shapes[0];
  if (in.size() != 2) fail(node, "needs a 2-D (N,features) input, got " + shape_to_string(in) + "; add a Flatten");
  if (node.int_attribute("transA", 0) != 0) fail(node, "transA=1 is not supported");
  if (node.float_attribute("alpha", 1.0) != 1.0 || node.float_attribute("beta", 1.0) != 1.0)
    fail(node, "alpha and beta other than 1 are not supported");
  g.transposed_weights = node.int_attribute("transB", 0) != 0;
  const Tensor& w = weight(spec, node, 1, "W");
  if (w.rank() != 2) fail(node, "weight '" + node.inputs[1] + "' must be 2-D, got " + shape_to_string(w.shape()));
  const int64_t features = g.transposed_weights ? w.dim(1) : w.dim(0);
  const int64_t outputs = g.transposed_weights ? w.dim(0) : w.dim(1);
  if (features != in[1])
    fail(node, "input has " + std::to_string(in[1]) + " features, but weight '" + node.inputs[1] + "' " +
                   shape_to_string(w.shape()) + " expects " + std::to_string(features));
  if (node.inputs.size() > 2) {
    const Tensor& b = weight(spec, node, 2, "C");
    if (b.size() != outputs || b.rank() > 2)
      fail(node, "bias '" + node.inputs[2] + "' has shape " + shape_to_string(b.shape()) + ", expected (" +
                     std::to_string(outputs) + ")");
    g.has_bias = true;
  }
  g.output_shape = {in[0], outputs};
  g.flops_per_sample = 2.0 * static_cast<double>(features) * static_cast<double>(outputs);
}

void infer_batchnorm(const GraphSpec& spec, const NodeSpec& node, NodeGeometry& g) {
  const Shape& in = g.input_shapes[0];
  if (in.size() < 2) fail(node, "needs an input with a channel axis");
  if (node.inputs.size() != 5) fail(node, "needs inputs X, scale, B, mean, var");
  static const char* roles[] = {"scale", "B", "mean", "var"};
  for (size_t slot = 1; slot < 5; ++slot) {
    const Tensor& t = weight(spec, node, slot, roles[slot - 1]);
    expect_weight_shape(node, t, node.inputs[slot], {in[1]});
  }
  const double epsilon = node.float_attribute("epsilon", 1e-5);
  if (!(epsilon > 0.0)) fail(node, "epsilon must be positive");
  const double momentum = node.float_attribute("momentum", 0.9);
  if (!(momentum >= 0.0 && momentum <= 1.0)) fail(node, "momentum must lie in [0, 1]");
  if (node.int_attribute("training_mode", 0) != 0) fail(node, "training_mode is chosen by the engine, not the file");
  g.output_shape = in;
}

int64_t normalized_axis(const NodeSpec& node, const Shape& in, int64_t fallback) {
  int64_t axis = node.int_attribute("axis", fallback);
  const int64_t rank = static_cast<int64_t>(in.size());
  if (axis < 0) axis += rank;
  if (axis < 0 || axis >= rank)
    fail(node, "axis " + std::to_string(node.int_attribute("axis", fallback)) + " is out of range");
  return axis;
}

}  // namespace

size_t activation_input_count(const NodeSpec& node) {
  if (node.op == "Concat" || node.op == "Add") return node.inputs.size();
  return std::min<size_t>(1, node.inputs.size());
}

bool is_trainable_input(const NodeSpec& node, size_t slot) {
  if (is_weighted_op(node.op)) return slot >= 1;
  if (node.op == "BatchNormalization") return slot == 1 || slot == 2;
  return false;
}

bool is_buffer_input(const NodeSpec& node, size_t slot) {
  return node.op == "BatchNormalization" && (slot == 3 || slot == 4);
}

GraphGeometry infer_geometry(const GraphSpec& spec, int64_t batch) {
  spec.validate();
  if (batch < 1) throw std::invalid_argument("batch size must be positive, got " + std::to_string(batch));
  for (int64_t d : spec.input_shape)
    if (d < 1)
      throw std::invalid_argument("input shape " + shape_to_string(spec.input_shape) + " has an empty dimension");

  GraphGeometry geometry;
  Shape input = {batch};
  input.insert(input.end(), spec.input_shape.begin(), spec.input_shape.end());
  element_count(input);  // overflow check
  geometry.value_shapes[spec.input_name] = input;
  geometry.activation_bytes = 4.0 * static_cast<double>(element_count(input));

  for (size_t n = 0; n < spec.nodes.size(); ++n) {
    const NodeSpec& node = spec.nodes[n];
    NodeGeometry g;
    const size_t activations = activation_input_count(node);
    if (activations == 0) fail(node, "has no input");
    for (size_t slot = 0; slot < node.inputs.size(); ++slot) {
      auto it = geometry.value_shapes.find(node.inputs[slot]);
      if (slot < activations) {
        if (it == geometry.value_shapes.end())
          fail(node, "input '" + node.inputs[slot] + "' is not an activation produced earlier");
        g.input_shapes.push_back(it->second);
        geometry.consumers[node.inputs[slot]].push_back({n, slot});
      } else if (it != geometry.value_shapes.end()) {
        fail(node, "input '" + node.inputs[slot] + "' must be a weight, not an activation");
      }
    }
    const Shape& in = g.input_shapes[0];
    const std::string& op = node.op;
    if (op == "Conv" || op == "ConvTranspose") {
      infer_convolution(spec, node, g);
    } else if (op == "MaxPool" || op == "AveragePool" || op == "GlobalAveragePool") {
      infer_pooling(node, g);
    } else if (op == "BatchNormalization") {
      infer_batchnorm(spec, node, g);
    } else if (op == "Gemm") {
      infer_gemm(spec, node, g);
    } else if (op == "Relu" || op == "Tanh" || op == "Sigmoid" || op == "LeakyRelu") {
      if (node.inputs.size() != 1) fail(node, "takes exactly one input");
      g.output_shape = in;
    } else if (op == "Dropout") {
      if (node.inputs.size() != 1) fail(node, "takes exactly one input (ratio is an attribute)");
      const double ratio = node.float_attribute("ratio", 0.5);
      if (!(ratio >= 0.0 && ratio < 1.0)) fail(node, "ratio must lie in [0, 1)");
      if (node.int_attribute("nv_spatial", 0) != 0 && in.size() < 3)
        fail(node, "nv_spatial=1 needs an input with spatial dimensions");
      g.output_shape = in;
    } else if (op == "Softmax") {
      if (normalized_axis(node, in, -1) != 1) fail(node, "only softmax over the channel axis (1) is supported");
      g.output_shape = in;
    } else if (op == "Flatten") {
      if (normalized_axis(node, in, 1) != 1) fail(node, "only axis=1 is supported");
      g.output_shape = {in[0], element_count(in) / in[0]};
    } else if (op == "Concat") {
      if (normalized_axis(node, in, 1) != 1) fail(node, "only concatenation over channels (axis 1) is supported");
      g.output_shape = in;
      g.output_shape[1] = 0;
      for (const Shape& s : g.input_shapes) {
        Shape a = s, b = in;
        a[1] = b[1] = 0;
        if (a != b)
          fail(node,
               "inputs " + shape_to_string(in) + " and " + shape_to_string(s) + " differ outside the channel axis");
        g.output_shape[1] += s[1];
      }
    } else if (op == "Add") {
      if (g.input_shapes.size() != 2) fail(node, "takes exactly two inputs");
      if (g.input_shapes[0] != g.input_shapes[1])
        fail(node, "input shapes " + shape_to_string(g.input_shapes[0]) + " and " + shape_to_string(g.input_shapes[1]) +
                       " differ (broadcasting is not supported)");
      g.output_shape = in;
    } else if (op == "Resize") {
      require_spatial(node, in);
      const std::string mode = node.string_attribute("mode", "nearest");
      if (mode != "nearest" && mode != "linear") fail(node, "mode '" + mode + "' is not supported");
      const int64_t scale = node.int_attribute("nv_scale", 0);
      if (scale < 1) fail(node, "attribute nv_scale (a positive integer factor) is required");
      g.output_shape = in;
      for (size_t i = 2; i < in.size(); ++i) g.output_shape[i] = in[i] * scale;
    } else {
      fail(node, "operation is not supported by the engine");
    }
    element_count(g.output_shape);
    geometry.activation_bytes += 4.0 * static_cast<double>(element_count(g.output_shape));
    geometry.forward_flops_per_sample += g.flops_per_sample;
    geometry.value_shapes[node.outputs[0]] = g.output_shape;
    geometry.nodes.push_back(std::move(g));
  }
  for (const auto& [name, tensor] : spec.weights) geometry.weight_bytes += 4.0 * static_cast<double>(tensor.size());
  return geometry;
}

}  // namespace nv::engine
