// Resize by an integer factor (oneDNN resampling: nearest, or linear with
// half-pixel centres, i.e. PyTorch's align_corners=False).
#include "engine_layers.h"

namespace nv::engine {

namespace {

class ResizeLayer : public Layer {
 public:
  using Layer::Layer;

  void plan_forward(Plan& plan) override {
    algorithm_ = node_.string_attribute("mode", "nearest") == "linear" ? dnnl::algorithm::resampling_linear
                                                                       : dnnl::algorithm::resampling_nearest;
    const Shape& in = geometry_.input_shapes[0];
    factors_.assign(in.size() - 2, static_cast<float>(node_.int_attribute("nv_scale", 1)));
    const memory::desc src = plan.value_desc(node_.inputs[0]);
    pd_ = dnnl::resampling_forward::primitive_desc(
        dnnl::resampling_forward::desc(plan.forward_kind(), algorithm_, factors_, src,
                                       any_desc(geometry_.output_shape, src.data_type())),
        plan.attributes(), plan.engine());
    src_ = plan.value_memory(node_.inputs[0]);
    dst_ = plan.define_value(node_.outputs[0], pd_.dst_desc());
    plan.add_forward(
        primitive_step(node_.name, dnnl::resampling_forward(pd_), {{DNNL_ARG_SRC, src_}, {DNNL_ARG_DST, dst_}}));
  }

  void plan_backward(Plan& plan) override {
    const std::string& input = node_.inputs[0];
    if (!plan.needs_gradient(input)) return;
    const bool only = plan.gradient_input_only(input);
    const std::string label = node_.name + " backward";
    dnnl::resampling_backward::primitive_desc pd(
        dnnl::resampling_backward::desc(algorithm_, factors_, src_.get_desc(), dst_.get_desc()), plan.attributes(),
        plan.engine(), pd_);
    memory diff_dst = plan.gradient_in_layout(node_.outputs[0], pd.diff_dst_desc(), label);
    Plan::Contribution contribution = plan.begin_contribution(input, pd.diff_src_desc());
    plan.add_backward(primitive_step(label, dnnl::resampling_backward(pd),
                                     {{DNNL_ARG_DIFF_DST, diff_dst}, {DNNL_ARG_DIFF_SRC, contribution.target}}, only));
    plan.end_contribution(contribution, label);
  }

 private:
  dnnl::algorithm algorithm_ = dnnl::algorithm::resampling_nearest;
  std::vector<float> factors_;
  dnnl::resampling_forward::primitive_desc pd_;
  memory src_, dst_;
};

}  // namespace

std::unique_ptr<Layer> make_resize_layer(const NodeSpec& node, const NodeGeometry& geometry) {
  return std::make_unique<ResizeLayer>(node, geometry);
}

}  // namespace nv::engine
