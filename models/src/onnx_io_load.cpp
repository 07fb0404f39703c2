// ONNX -> GraphSpec. Reads NeuralView's own files and PyTorch exports; see
// onnx_io.h for what is normalised on the way.
#include <algorithm>
#include <cmath>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>

#include "neuralview/graph_builder.h"
#include "neuralview/onnx_io.h"
#include "onnx_io_internal.h"

namespace nv {

namespace {

using onnx_detail::ConstTensor;
using onnx_detail::describe_node;
using onnx_detail::kUnknown;

[[noreturn]] void unsupported(const onnx::NodeProto& node, const std::string& problem) {
  throw std::invalid_argument(describe_node(node) + ": " + problem);
}

std::string ints_to_string(const std::vector<int64_t>& values) {
  std::string text = "[";
  for (size_t i = 0; i < values.size(); ++i)
    text += (i ? ", " : "") + (values[i] == kUnknown ? std::string("N") : std::to_string(values[i]));
  return text + "]";
}

// Typed access to a node's attributes that rejects attributes it was not told about.
class Attributes {
 public:
  Attributes(const onnx::NodeProto& node, std::initializer_list<const char*> known) : node_(node) {
    for (const auto& a : node.attribute()) {
      if (std::find_if(known.begin(), known.end(), [&](const char* k) { return a.name() == k; }) == known.end())
        unsupported(node, "unsupported attribute '" + a.name() + "'");
      by_name_[a.name()] = &a;
    }
  }

  bool has(const std::string& name) const { return by_name_.count(name) != 0; }

  int64_t i(const std::string& name, int64_t fallback) const {
    const auto* a = get(name, onnx::AttributeProto::INT);
    return a ? a->i() : fallback;
  }
  double f(const std::string& name, double fallback) const {
    const auto* a = get(name, onnx::AttributeProto::FLOAT);
    return a ? onnx_detail::float_to_double_shortest(a->f()) : fallback;
  }
  std::string s(const std::string& name, const std::string& fallback) const {
    const auto* a = get(name, onnx::AttributeProto::STRING);
    return a ? a->s() : fallback;
  }
  std::vector<int64_t> ints(const std::string& name, const std::vector<int64_t>& fallback) const {
    const auto* a = get(name, onnx::AttributeProto::INTS);
    return a ? std::vector<int64_t>(a->ints().begin(), a->ints().end()) : fallback;
  }
  std::vector<float> floats(const std::string& name) const {
    const auto* a = get(name, onnx::AttributeProto::FLOATS);
    return a ? std::vector<float>(a->floats().begin(), a->floats().end()) : std::vector<float>{};
  }

  void require_int(const std::string& name, int64_t fallback, int64_t required, const std::string& why) const {
    if (i(name, fallback) != required)
      unsupported(node_,
                  "attribute " + name + " = " + std::to_string(i(name, fallback)) + " is not supported (" + why + ")");
  }

 private:
  const onnx::AttributeProto* get(const std::string& name, onnx::AttributeProto::AttributeType type) const {
    auto it = by_name_.find(name);
    if (it == by_name_.end()) return nullptr;
    // Old writers leave `type` unset; trust the field then.
    if (it->second->type() != onnx::AttributeProto::UNDEFINED && it->second->type() != type)
      unsupported(node_, "attribute '" + name + "' has an unexpected type");
    return it->second;
  }

  const onnx::NodeProto& node_;
  std::map<std::string, const onnx::AttributeProto*> by_name_;
};

// A value the reader has seen but not yet turned into a node, because what
// it means depends on its consumer.
struct PendingPad {  // constant zero padding of the spatial axes: begins then ends
  std::string source;
  std::vector<int64_t> pads;
  std::string node;
};
struct PendingTranspose {  // output axis k is source axis perm[k]
  std::string source;
  std::vector<int64_t> perm;
  std::string node;
};
struct PendingMatMul {  // X @ W, waiting for a bias Add
  NodeSpec gemm;
  std::map<std::string, Tensor> weights;
};

class OnnxReader {
 public:
  OnnxReader(const onnx::ModelProto& model, std::string source) : model_(model), source_(std::move(source)) {}

  GraphSpec read() {
    check_model_structure();
    const onnx::GraphProto& graph = model_.graph();
    for (const auto& init : graph.initializer()) {
      constants_[init.name()] = onnx_detail::const_from_proto(init, "'" + source_ + "'");
      initializer_names_.push_back(init.name());
    }
    collect_names_and_consumers(graph);
    open_input(graph);
    for (const auto& node : graph.node()) read_node(node);

    const std::string output = activation(graph.output(0).name(), "the graph output");
    GraphSpec spec = builder_->build(output);
    for (const std::string& name : initializer_names_)
      if (!consumers_.count(name) && constants_.at(name).kind == ConstTensor::Kind::real && !spec.weights.count(name))
        spec.weights[name] = to_tensor(constants_.at(name));
    spec.name = graph.name().empty() ? "network" : graph.name();
    spec.metadata = onnx_detail::metadata_from_props(model_, source_);
    apply_node_attributes(spec);
    spec.validate();
    return spec;
  }

 private:
  // ---- structure -------------------------------------------------------

  [[noreturn]] void invalid(const std::string& problem) const {
    throw std::runtime_error("'" + source_ + "' is not a valid ONNX model: " + problem);
  }

  void check_model_structure() {
    if (model_.ir_version() <= 0) invalid("it has no IR version");
    if (!model_.has_graph()) invalid("it has no graph");
    bool found = false;
    for (const auto& opset : model_.opset_import())
      if (opset.domain().empty() || opset.domain() == "ai.onnx") {
        opset_ = opset.version();
        found = true;
      }
    if (!found) invalid("it imports no opset of the default ONNX domain");
    if (opset_ < 7 || opset_ > 18)
      throw std::invalid_argument("ONNX model '" + source_ + "' uses opset " + std::to_string(opset_) +
                                  "; opsets 7 to 18 are supported");
    const auto& graph = model_.graph();
    if (graph.node_size() == 0) invalid("its graph has no nodes");
    if (graph.output_size() != 1)
      throw std::invalid_argument("ONNX model '" + source_ + "' has " + std::to_string(graph.output_size()) +
                                  " graph outputs; exactly one is supported");
  }

