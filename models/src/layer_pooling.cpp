// MaxPool, AveragePool and GlobalAveragePool (oneDNN pooling; max pooling
// keeps its argmax workspace for the backward pass).
#include "engine_layers.h"

namespace nv::engine {

namespace {

class PoolingLayer : public Layer {
 public:
  using Layer::Layer;

  void plan_forward(Plan& plan) override {
    if (node_.op == "MaxPool")
      algorithm_ = dnnl::algorithm::pooling_max;
    else if (node_.op == "AveragePool" && node_.int_attribute("count_include_pad", 0) != 0)
      algorithm_ = dnnl::algorithm::pooling_avg_include_padding;
    else
      algorithm_ = dnnl::algorithm::pooling_avg_exclude_padding;
    strides_ = to_dims(geometry_.strides);
    kernel_ = to_dims(geometry_.kernel);
    pads_begin_ = to_dims(geometry_.pads_begin);
    pads_end_ = to_dims(geometry_.pads_end);

    const std::string& input = node_.inputs[0];
    // Pooling runs in the compute type (bf16 in bf16 mode) and keeps the
    // input's layout.
    memory::desc src_desc = plan.value_desc(input);
    if (src_desc.data_type() != plan.compute_type()) src_desc = with_data_type(src_desc, plan.compute_type());
    src_ = plan.value_in_layout(input, src_desc, node_.name + " input type");
    dnnl::pooling_forward::desc desc(plan.forward_kind(), algorithm_, src_desc,
                                     any_desc(geometry_.output_shape, plan.compute_type()), strides_, kernel_,
                                     pads_begin_, pads_end_);
    pd_ = dnnl::pooling_forward::primitive_desc(desc, plan.attributes(), plan.engine());
    dst_ = plan.define_value(node_.outputs[0], pd_.dst_desc());
    std::unordered_map<int, memory> args = {{DNNL_ARG_SRC, src_}, {DNNL_ARG_DST, dst_}};
    if (plan.training() && algorithm_ == dnnl::algorithm::pooling_max) {
      workspace_ = plan.allocate(pd_.workspace_desc());
      args[DNNL_ARG_WORKSPACE] = workspace_;
    }
    plan.add_forward(primitive_step(node_.name, dnnl::pooling_forward(pd_), std::move(args)));
  }

  void plan_backward(Plan& plan) override {
    const std::string& input = node_.inputs[0];
    if (!plan.needs_gradient(input)) return;
    const bool only = plan.gradient_input_only(input);
    const std::string label = node_.name + " backward";
    dnnl::pooling_backward::desc desc(algorithm_, src_.get_desc(), dst_.get_desc(), strides_, kernel_, pads_begin_,
                                      pads_end_);
    dnnl::pooling_backward::primitive_desc pd(desc, plan.attributes(), plan.engine(), pd_);
    memory diff_dst = plan.gradient_in_layout(node_.outputs[0], pd.diff_dst_desc(), label);
    Plan::Contribution contribution = plan.begin_contribution(input, pd.diff_src_desc());
    std::unordered_map<int, memory> args = {{DNNL_ARG_DIFF_DST, diff_dst}, {DNNL_ARG_DIFF_SRC, contribution.target}};
    if (workspace_) args[DNNL_ARG_WORKSPACE] = workspace_;
    plan.add_backward(primitive_step(label, dnnl::pooling_backward(pd), std::move(args), only));
    plan.end_contribution(contribution, label);
  }

 private:
  dnnl::algorithm algorithm_ = dnnl::algorithm::pooling_max;
  memory::dims strides_, kernel_, pads_begin_, pads_end_;
  dnnl::pooling_forward::primitive_desc pd_;
  memory src_, dst_, workspace_;
};

}  // namespace

std::unique_ptr<Layer> make_pooling_layer(const NodeSpec& node, const NodeGeometry& geometry) {
  return std::make_unique<PoolingLayer>(node, geometry);
}

}  // namespace nv::engine
