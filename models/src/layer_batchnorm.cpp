// BatchNormalization (oneDNN batch_normalization), optionally with a fused
// ReLU. Training normalises with batch statistics and updates the running
// statistics the ONNX way: running = momentum * running + (1 - momentum) *
// batch, with the unbiased batch variance (as PyTorch does).
#include <stdexcept>

#include "engine_layers.h"

namespace nv::engine {

namespace {

class BatchNormLayer : public Layer {
 public:
  BatchNormLayer(const NodeSpec& node, const NodeGeometry& geometry, const NodeSpec* relu)
      : Layer(node, geometry), relu_(relu) {}

  std::string output_name() const override { return relu_ ? relu_->outputs[0] : node_.outputs[0]; }

  void plan_forward(Plan& plan) override {
    const Shape& in = geometry_.input_shapes[0];
    const int64_t channels = in[1];
    epsilon_ = static_cast<float>(node_.float_attribute("epsilon", 1e-5));
    momentum_ = node_.float_attribute("momentum", 0.9);
    flags_ = dnnl::normalization_flags::use_scale | dnnl::normalization_flags::use_shift;
    if (!plan.training()) flags_ = flags_ | dnnl::normalization_flags::use_global_stats;
    if (relu_) flags_ = flags_ | dnnl::normalization_flags::fuse_norm_relu;

    data_desc_ = plan.value_desc(node_.inputs[0]);
    src_ = plan.value_memory(node_.inputs[0]);
    dnnl::batch_normalization_forward::desc desc(plan.forward_kind(), data_desc_, epsilon_, flags_);
    pd_ = dnnl::batch_normalization_forward::primitive_desc(desc, plan.attributes(), plan.engine());
    const memory::desc channel_desc({channels}, data_type::f32, format_tag::a);
    scale_ = plan.master_weight(node_.inputs[1], channel_desc);
    shift_ = plan.master_weight(node_.inputs[2], channel_desc);
    if (plan.training()) {
      mean_ = plan.allocate(pd_.mean_desc());
      variance_ = plan.allocate(pd_.variance_desc());
    } else {
      mean_ = plan.master_weight(node_.inputs[3], channel_desc);
      variance_ = plan.master_weight(node_.inputs[4], channel_desc);
    }
    dst_ = plan.define_value(output_name(), pd_.dst_desc());
    std::unordered_map<int, memory> args = {{DNNL_ARG_SRC, src_},     {DNNL_ARG_DST, dst_},
                                            {DNNL_ARG_SCALE, scale_}, {DNNL_ARG_SHIFT, shift_},
                                            {DNNL_ARG_MEAN, mean_},   {DNNL_ARG_VARIANCE, variance_}};
    if (plan.training() && relu_) {
      workspace_ = plan.allocate(pd_.workspace_desc());
      args[DNNL_ARG_WORKSPACE] = workspace_;
    }
    plan.add_forward(primitive_step(node_.name, dnnl::batch_normalization_forward(pd_), std::move(args)));

    if (plan.training()) {
      // Running statistics update, right after the batch statistics exist.
      Tensor* running_mean = &plan.state().weights.at(node_.inputs[3]);
      Tensor* running_var = &plan.state().weights.at(node_.inputs[4]);
      const int64_t count = element_count(in) / channels;
      const double unbias = count > 1 ? static_cast<double>(count) / static_cast<double>(count - 1) : 1.0;
      const double momentum = momentum_;
      memory mean = mean_, variance = variance_;
      Step update;
      update.label = node_.name + " running statistics";
      update.custom = [running_mean, running_var, mean, variance, channels, unbias, momentum]() {
        const float* batch_mean = static_cast<const float*>(mean.get_data_handle());
        const float* batch_var = static_cast<const float*>(variance.get_data_handle());
        for (int64_t c = 0; c < channels; ++c) {
          (*running_mean)[c] = static_cast<float>(momentum * (*running_mean)[c] + (1.0 - momentum) * batch_mean[c]);
          (*running_var)[c] =
              static_cast<float>(momentum * (*running_var)[c] + (1.0 - momentum) * batch_var[c] * unbias);
        }
      };
      plan.add_forward(std::move(update));
    }
  }

  void plan_backward(Plan& plan) override {
    const std::string label = node_.name + " backward";
    const std::string& input = node_.inputs[0];
    dnnl::batch_normalization_backward::desc desc(dnnl::prop_kind::backward, dst_.get_desc(), data_desc_, epsilon_,
                                                  flags_);
    dnnl::batch_normalization_backward::primitive_desc pd(desc, plan.attributes(), plan.engine(), pd_);
    memory diff_dst = plan.gradient_in_layout(output_name(), pd.diff_dst_desc(), label);
    const memory::desc channel_desc({geometry_.input_shapes[0][1]}, data_type::f32, format_tag::a);
    memory diff_scale = plan.master_gradient(node_.inputs[1], channel_desc);
    memory diff_shift = plan.master_gradient(node_.inputs[2], channel_desc);
    // The data gradient comes with the parameter gradients; when nothing
    // upstream needs it, it goes to scratch memory.
    Plan::Contribution contribution = plan.begin_contribution(input, pd.diff_src_desc());
    std::unordered_map<int, memory> args = {{DNNL_ARG_SRC, src_},
                                            {DNNL_ARG_MEAN, mean_},
                                            {DNNL_ARG_VARIANCE, variance_},
                                            {DNNL_ARG_DIFF_DST, diff_dst},
                                            {DNNL_ARG_SCALE, scale_},
                                            {DNNL_ARG_SHIFT, shift_},
                                            {DNNL_ARG_DIFF_SRC, contribution.target},
                                            {DNNL_ARG_DIFF_SCALE, diff_scale},
                                            {DNNL_ARG_DIFF_SHIFT, diff_shift}};
    if (workspace_) args[DNNL_ARG_WORKSPACE] = workspace_;
    plan.add_backward(primitive_step(label, dnnl::batch_normalization_backward(pd), std::move(args)));
    if (plan.needs_gradient(input)) plan.end_contribution(contribution, label);
  }

 private:
  const NodeSpec* relu_;
  float epsilon_ = 1e-5f;
  double momentum_ = 0.9;
  dnnl::normalization_flags flags_{};
  memory::desc data_desc_;
  dnnl::batch_normalization_forward::primitive_desc pd_;
  memory src_, dst_, scale_, shift_, mean_, variance_, workspace_;
};

}  // namespace

std::unique_ptr<Layer> make_batchnorm_layer(const NodeSpec& node, const NodeGeometry& geometry, const NodeSpec* relu) {
  if (relu && relu->op != "Relu") throw std::logic_error("only ReLU fuses into BatchNormalization");
  return std::make_unique<BatchNormLayer>(node, geometry, relu);
}

}  // namespace nv::engine