  void collect_names_and_consumers(const onnx::GraphProto& graph) {
    for (const auto& in : graph.input()) onnx_names_.insert(in.name());
    for (const auto& init : graph.initializer()) onnx_names_.insert(init.name());
    for (const auto& node : graph.node()) {
      for (const auto& in : node.input())
        if (!in.empty()) ++consumers_[in];
      for (const auto& out : node.output()) onnx_names_.insert(out);
    }
    ++consumers_[graph.output(0).name()];
  }

  void open_input(const onnx::GraphProto& graph) {
    const onnx::ValueInfoProto* input = nullptr;
    for (const auto& in : graph.input()) {
      if (constants_.count(in.name())) continue;  // an initializer listed as input (IR < 4)
      if (input)
        throw std::invalid_argument("ONNX model '" + source_ + "' has more than one graph input ('" + input->name() +
                                    "', '" + in.name() + "'); exactly one is supported");
      input = &in;
    }
    if (!input) invalid("its graph has no input");
    const auto& type = input->type();
    if (!type.has_tensor_type() || type.tensor_type().elem_type() != onnx::TensorProto::FLOAT)
      throw std::invalid_argument("ONNX model '" + source_ + "': the input '" + input->name() +
                                  "' must be a float tensor");
    const auto& dims = type.tensor_type().shape().dim();
    Shape per_sample;
    bool fixed = true;
    for (int i = 1; i < dims.size(); ++i) {
      fixed = fixed && dims[i].has_dim_value() && dims[i].dim_value() > 0;
      per_sample.push_back(dims[i].has_dim_value() ? dims[i].dim_value() : -1);
    }
    if ((dims.size() != 4 && dims.size() != 5) || !fixed)
      throw std::invalid_argument("ONNX model '" + source_ + "': the input '" + input->name() +
                                  "' must be (N,C,H,W) or (N,C,D,H,W) with fixed C, D, H, W; got rank " +
                                  std::to_string(dims.size()) + " and per-sample dimensions " +
                                  ints_to_string(per_sample));
    if (dims[0].has_dim_value() && dims[0].dim_value() > 0) static_batch_ = dims[0].dim_value();
    builder_ = std::make_unique<GraphBuilder>(per_sample, 0, input->name());
  }

  // ---- values ----------------------------------------------------------

  std::string resolve(std::string name) const {
    for (auto it = aliases_.find(name); it != aliases_.end(); it = aliases_.find(name)) name = it->second;
    return name;
  }

  const ConstTensor* constant(const std::string& name) const {
    auto it = constants_.find(name);
    return it == constants_.end() ? nullptr : &it->second;
  }

  bool is_constant(const std::string& name) const { return constants_.count(name) != 0; }

  // The spec tensor an ONNX activation name stands for. `consumer` is used in errors.
  std::string activation(const std::string& onnx_name, const std::string& consumer) {
    const std::string name = resolve(onnx_name);
    if (auto it = pads_.find(name); it != pads_.end())
      throw std::invalid_argument("Pad node '" + it->second.node +
                                  "' can only be folded into a following Conv or "
                                  "AveragePool, but it feeds " +
                                  consumer);
    if (auto it = transposes_.find(name); it != transposes_.end())
      throw std::invalid_argument("Transpose node '" + it->second.node + "' (perm " + ints_to_string(it->second.perm) +
                                  ") is only supported around a Softmax, but it feeds " + consumer);
    if (auto it = matmuls_.find(name); it != matmuls_.end()) {
      PendingMatMul pending = std::move(it->second);
      matmuls_.erase(it);
      builder_->append(std::move(pending.gemm), std::move(pending.weights));
    }
    if (builder_->has_tensor(name)) return name;
    if (is_constant(name))
      throw std::invalid_argument(consumer + " applies to the constant '" + name +
                                  "'; operations on constants are supported only in shape computations");
    invalid(consumer + " reads '" + name + "', which no earlier node produces");
  }

  std::string activation(const onnx::NodeProto& node, int index) {
    if (index >= node.input_size() || node.input(index).empty())
      unsupported(node, "input #" + std::to_string(index) + " is missing");
    return activation(node.input(index), describe_node(node));
  }

  // Per-sample shape with a leading batch entry (kUnknown or the fixed batch) of any activation, pending or not.
  Shape full_shape(const std::string& onnx_name) {
    const std::string name = resolve(onnx_name);
    Shape shape;
    if (auto p = pads_.find(name); p != pads_.end()) {
      shape = full_shape(p->second.source);
      const size_t spatial = shape.size() - 2;
      for (size_t k = 0; k < spatial; ++k) shape[k + 2] += p->second.pads[k] + p->second.pads[k + spatial];
      return shape;
    }
    if (auto t = transposes_.find(name); t != transposes_.end()) {
      const Shape source = full_shape(t->second.source);
      for (int64_t axis : t->second.perm) shape.push_back(source[size_t(axis)]);
      return shape;
    }
    if (auto m = matmuls_.find(name); m != matmuls_.end())
      return {batch_symbol(), weight_tensor(m->second.gemm.inputs[1], m->second.weights).dim(0)};
    if (!builder_->has_tensor(name)) activation(name, "an operation");  // throws the right error
    shape = {batch_symbol()};
    const Shape& per_sample = builder_->shape(name);
    shape.insert(shape.end(), per_sample.begin(), per_sample.end());
    return shape;
  }

  int64_t batch_symbol() const { return kUnknown; }

  Tensor to_tensor(const ConstTensor& c) const {
    return Tensor(c.dims,
                  c.kind == ConstTensor::Kind::real ? c.reals : std::vector<float>(c.ints.begin(), c.ints.end()));
  }

  // A weight that is either new (in `pending`) or already part of the network.
  const Tensor& weight_tensor(const std::string& name, const std::map<std::string, Tensor>& pending) const {
    auto it = pending.find(name);
    return it != pending.end() ? it->second : builder_->spec().weights.at(name);
  }

