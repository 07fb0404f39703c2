// Element-wise activations (Relu, LeakyRelu, Tanh, Sigmoid) and Softmax over
// channels. Their gradients are computed from the output, so backward does
// not need the input kept.
#include "engine_layers.h"

namespace nv::engine {

namespace {

class EltwiseLayer : public Layer {
 public:
  using Layer::Layer;

  void plan_forward(Plan& plan) override {
    algorithm_ = activation_algorithm(node_, plan.training(), alpha_);
    const memory::desc data = plan.value_desc(node_.inputs[0]);
    pd_ = dnnl::eltwise_forward::primitive_desc(
        dnnl::eltwise_forward::desc(plan.forward_kind(), algorithm_, data, alpha_, 0.0f), plan.attributes(),
        plan.engine());
    src_ = plan.value_memory(node_.inputs[0]);
    dst_ = plan.define_value(node_.outputs[0], pd_.dst_desc());
    plan.add_forward(
        primitive_step(node_.name, dnnl::eltwise_forward(pd_), {{DNNL_ARG_SRC, src_}, {DNNL_ARG_DST, dst_}}));
  }

  void plan_backward(Plan& plan) override {
    const std::string& input = node_.inputs[0];
    if (!plan.needs_gradient(input)) return;
    const bool only = plan.gradient_input_only(input);
    const std::string label = node_.name + " backward";
    const bool from_dst = algorithm_ == dnnl::algorithm::eltwise_relu_use_dst_for_bwd ||
                          algorithm_ == dnnl::algorithm::eltwise_tanh_use_dst_for_bwd ||
                          algorithm_ == dnnl::algorithm::eltwise_logistic_use_dst_for_bwd;
    const memory::desc data = dst_.get_desc();
    dnnl::eltwise_backward::primitive_desc pd(dnnl::eltwise_backward::desc(algorithm_, data, data, alpha_, 0.0f),
                                              plan.attributes(), plan.engine(), pd_);
    memory diff_dst = plan.gradient_in_layout(node_.outputs[0], pd.diff_dst_desc(), label);
    Plan::Contribution contribution = plan.begin_contribution(input, pd.diff_src_desc());
    std::unordered_map<int, memory> args = {{DNNL_ARG_DIFF_DST, diff_dst}, {DNNL_ARG_DIFF_SRC, contribution.target}};
    if (from_dst)
      args[DNNL_ARG_DST] = dst_;
    else
      args[DNNL_ARG_SRC] = src_;
    plan.add_backward(primitive_step(label, dnnl::eltwise_backward(pd), std::move(args), only));
    plan.end_contribution(contribution, label);
  }

 private:
  dnnl::algorithm algorithm_ = dnnl::algorithm::eltwise_relu;
  float alpha_ = 0.0f;
  dnnl::eltwise_forward::primitive_desc pd_;
  memory src_, dst_;
};

class SoftmaxLayer : public Layer {
 public:
  using Layer::Layer;

  void plan_forward(Plan& plan) override {
    const memory::desc data = plan.value_desc(node_.inputs[0]);
    pd_ = dnnl::softmax_forward::primitive_desc(dnnl::softmax_forward::desc(plan.forward_kind(), data, 1),
                                                plan.attributes(), plan.engine());
    src_ = plan.value_memory(node_.inputs[0]);
    dst_ = plan.define_value(node_.outputs[0], pd_.dst_desc());
    plan.add_forward(
        primitive_step(node_.name, dnnl::softmax_forward(pd_), {{DNNL_ARG_SRC, src_}, {DNNL_ARG_DST, dst_}}));
  }

  void plan_backward(Plan& plan) override {
    const std::string& input = node_.inputs[0];
    if (!plan.needs_gradient(input)) return;
    const bool only = plan.gradient_input_only(input);
    const std::string label = node_.name + " backward";
    const memory::desc data = dst_.get_desc();
    dnnl::softmax_backward::primitive_desc pd(dnnl::softmax_backward::desc(data, data, 1), plan.attributes(),
                                              plan.engine(), pd_);
    memory diff_dst = plan.gradient_in_layout(node_.outputs[0], pd.diff_dst_desc(), label);
    Plan::Contribution contribution = plan.begin_contribution(input, pd.diff_src_desc());
    plan.add_backward(primitive_step(
        label, dnnl::softmax_backward(pd),
        {{DNNL_ARG_DIFF_DST, diff_dst}, {DNNL_ARG_DST, dst_}, {DNNL_ARG_DIFF_SRC, contribution.target}}, only));
    plan.end_contribution(contribution, label);
  }

 private:
  dnnl::softmax_forward::primitive_desc pd_;
  memory src_, dst_;
};

}  // namespace

std::unique_ptr<Layer> make_eltwise_layer(const NodeSpec& node, const NodeGeometry& geometry) {
  return std::make_unique<EltwiseLayer>(node, geometry);
}

std::unique_ptr<Layer> make_softmax_layer(const NodeSpec& node, const NodeGeometry& geometry) {
  return std::make_unique<SoftmaxLayer>(node, geometry);
}

}  // namespace nv::engine
