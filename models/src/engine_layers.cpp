#include "engine_layers.h"

#include <stdexcept>

namespace nv::engine {

Step primitive_step(const std::string& label, const dnnl::primitive& primitive, std::unordered_map<int, memory> args,
                    bool input_gradient_only) {
  Step step;
  step.label = label;
  step.primitive = primitive;
  step.args = std::move(args);
  step.input_gradient_only = input_gradient_only;
  return step;
}

memory in_layout(Plan& plan, std::vector<Step>& steps, const memory& source, const memory::desc& wanted,
                 const std::string& label, bool input_gradient_only) {
  if (source.get_desc() == wanted) return source;
  memory converted = &steps == &plan.backward_steps() ? plan.allocate_transient(wanted) : plan.allocate(wanted);
  plan.add_reorder(steps, source, converted, label, input_gradient_only);
  return converted;
}

dnnl::algorithm activation_algorithm(const NodeSpec& node, bool use_dst_for_backward, float& alpha) {
  using dnnl::algorithm;
  alpha = 0.0f;
  if (node.op == "Relu")
    return use_dst_for_backward ? algorithm::eltwise_relu_use_dst_for_bwd : algorithm::eltwise_relu;
  if (node.op == "LeakyRelu") {
    alpha = static_cast<float>(node.float_attribute("alpha", 0.01));
    // oneDNN computes a leaky ReLU's gradient from its output only for alpha >= 0.
    if (alpha < 0.0f) use_dst_for_backward = false;
    return use_dst_for_backward ? algorithm::eltwise_relu_use_dst_for_bwd : algorithm::eltwise_relu;
  }
  if (node.op == "Tanh")
    return use_dst_for_backward ? algorithm::eltwise_tanh_use_dst_for_bwd : algorithm::eltwise_tanh;
  if (node.op == "Sigmoid")
    return use_dst_for_backward ? algorithm::eltwise_logistic_use_dst_for_bwd : algorithm::eltwise_logistic;
  throw std::invalid_argument("node '" + node.name + "': " + node.op + " is not an activation");
}

std::unique_ptr<Layer> make_layer(const GraphSpec& spec, const GraphGeometry& geometry, const LayerGroup& group) {
  const NodeSpec& node = spec.nodes[group.main];
  const NodeGeometry& g = geometry.nodes[group.main];
  const std::string& op = node.op;
  if (op == "Conv" || op == "ConvTranspose") return make_convolution_layer(node, g, group.batchnorm, group.activation);
  if (op == "MaxPool" || op == "AveragePool" || op == "GlobalAveragePool") return make_pooling_layer(node, g);
  if (op == "BatchNormalization") return make_batchnorm_layer(node, g, group.activation);
  if (op == "Relu" || op == "LeakyRelu" || op == "Tanh" || op == "Sigmoid") return make_eltwise_layer(node, g);
  if (op == "Softmax") return make_softmax_layer(node, g);
  if (op == "Gemm") return make_dense_layer(node, g, group.activation);
  if (op == "Flatten") return make_flatten_layer(node, g, group.flatten_as_view);
  if (op == "Concat") return make_concat_layer(node, g);
  if (op == "Add") return make_add_layer(node, g);
  if (op == "Dropout") return make_dropout_layer(node, g);
  if (op == "Resize") return make_resize_layer(node, g);
  throw std::invalid_argument("node '" + node.name + "': operation " + op + " is not supported by the engine");
}

}  // namespace nv::engine