  // Registers the constant input #index as a weight of the node and returns its name.
  std::string weight(const onnx::NodeProto& node, int index, const std::string& role,
                     std::map<std::string, Tensor>& new_weights, std::optional<Shape> reshape_to = std::nullopt) {
    if (index >= node.input_size() || node.input(index).empty()) unsupported(node, "the " + role + " is missing");
    const std::string& name = node.input(index);
    const ConstTensor* c = constant(name);
    if (!c) unsupported(node, "the " + role + " '" + name + "' must be a constant (an initializer)");
    if (c->kind != ConstTensor::Kind::real) unsupported(node, "the " + role + " '" + name + "' must be a float tensor");
    Tensor t = to_tensor(*c);
    if (reshape_to) {
      if (element_count(*reshape_to) != t.size())
        unsupported(node, "the " + role + " '" + name + "' has shape " + shape_to_string(t.shape()) + ", expected " +
                              shape_to_string(*reshape_to));
      t = t.reshaped(*reshape_to);
    }
    return register_weight(name, std::move(t), new_weights);
  }

  std::string register_weight(const std::string& wanted, Tensor t, std::map<std::string, Tensor>& new_weights) {
    std::string name = wanted;
    for (int i = 2;; ++i) {
      const auto& existing = builder_->spec().weights;
      auto it = existing.find(name);
      if (it != existing.end() && it->second.shape() == t.shape() && it->second.values() == t.values()) return name;
      auto fresh = new_weights.find(name);
      if (fresh != new_weights.end() && fresh->second.shape() == t.shape() && fresh->second.values() == t.values())
        return name;
      if (it == existing.end() && fresh == new_weights.end() && !builder_->name_taken(name)) break;
      name = wanted + "_" + std::to_string(i);
    }
    new_weights.emplace(name, std::move(t));
    return name;
  }

  // A node name that is unique and clashes with no tensor of the file.
  std::string node_name(const onnx::NodeProto& node, const std::string& output) {
    std::string wanted = node.name().empty() ? node.op_type() : node.name();
    std::string name = wanted;
    for (int i = 2; builder_->name_taken(name) || (onnx_names_.count(name) && name != output); ++i)
      name = wanted + "_" + std::to_string(i);
    return name;
  }

  std::string fresh_tensor_name(const std::string& wanted) {
    std::string name = wanted;
    for (int i = 2; builder_->name_taken(name) || onnx_names_.count(name); ++i) name = wanted + "_" + std::to_string(i);
    onnx_names_.insert(name);
    return name;
  }

  void require_unused_outputs(const onnx::NodeProto& node, int first_unused) {
    for (int i = first_unused; i < node.output_size(); ++i)
      if (!node.output(i).empty() && consumers_.count(node.output(i)))
        unsupported(node, "its output #" + std::to_string(i) + " ('" + node.output(i) +
                              "') is used, which is not supported (only the first output is)");
  }

  std::string append(const onnx::NodeProto& node, NodeSpec spec_node, std::map<std::string, Tensor> weights = {}) {
    spec_node.outputs = {node.output(0)};
    spec_node.name = node_name(node, node.output(0));
    try {
      return builder_->append(std::move(spec_node), std::move(weights));
    } catch (const std::invalid_argument& e) {
      unsupported(node, e.what());
    }
  }

  // ---- nodes -----------------------------------------------------------

  void read_node(const onnx::NodeProto& node) {
    const std::string& op = node.op_type();
    if (!node.domain().empty() && node.domain() != "ai.onnx")
      unsupported(node, "operation '" + op + "' of domain '" + node.domain() + "' is not supported");
    if (node.output_size() < 1 || node.output(0).empty()) invalid(describe_node(node) + " has no output");

    std::vector<const ConstTensor*> inputs;
    bool all_constant = true;
    for (const auto& in : node.input()) {
      inputs.push_back(in.empty() ? nullptr : constant(in));
      if (!in.empty() && !is_constant(in)) all_constant = false;
    }
    if (all_constant) {
      std::vector<ConstTensor> results;
      if (onnx_detail::evaluate_constant_node(node, opset_, inputs, results)) {
        for (size_t i = 0; i < results.size() && int(i) < node.output_size(); ++i)
          constants_[node.output(int(i))] = std::move(results[i]);
        return;
      }
    }

    if (op == "Conv") return read_conv(node);
    if (op == "ConvTranspose") return read_conv_transpose(node);
    if (op == "MaxPool" || op == "AveragePool") return read_pool(node);
    if (op == "GlobalAveragePool") return read_plain(node, "GlobalAveragePool");
    if (op == "BatchNormalization") return read_batch_norm(node);
    if (op == "Dropout") return read_dropout(node);
    if (op == "Relu" || op == "Tanh" || op == "Sigmoid") return read_plain(node, op);
    if (op == "LeakyRelu") return read_leaky_relu(node);
    if (op == "Softmax") return read_softmax(node);
    if (op == "Gemm") return read_gemm(node);
    if (op == "MatMul") return read_matmul(node);
    if (op == "Flatten") return read_flatten(node);
    if (op == "Reshape") return read_reshape(node);
    if (op == "Concat") return read_concat(node);
    if (op == "Add") return read_add(node);
    if (op == "Resize" || op == "Upsample") return read_resize(node);
    if (op == "Identity") {
      Attributes(node, {});
      aliases_[node.output(0)] = resolve(node.input(0));
      return;
    }
    if (op == "Pad") return read_pad(node);
    if (op == "Transpose") return read_transpose(node);
    if (op == "Shape") return read_shape(node);
    throw std::invalid_argument("ONNX model '" + source_ + "': unsupported operation '" + op + "' (node '" +
                                node.name() + "')");
  }

  void read_plain(const onnx::NodeProto& node, const std::string& op) {
    Attributes(node, {});
    NodeSpec n;
    n.op = op;
    n.inputs = {activation(node, 0)};
    append(node, std::move(n));
  }

  void read_leaky_relu(const onnx::NodeProto& node) {
    Attributes attrs(node, {"alpha"});
    NodeSpec n;
    n.op = "LeakyRelu";
    n.inputs = {activation(node, 0)};
    n.attributes["alpha"] = attrs.f("alpha", 0.01);
    append(node, std::move(n));
  }

  // Explicit pads for auto_pad = SAME_UPPER / SAME_LOWER / VALID.
  std::vector<int64_t> auto_pads(const onnx::NodeProto& node, const std::string& auto_pad, const Shape& input,
                                 const std::vector<int64_t>& kernel, const std::vector<int64_t>& strides,
                                 const std::vector<int64_t>& dilations, std::vector<int64_t> pads) {
    const size_t spatial = kernel.size();
    if (auto_pad.empty() || auto_pad == "NOTSET") return pads;
    if (auto_pad == "VALID") return std::vector<int64_t>(2 * spatial, 0);
    if (auto_pad != "SAME_UPPER" && auto_pad != "SAME_LOWER") unsupported(node, "unknown auto_pad '" + auto_pad + "'");
    for (size_t k = 0; k < spatial; ++k) {
      const int64_t in = input[k + 2];
      const int64_t out = (in + strides[k] - 1) / strides[k];
      const int64_t total = std::max<int64_t>(0, (out - 1) * strides[k] + (kernel[k] - 1) * dilations[k] + 1 - in);
      const int64_t small = total / 2, large = total - small;
      pads[k] = auto_pad == "SAME_UPPER" ? small : large;
      pads[k + spatial] = auto_pad == "SAME_UPPER" ? large : small;
    }
    return pads;
  }

  // The activation input of a Conv/AveragePool, with a pending zero Pad folded in.
  std::string padded_input(const onnx::NodeProto& node, std::vector<int64_t>& pads, bool& folded) {
    const std::string name = resolve(node.input(0));
    folded = false;
    if (auto it = pads_.find(name); it != pads_.end()) {
      for (size_t k = 0; k < pads.size(); ++k) pads[k] += it->second.pads.at(k);
      folded = true;
      return activation(it->second.source, describe_node(node));
    }
    return activation(node, 0);
  }

  void read_conv(const onnx::NodeProto& node) {
    Attributes attrs(node, {"auto_pad", "dilations", "group", "kernel_shape", "pads", "strides"});
    const Shape input = full_shape(node.input(0));
    const size_t spatial = input.size() - 2;
    std::map<std::string, Tensor> weights;
    NodeSpec n;
    n.op = "Conv";
    const std::string w = weight(node, 1, "weight", weights);
    const Shape w_shape = weight_tensor(w, weights).shape();
    if (w_shape.size() != spatial + 2)
      unsupported(node, "weight '" + w + "' of shape " + shape_to_string(w_shape) + " does not fit the input rank");
    const std::vector<int64_t> kernel = attrs.ints("kernel_shape", Shape(w_shape.begin() + 2, w_shape.end()));
    const std::vector<int64_t> strides = attrs.ints("strides", Shape(spatial, 1));
    const std::vector<int64_t> dilations = attrs.ints("dilations", Shape(spatial, 1));
    if (kernel.size() != spatial || strides.size() != spatial || dilations.size() != spatial)
      unsupported(node, "kernel_shape, strides and dilations need one value per spatial axis");
    std::vector<int64_t> pads = auto_pads(node, attrs.s("auto_pad", "NOTSET"), input, kernel, strides, dilations,
                                          attrs.ints("pads", Shape(2 * spatial, 0)));
    if (pads.size() != 2 * spatial) unsupported(node, "pads needs two values per spatial axis");
    bool folded = false;
    const std::string x = padded_input(node, pads, folded);
    n.inputs = {x, w};
    if (node.input_size() > 2 && !node.input(2).empty()) n.inputs.push_back(weight(node, 2, "bias", weights));
    n.attributes = {{"kernel_shape", kernel},
                    {"strides", strides},
                    {"pads", pads},
                    {"dilations", dilations},
                    {"group", attrs.i("group", 1)}};
    append(node, std::move(n), std::move(weights));
  }

  void read_conv_transpose(const onnx::NodeProto& node) {
    Attributes attrs(
        node, {"auto_pad", "dilations", "group", "kernel_shape", "output_padding", "output_shape", "pads", "strides"});
    const Shape input = full_shape(node.input(0));
    const size_t spatial = input.size() - 2;
    if (attrs.has("output_shape")) unsupported(node, "attribute output_shape is not supported; use pads");
    if (attrs.s("auto_pad", "NOTSET") != "NOTSET") unsupported(node, "auto_pad is not supported; use explicit pads");
    attrs.require_int("group", 1, 1, "grouped transposed convolution");
    const std::vector<int64_t> dilations = attrs.ints("dilations", Shape(spatial, 1));
    if (dilations != Shape(spatial, 1)) unsupported(node, "dilated transposed convolution is not supported");
    std::map<std::string, Tensor> weights;
    NodeSpec n;
    n.op = "ConvTranspose";
    const std::string w = weight(node, 1, "weight", weights);
    const Shape w_shape = weight_tensor(w, weights).shape();
    if (w_shape.size() != spatial + 2)
      unsupported(node, "weight '" + w + "' of shape " + shape_to_string(w_shape) + " does not fit the input rank");
    n.inputs = {activation(node, 0), w};
    if (node.input_size() > 2 && !node.input(2).empty()) n.inputs.push_back(weight(node, 2, "bias", weights));
    n.attributes = {{"kernel_shape", attrs.ints("kernel_shape", Shape(w_shape.begin() + 2, w_shape.end()))},
                    {"strides", attrs.ints("strides", Shape(spatial, 1))},
                    {"pads", attrs.ints("pads", Shape(2 * spatial, 0))},
                    {"output_padding", attrs.ints("output_padding", Shape(spatial, 0))}};
    append(node, std::move(n), std::move(weights));
  }

  void read_pool(const onnx::NodeProto& node) {
    const bool is_max = node.op_type() == "MaxPool";
    Attributes attrs =
        is_max ? Attributes(node,
                            {"auto_pad", "ceil_mode", "dilations", "kernel_shape", "pads", "storage_order", "strides"})
               : Attributes(node, {"auto_pad", "ceil_mode", "count_include_pad", "kernel_shape", "pads", "strides"});
    attrs.require_int("ceil_mode", 0, 0, "only floor rounding of the output size");
    if (is_max) require_unused_outputs(node, 1);
    const Shape input = full_shape(node.input(0));
    const size_t spatial = input.size() - 2;
    if (!attrs.has("kernel_shape")) unsupported(node, "attribute kernel_shape is required");
    const std::vector<int64_t> kernel = attrs.ints("kernel_shape", {});
    const std::vector<int64_t> strides = attrs.ints("strides", Shape(spatial, 1));
    const std::vector<int64_t> dilations = attrs.ints("dilations", Shape(spatial, 1));
    if (kernel.size() != spatial || strides.size() != spatial || dilations.size() != spatial)
      unsupported(node, "kernel_shape, strides and dilations need one value per spatial axis");
    if (dilations != Shape(spatial, 1)) unsupported(node, "dilated pooling is not supported");
    std::vector<int64_t> pads = auto_pads(node, attrs.s("auto_pad", "NOTSET"), input, kernel, strides, dilations,
                                          attrs.ints("pads", Shape(2 * spatial, 0)));
    if (pads.size() != 2 * spatial) unsupported(node, "pads needs two values per spatial axis");
    const bool own_pads = pads != Shape(2 * spatial, 0);
    int64_t count_include_pad = attrs.i("count_include_pad", 0);
    bool folded = false;
    std::string x;
    if (is_max) {
      x = activation(node, 0);  // a zero Pad before MaxPool is not the same as MaxPool's -inf padding
    } else {
      x = padded_input(node, pads, folded);
      if (folded) {
        if (own_pads && count_include_pad == 0)
          unsupported(node, "a Pad before an AveragePool that excludes its own padding cannot be folded");
        count_include_pad = 1;
      }
    }
    NodeSpec n;
    n.op = node.op_type();
    n.inputs = {x};
    n.attributes = {{"kernel_shape", kernel}, {"strides", strides}, {"pads", pads}};
    if (!is_max && count_include_pad != 0 && pads != Shape(2 * spatial, 0))
      n.attributes["count_include_pad"] = int64_t{1};
    append(node, std::move(n));
  }

  void read_batch_norm(const onnx::NodeProto& node) {
    Attributes attrs(node, {"epsilon", "momentum", "training_mode", "spatial", "is_test", "consumed_inputs"});
    attrs.require_int("training_mode", 0, 0, "only inference-form BatchNormalization can be loaded");
    attrs.require_int("spatial", 1, 1, "per-activation normalisation");
    require_unused_outputs(node, 1);
    const int64_t channels = full_shape(node.input(0)).at(1);
    std::map<std::string, Tensor> weights;
    NodeSpec n;
    n.op = "BatchNormalization";
    n.inputs = {activation(node, 0)};
    const char* roles[] = {"scale", "bias", "running mean", "running variance"};
    for (int i = 1; i <= 4; ++i) n.inputs.push_back(weight(node, i, roles[i - 1], weights, Shape{channels}));
    n.attributes = {{"epsilon", attrs.f("epsilon", 1e-5)}, {"momentum", attrs.f("momentum", 0.9)}};
    append(node, std::move(n), std::move(weights));
  }

  void read_dropout(const onnx::NodeProto& node) {
    Attributes attrs(node, {"ratio", "is_test", "seed"});
    require_unused_outputs(node, 1);
    double ratio = attrs.f("ratio", 0.5);
    if (opset_ >= 12 && node.input_size() > 1 && !node.input(1).empty()) {
      const ConstTensor* r = constant(node.input(1));
      if (!r || r->size() != 1) unsupported(node, "the ratio input must be a constant scalar");
      ratio = onnx_detail::float_to_double_shortest(float(r->as_double(0)));
    }
    if (node.input_size() > 2 && !node.input(2).empty() && !constant(node.input(2)))
      unsupported(node, "the training_mode input must be a constant");
    NodeSpec n;
    n.op = "Dropout";
    n.inputs = {activation(node, 0)};
    n.attributes["ratio"] = ratio;
    append(node, std::move(n));
  }

  void read_softmax(const onnx::NodeProto& node) {
    Attributes attrs(node, {"axis"});
    const Shape shape = full_shape(node.input(0));
    const int64_t rank = int64_t(shape.size());
    int64_t axis = attrs.i("axis", opset_ < 13 ? 1 : -1);
    if (axis < 0) axis += rank;
    if (axis < 0 || axis >= rank) unsupported(node, "axis out of range");
    // Before opset 13, Softmax(axis = a) normalises over all axes from a on.
    int64_t trailing = 1;
    for (int64_t k = axis + 1; k < rank; ++k) trailing *= shape[size_t(k)];
    const bool single_axis = opset_ >= 13 || trailing == 1;
    NodeSpec n;
    n.op = "Softmax";
    n.attributes["axis"] = int64_t{1};
    const std::string name = resolve(node.input(0));
    if (auto t = transposes_.find(name); t != transposes_.end()) {
      // PyTorch before opset 13: Transpose(channel <-> last) -> Softmax(last) -> Transpose back.
      if (!single_axis || t->second.perm[size_t(axis)] != 1)
        unsupported(node, "a softmax over an axis other than the channels is not supported");
      const PendingTranspose transpose = t->second;
      n.inputs = {activation(transpose.source, describe_node(node))};
      n.outputs = {fresh_tensor_name(node.output(0) + "_channels")};
      n.name = node_name(node, n.outputs[0]);
      try {
        builder_->append(std::move(n));
      } catch (const std::invalid_argument& e) {
        unsupported(node, e.what());
      }
      transposes_[node.output(0)] = {builder_->spec().nodes.back().outputs[0], transpose.perm, node.name()};
      return;
    }
    if (axis != 1 || !single_axis)
      unsupported(node, "only a softmax over the channels (axis 1) is supported; this one normalises over axes " +
                            std::to_string(axis) + (single_axis ? "" : " to " + std::to_string(rank - 1)) +
                            " of an input of shape " + ints_to_string(shape));
    n.inputs = {activation(node, 0)};
    append(node, std::move(n));
  }

  void read_gemm(const onnx::NodeProto& node) {
    Attributes attrs(node, {"alpha", "beta", "transA", "transB", "broadcast"});
    if (attrs.f("alpha", 1.0) != 1.0 || (node.input_size() > 2 && attrs.f("beta", 1.0) != 1.0))
      unsupported(node, "only alpha = beta = 1 is supported");
    attrs.require_int("transA", 0, 0, "the input must not be transposed");
    std::map<std::string, Tensor> weights;
    const ConstTensor* b = node.input_size() > 1 ? constant(node.input(1)) : nullptr;
    if (!b || b->dims.size() != 2) unsupported(node, "the weight must be a constant matrix");
    NodeSpec n;
    n.op = "Gemm";
    n.attributes["transB"] = int64_t{1};
    std::string w;
    if (attrs.i("transB", 0) != 0) {
      w = weight(node, 1, "weight", weights);
    } else {
      w = register_weight(node.input(1), transposed(*b), weights);
    }
    const int64_t units = weight_tensor(w, weights).dim(0);
    n.inputs = {activation(node, 0), w};
    if (node.input_size() > 2 && !node.input(2).empty())
      n.inputs.push_back(weight(node, 2, "bias", weights, Shape{units}));
    append(node, std::move(n), std::move(weights));
  }

  Tensor transposed(const ConstTensor& matrix) const {
    const Tensor m = to_tensor(matrix);
    Tensor t(Shape{m.dim(1), m.dim(0)});
    for (int64_t i = 0; i < m.dim(0); ++i)
      for (int64_t j = 0; j < m.dim(1); ++j) t[j * m.dim(0) + i] = m[i * m.dim(1) + j];
    return t;
  }

  void read_matmul(const onnx::NodeProto& node) {
    Attributes(node, {});
    const ConstTensor* b = node.input_size() > 1 ? constant(node.input(1)) : nullptr;
    if (!b || b->dims.size() != 2 || b->kind != ConstTensor::Kind::real)
      unsupported(node, "only a product with a constant float matrix (a Linear layer) is supported");
    PendingMatMul pending;
    pending.gemm.op = "Gemm";
    pending.gemm.attributes["transB"] = int64_t{1};
    const std::string w = register_weight(node.input(1), transposed(*b), pending.weights);
    pending.gemm.inputs = {activation(node, 0), w};
    pending.gemm.outputs = {node.output(0)};
    pending.gemm.name = node_name(node, node.output(0));
    matmuls_[node.output(0)] = std::move(pending);
  }

  void read_flatten(const onnx::NodeProto& node) {
    Attributes attrs(node, {"axis"});
    const int64_t rank = int64_t(full_shape(node.input(0)).size());
    int64_t axis = attrs.i("axis", 1);
    if (axis < 0) axis += rank;
    if (axis != 1) unsupported(node, "only flattening from axis 1 (keeping the batch) is supported");
    NodeSpec n;
    n.op = "Flatten";
    n.inputs = {activation(node, 0)};
    n.attributes["axis"] = int64_t{1};
    append(node, std::move(n));
  }

  // Reshape of an activation: to (N, -1) / (N, features) it is a Flatten;
  // to the shape it already has it is nothing.
  void read_reshape(const onnx::NodeProto& node) {
    Attributes attrs(node, {"allowzero", "shape"});
    const Shape input = full_shape(node.input(0));
    std::vector<int64_t> target;
    if (opset_ < 5 || attrs.has("shape")) {
      target = attrs.ints("shape", {});
    } else {
      const ConstTensor* t = node.input_size() > 1 ? constant(node.input(1)) : nullptr;
      if (!t) unsupported(node, "the target shape must be computable when the model is loaded");
      for (int64_t i = 0; i < t->size(); ++i) target.push_back(t->as_int(i));
    }
    const bool allow_zero = attrs.i("allowzero", 0) != 0;
    for (size_t k = 0; k < target.size() && !allow_zero; ++k)
      if (target[k] == 0 && k < input.size()) target[k] = input[k];
    const int64_t features = element_count(Shape(input.begin() + 1, input.end()));
    auto is_batch = [&](int64_t d) { return d == kUnknown || (static_batch_ && d == *static_batch_); };
    const bool flatten = target.size() == 2 && (is_batch(target[0]) || (target[0] == -1 && target[1] == features)) &&
                         (target[1] == -1 || target[1] == features) && !(target[0] == -1 && target[1] == -1);
    if (flatten) {
      NodeSpec n;
      n.op = "Flatten";
      n.inputs = {activation(node, 0)};
      n.attributes["axis"] = int64_t{1};
      append(node, std::move(n));
      return;
    }
    bool same = target.size() == input.size() && is_batch(target[0]);
    for (size_t k = 1; same && k < target.size(); ++k) same = target[k] == input[k] || target[k] == -1;
    if (same) {
      activation(node, 0);
      aliases_[node.output(0)] = resolve(node.input(0));
      return;
    }
    unsupported(node, "reshaping " + ints_to_string(input) + " to " + ints_to_string(target) +
                          " is not supported; only flattening to (N, -1) is");
  }

  void read_concat(const onnx::NodeProto& node) {
    Attributes attrs(node, {"axis"});
    const int64_t rank = int64_t(full_shape(node.input(0)).size());
    int64_t axis = attrs.i("axis", 1);
    if (axis < 0) axis += rank;
    if (axis != 1) unsupported(node, "only concatenation along the channels (axis 1) is supported");
    NodeSpec n;
    n.op = "Concat";
    for (int i = 0; i < node.input_size(); ++i) n.inputs.push_back(activation(node, i));
    n.attributes["axis"] = int64_t{1};
    append(node, std::move(n));
  }

  void read_add(const onnx::NodeProto& node) {
    Attributes(node, {});
    if (node.input_size() != 2) unsupported(node, "needs two inputs");
    const bool a_const = is_constant(node.input(0)), b_const = is_constant(node.input(1));
    if (!a_const && !b_const) {
      NodeSpec n;
      n.op = "Add";
      n.inputs = {activation(node, 0), activation(node, 1)};
      append(node, std::move(n));
      return;
    }
    // activation + constant: the bias of a preceding MatMul (a Linear layer).
    const std::string x = resolve(node.input(a_const ? 1 : 0));
    const ConstTensor& bias = *constant(node.input(a_const ? 0 : 1));
    auto m = matmuls_.find(x);
    if (m == matmuls_.end() || consumers_[x] != 1 || m->second.gemm.inputs.size() != 2)
      unsupported(node, "adding a constant to an activation is supported only as the bias of a MatMul");
    PendingMatMul pending = std::move(m->second);
    matmuls_.erase(m);
    const int64_t units = weight_tensor(pending.gemm.inputs[1], pending.weights).dim(0);
    if (bias.size() != units || bias.kind != ConstTensor::Kind::real)
      unsupported(
          node, "the bias '" + node.input(a_const ? 0 : 1) + "' must hold " + std::to_string(units) + " float values");
    ConstTensor flat = bias;
    flat.dims = {units};
    const std::string b = register_weight(node.input(a_const ? 0 : 1), to_tensor(flat), pending.weights);
    pending.gemm.inputs.push_back(b);
    pending.gemm.outputs = {node.output(0)};
    try {
      builder_->append(std::move(pending.gemm), std::move(pending.weights));
    } catch (const std::invalid_argument& e) {
      unsupported(node, e.what());
    }
  }

  // Resize (opset >= 10) and Upsample (opset 7-9) with one integer factor on every spatial axis.
  void read_resize(const onnx::NodeProto& node) {
    const bool upsample = node.op_type() == "Upsample";
    Attributes attrs = upsample ? Attributes(node, {"mode", "scales"})
                                : Attributes(node, {"antialias", "axes", "coordinate_transformation_mode",
                                                    "cubic_coeff_a", "exclude_outside", "extrapolation_value",
                                                    "keep_aspect_ratio_policy", "mode", "nearest_mode"});
    const Shape input = full_shape(node.input(0));
    const std::string mode = attrs.s("mode", "nearest");
    std::vector<double> scales;
    const ConstTensor* sizes = nullptr;
    if (upsample && opset_ < 9) {
      for (float s : attrs.floats("scales")) scales.push_back(s);
    } else {
      const int scales_index = upsample || opset_ < 11 ? 1 : 2;
      const ConstTensor* s = node.input_size() > scales_index && !node.input(scales_index).empty()
                                 ? constant(node.input(scales_index))
                                 : nullptr;
      if (s)
        for (int64_t i = 0; i < s->size(); ++i) scales.push_back(s->as_double(i));
      if (!upsample && opset_ >= 11 && node.input_size() > 3 && !node.input(3).empty()) sizes = constant(node.input(3));
      for (int i = 1; i < node.input_size(); ++i)
        if (!node.input(i).empty() && !is_constant(node.input(i)))
          unsupported(node, "scales and sizes must be computable when the model is loaded");
    }
    if (scales.empty() && sizes) {
      for (int64_t i = 0; i < sizes->size(); ++i) {
        const int64_t size = sizes->as_int(i);
        const int64_t in = i < int64_t(input.size()) ? input[size_t(i)] : 0;
        scales.push_back(i == 0 || size == kUnknown || in == kUnknown ? 1.0 : double(size) / double(in));
      }
    }
    if (scales.size() != input.size()) unsupported(node, "needs one scale (or size) per axis");
    const double factor = scales[2];
    if (scales[0] != 1.0 || scales[1] != 1.0 || factor < 1.0 || factor != std::round(factor) ||
        std::any_of(scales.begin() + 2, scales.end(), [&](double s) { return s != factor; }))
      unsupported(node, "only the same integer upsampling factor on every spatial axis is supported");
    const int64_t scale = int64_t(factor);
    const std::string coordinates =
        attrs.s("coordinate_transformation_mode", upsample || opset_ < 11 ? "asymmetric" : "half_pixel");
    const std::string nearest_mode = attrs.s("nearest_mode", upsample || opset_ < 11 ? "floor" : "round_prefer_floor");
    if (attrs.i("antialias", 0) != 0 || attrs.i("exclude_outside", 0) != 0 || attrs.has("axes"))
      unsupported(node, "antialias, exclude_outside and axes are not supported");
    const bool half_pixel = coordinates == "half_pixel" || coordinates == "pytorch_half_pixel";
    if (mode == "nearest") {
      // floor(out / scale) is PyTorch's nearest; half-pixel rounding gives the
      // same for integer factors, asymmetric does with floor (or round_prefer_floor when scale <= 2).
      const bool asymmetric_ok = coordinates == "asymmetric" &&
                                 (nearest_mode == "floor" || (nearest_mode == "round_prefer_floor" && scale <= 2));
      if (!half_pixel && !asymmetric_ok)
        unsupported(node, "nearest upsampling with coordinate_transformation_mode '" + coordinates +
                              "' and nearest_mode '" + nearest_mode + "' differs from PyTorch's nearest upsampling");
    } else if (mode == "linear" || mode == "bilinear" || mode == "trilinear") {
      if (!half_pixel || upsample)
        unsupported(node,
                    "linear upsampling is supported with half-pixel coordinates (PyTorch align_corners=False), "
                    "not with '" +
                        coordinates + "'");
    } else {
      unsupported(node, "mode '" + mode + "' is not supported (nearest or linear are)");
    }
    NodeSpec n;
    n.op = "Resize";
    n.inputs = {activation(node, 0)};
    n.attributes = {{"mode", std::string(mode == "nearest" ? "nearest" : "linear")}, {"nv_scale", scale}};
    append(node, std::move(n));
  }

  void read_pad(const onnx::NodeProto& node) {
    Attributes attrs(node, {"mode", "pads", "value", "paddings"});
    const std::string mode = attrs.s("mode", "constant");
    if (mode != "constant") unsupported(node, "only constant padding is supported, not '" + mode + "'");
    std::vector<int64_t> pads;
    double value = attrs.f("value", 0.0);
    if (opset_ < 11) {
      pads = attrs.ints(attrs.has("pads") ? "pads" : "paddings", {});
    } else {
      const ConstTensor* p = node.input_size() > 1 ? constant(node.input(1)) : nullptr;
      if (!p) unsupported(node, "the pads must be computable when the model is loaded");
      for (int64_t i = 0; i < p->size(); ++i) pads.push_back(p->as_int(i));
      if (node.input_size() > 2 && !node.input(2).empty()) {
        const ConstTensor* v = constant(node.input(2));
        if (!v || v->size() != 1) unsupported(node, "the padding value must be a constant scalar");
        value = v->as_double(0);
      }
      if (node.input_size() > 3 && !node.input(3).empty()) unsupported(node, "the axes input is not supported");
    }
    const Shape input = full_shape(node.input(0));
    const size_t rank = input.size(), spatial = rank - 2;
    if (pads.size() != 2 * rank) unsupported(node, "needs " + std::to_string(2 * rank) + " pads");
    if (value != 0.0) unsupported(node, "only zero padding is supported");
    if (pads[0] != 0 || pads[1] != 0 || pads[rank] != 0 || pads[rank + 1] != 0)
      unsupported(node, "padding the batch or channel axis is not supported");
    std::vector<int64_t> spatial_pads;
    for (size_t k = 0; k < spatial; ++k) spatial_pads.push_back(pads[k + 2]);
    for (size_t k = 0; k < spatial; ++k) spatial_pads.push_back(pads[rank + k + 2]);
    if (std::any_of(spatial_pads.begin(), spatial_pads.end(), [](int64_t p) { return p < 0 || p == kUnknown; }))
      unsupported(node, "negative (cropping) pads are not supported");
    const std::string source = resolve(node.input(0));
    if (std::all_of(spatial_pads.begin(), spatial_pads.end(), [](int64_t p) { return p == 0; })) {
      aliases_[node.output(0)] = source;
      return;
    }
    PendingPad pending{source, spatial_pads, node.name()};
    if (auto it = pads_.find(source); it != pads_.end()) {
      pending.source = it->second.source;
      for (size_t k = 0; k < spatial_pads.size(); ++k) pending.pads[k] += it->second.pads[k];
    } else {
      activation(node, 0);  // must be a real activation
    }
    pads_[node.output(0)] = pending;
  }

  void read_transpose(const onnx::NodeProto& node) {
    Attributes attrs(node, {"perm"});
    const Shape input = full_shape(node.input(0));
    std::vector<int64_t> perm = attrs.ints("perm", {});
    if (perm.empty())
      for (size_t k = input.size(); k-- > 0;) perm.push_back(int64_t(k));
    std::vector<int64_t> sorted = perm;
    std::sort(sorted.begin(), sorted.end());
    for (size_t k = 0; k < sorted.size(); ++k)
      if (sorted.size() != input.size() || sorted[k] != int64_t(k)) unsupported(node, "perm is not a permutation");
    std::string source = resolve(node.input(0));
    if (auto it = transposes_.find(source); it != transposes_.end()) {
      std::vector<int64_t> composed;
      for (int64_t axis : perm) composed.push_back(it->second.perm[size_t(axis)]);
      source = it->second.source;
      perm = composed;
    } else {
      activation(node, 0);
    }
    bool identity = true;
    for (size_t k = 0; k < perm.size(); ++k) identity = identity && perm[k] == int64_t(k);
    if (identity)
      aliases_[node.output(0)] = source;
    else
      transposes_[node.output(0)] = {source, perm, node.name()};
  }

  void read_shape(const onnx::NodeProto& node) {
    Attributes attrs(node, {"start", "end"});
    const Shape shape = full_shape(node.input(0));
    const int64_t rank = int64_t(shape.size());
    int64_t start = attrs.i("start", 0), end = attrs.i("end", rank);
    start = std::clamp<int64_t>(start < 0 ? start + rank : start, 0, rank);
    end = std::clamp<int64_t>(end < 0 ? end + rank : end, 0, rank);
    ConstTensor c;
    c.kind = ConstTensor::Kind::integer;
    c.ints.assign(shape.begin() + start, shape.begin() + std::max(start, end));
    c.dims = {int64_t(c.ints.size())};
    constants_[node.output(0)] = std::move(c);
  }

  // NeuralView attributes that ONNX has no place for (nv_spatial, ...).
  void apply_node_attributes(GraphSpec& spec) const {
    for (const auto& prop : model_.metadata_props()) {
      if (prop.key() != onnx_detail::kNodeAttributesKey) continue;
      nlohmann::json table;
      try {
        table = nlohmann::json::parse(prop.value());
      } catch (const nlohmann::json::exception& e) {
        invalid(std::string("metadata '") + onnx_detail::kNodeAttributesKey + "' is not JSON (" + e.what() + ")");
      }
      if (!table.is_object())
        invalid(std::string("metadata '") + onnx_detail::kNodeAttributesKey + "' is not an object");
      for (NodeSpec& node : spec.nodes) {
        auto entry = table.find(node.name);
        if (entry == table.end() || !entry->is_object()) continue;
        for (const auto& [key, value] : entry->items()) {
          if (key.rfind("nv_", 0) != 0) continue;
          if (value.is_number_integer())
            node.attributes[key] = value.get<int64_t>();
          else if (value.is_number())
            node.attributes[key] = value.get<double>();
          else if (value.is_string())
            node.attributes[key] = value.get<std::string>();
          else if (value.is_array() &&
                   std::all_of(value.begin(), value.end(), [](const auto& v) { return v.is_number_integer(); }))
            node.attributes[key] = value.get<std::vector<int64_t>>();
          else if (value.is_array() &&
                   std::all_of(value.begin(), value.end(), [](const auto& v) { return v.is_number(); }))
            node.attributes[key] = value.get<std::vector<double>>();
        }
      }
    }
  }

  const onnx::ModelProto& model_;
  std::string source_;
  int64_t opset_ = 0;
  std::optional<int64_t> static_batch_;
  std::unique_ptr<GraphBuilder> builder_;
  std::map<std::string, ConstTensor> constants_;
  std::vector<std::string> initializer_names_;
  std::map<std::string, std::string> aliases_;
  std::map<std::string, PendingPad> pads_;
  std::map<std::string, PendingTranspose> transposes_;
  std::map<std::string, PendingMatMul> matmuls_;
  std::map<std::string, int> consumers_;
  std::set<std::string> onnx_names_;
};

}  // namespace

GraphSpec load_onnx_from_bytes(const std::string& bytes, const std::string& source) {
  onnx::ModelProto model;
  if (bytes.empty()) throw std::runtime_error("'" + source + "' is not a valid ONNX model: it is empty");
  if (bytes.size() > size_t(INT32_MAX) || !model.ParseFromArray(bytes.data(), int(bytes.size())))
    throw std::runtime_error("'" + source +
                             "' is not a valid ONNX model: it cannot be parsed (truncated or corrupted)");
  return OnnxReader(model, source).read();
}

GraphSpec load_onnx(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) throw std::runtime_error("cannot open ONNX model file '" + path + "': no such file or not readable");
  std::ostringstream contents;
  contents << file.rdbuf();
  if (file.bad()) throw std::runtime_error("cannot read ONNX model file '" + path + "'");
  return load_onnx_from_bytes(contents.str(), path);
}

}  // namespace nv
