// Gemm (oneDNN inner_product) and Flatten.
//
// A Flatten whose consumers are all Gemm is a view: the inner product reads
// the 4-D/5-D activation in its blocked layout directly, with weights viewed
// as (out, C, H, W), which is the same as PyTorch's flatten order. Other
// Flattens reorder to the plain layout.
#include "engine_layers.h"

namespace nv::engine {

namespace {

class DenseLayer : public Layer {
 public:
  DenseLayer(const NodeSpec& node, const NodeGeometry& geometry, const NodeSpec* activation)
      : Layer(node, geometry), activation_(activation) {}

  std::string output_name() const override { return activation_ ? activation_->outputs[0] : node_.outputs[0]; }

  void plan_forward(Plan& plan) override {
    const data_type type = plan.compute_type();
    const std::string& input = node_.inputs[0];
    memory::desc src_desc = plan.value_desc(input);
    if (src_desc.data_type() != type) src_desc = with_data_type(src_desc, type);
    const memory::dims src_dims = src_desc.dims();
    const int64_t outputs = geometry_.output_shape[1];

    // Weight dims follow the source dims (out, C[, D, H, W]); the master
    // layout is (out, in) for transB=1 and (in, out) otherwise.
    memory::dims dims = {outputs};
    dims.insert(dims.end(), src_dims.begin() + 1, src_dims.end());
    memory::dims strides(dims.size());
    int64_t stride = geometry_.transposed_weights ? 1 : outputs;
    for (size_t i = dims.size() - 1; i >= 1; --i) {
      strides[i] = stride;
      stride *= dims[i];
    }
    strides[0] = geometry_.transposed_weights ? stride : 1;
    weights_dims_ = dims;
    plain_weights_ = memory::desc(dims, data_type::f32, strides);
    bias_desc_ = geometry_.has_bias ? memory::desc({outputs}, data_type::f32, format_tag::a) : memory::desc();

    dnnl::primitive_attr attr = plan.attributes();
    if (activation_) {
      dnnl::post_ops ops;
      float alpha = 0.0f;
      const dnnl::algorithm algorithm = activation_algorithm(*activation_, false, alpha);  // sets alpha
      ops.append_eltwise(1.0f, algorithm, alpha, 0.0f);
      attr.set_post_ops(ops);
    }
    auto make_pd = [&](const memory::desc& source) {
      dnnl::inner_product_forward::desc desc(plan.forward_kind(), source, memory::desc(dims, type, format_tag::any),
                                             bias_desc_, any_desc(geometry_.output_shape, type));
      return dnnl::inner_product_forward::primitive_desc(desc, attr, plan.engine());
    };
    try {
      pd_ = make_pd(src_desc);  // reads the producer's layout directly
    } catch (const dnnl::error&) {
      // Some implementations (e.g. bf16 GEMM) accept only layouts of their
      // choosing: let oneDNN pick one and reorder into it.
      pd_ = make_pd(memory::desc(src_dims, type, format_tag::any));
    }
    src_ = plan.value_in_layout(input, pd_.src_desc(), node_.name + " input layout");
    weights_ = plan.allocate(pd_.weights_desc());
    plan.add_reorder(plan.import_steps(), plan.master_weight(node_.inputs[1], plain_weights_), weights_,
                     node_.name + " weights");
    dst_ = plan.define_value(output_name(), pd_.dst_desc());
    std::unordered_map<int, memory> args = {{DNNL_ARG_SRC, src_}, {DNNL_ARG_WEIGHTS, weights_}, {DNNL_ARG_DST, dst_}};
    if (geometry_.has_bias) args[DNNL_ARG_BIAS] = plan.master_weight(node_.inputs[2], bias_desc_);
    plan.add_forward(primitive_step(node_.name, dnnl::inner_product_forward(pd_), std::move(args)));
  }

  void plan_backward(Plan& plan) override {
    const data_type type = plan.compute_type();
    const std::string label = node_.name + " backward";
    const memory::desc dst_desc = dst_.get_desc();
    memory diff_dst_source;
    if (activation_) {
      float alpha = 0.0f;
      const dnnl::algorithm algorithm = activation_algorithm(*activation_, true, alpha);
      dnnl::eltwise_forward::primitive_desc hint(
          dnnl::eltwise_forward::desc(dnnl::prop_kind::forward_training, algorithm, dst_desc, alpha, 0.0f),
          plan.attributes(), plan.engine());
      dnnl::eltwise_backward::primitive_desc pd(
          dnnl::eltwise_backward::desc(algorithm, dst_desc, dst_desc, alpha, 0.0f), plan.attributes(), plan.engine(),
          hint);
      diff_dst_source = plan.allocate_transient(dst_desc);
      memory diff_out = plan.gradient_in_layout(output_name(), dst_desc, label);
      plan.add_backward(
          primitive_step(activation_->name + " backward", dnnl::eltwise_backward(pd),
                         {{DNNL_ARG_DIFF_DST, diff_out}, {DNNL_ARG_DST, dst_}, {DNNL_ARG_DIFF_SRC, diff_dst_source}}));
    } else {
      diff_dst_source = plan.gradient_in_layout(output_name(), dst_desc, label);
    }

    const memory::desc diff_dst_any = any_desc(geometry_.output_shape, type);
    dnnl::inner_product_backward_weights::primitive_desc wpd(
        dnnl::inner_product_backward_weights::desc(
            src_.get_desc(), memory::desc(weights_dims_, data_type::f32, format_tag::any), bias_desc_, diff_dst_any),
        plan.attributes(), plan.engine(), pd_);
    memory src = in_layout(plan, plan.backward_steps(), src_, wpd.src_desc(), label + " input layout");
    memory diff_dst =
        in_layout(plan, plan.backward_steps(), diff_dst_source, wpd.diff_dst_desc(), label + " gradient layout");
    memory gradient_master = plan.master_gradient(node_.inputs[1], plain_weights_);
    memory diff_weights =
        wpd.diff_weights_desc() == plain_weights_ ? gradient_master : plan.allocate_transient(wpd.diff_weights_desc());
    std::unordered_map<int, memory> args = {
        {DNNL_ARG_SRC, src}, {DNNL_ARG_DIFF_DST, diff_dst}, {DNNL_ARG_DIFF_WEIGHTS, diff_weights}};
    memory bias_master, diff_bias;
    if (geometry_.has_bias) {
      bias_master = plan.master_gradient(node_.inputs[2], bias_desc_);
      diff_bias = wpd.diff_bias_desc() == bias_desc_ ? bias_master : plan.allocate_transient(wpd.diff_bias_desc());
      args[DNNL_ARG_DIFF_BIAS] = diff_bias;
    }
    plan.add_backward(primitive_step(label + " weights", dnnl::inner_product_backward_weights(wpd), std::move(args)));
    if (diff_weights != gradient_master)
      plan.add_reorder(plan.backward_steps(), diff_weights, gradient_master, label + " weight gradient");
    if (geometry_.has_bias && diff_bias != bias_master)
      plan.add_reorder(plan.backward_steps(), diff_bias, bias_master, label + " bias gradient");

    const std::string& input = node_.inputs[0];
    if (!plan.needs_gradient(input)) return;
    const bool only = plan.gradient_input_only(input);
    dnnl::inner_product_backward_data::primitive_desc dpd(
        dnnl::inner_product_backward_data::desc(src_.get_desc(), memory::desc(weights_dims_, type, format_tag::any),
                                                diff_dst_any),
        plan.attributes(), plan.engine(), pd_);
    memory weights = weights_;
    if (dpd.weights_desc() != weights_.get_desc()) {
      weights = plan.allocate(dpd.weights_desc());
      plan.add_reorder(plan.import_steps(), weights_, weights, label + " data weights");
    }
    memory data_diff_dst = dpd.diff_dst_desc() == diff_dst.get_desc()
                               ? diff_dst
                               : in_layout(plan, plan.backward_steps(), diff_dst_source, dpd.diff_dst_desc(),
                                           label + " data gradient layout", only);
    Plan::Contribution contribution = plan.begin_contribution(input, dpd.diff_src_desc());
    plan.add_backward(primitive_step(
        label + " data", dnnl::inner_product_backward_data(dpd),
        {{DNNL_ARG_DIFF_DST, data_diff_dst}, {DNNL_ARG_WEIGHTS, weights}, {DNNL_ARG_DIFF_SRC, contribution.target}},
        only));
    plan.end_contribution(contribution, label);
  }

 private:
  const NodeSpec* activation_;
  memory::dims weights_dims_;
  memory::desc plain_weights_, bias_desc_;
  dnnl::inner_product_forward::primitive_desc pd_;
  memory src_, weights_, dst_;
};

class FlattenLayer : public Layer {
 public:
  FlattenLayer(const NodeSpec& node, const NodeGeometry& geometry, bool as_view)
      : Layer(node, geometry), as_view_(as_view) {}

  void plan_forward(Plan& plan) override {
    const std::string& input = node_.inputs[0];
    if (as_view_) {
      plan.define_alias(node_.outputs[0], input);
      return;
    }
    const data_type type = plan.value_desc(input).data_type();
    plain_input_ = plan.value_in_layout(input, plain_desc(geometry_.input_shapes[0], type), node_.name);
    Value& out = plan.value(node_.outputs[0]);
    out.desc = plain_desc(geometry_.output_shape, type);
    out.value = memory(out.desc, plan.engine(), plain_input_.get_data_handle());
    out.materialized = true;
  }

  void plan_backward(Plan& plan) override {
    const std::string& input = node_.inputs[0];
    if (as_view_ || !plan.needs_gradient(input)) return;
    const std::string label = node_.name + " backward";
    const data_type type = plan.value_desc(node_.outputs[0]).data_type();
    memory diff = plan.gradient_in_layout(node_.outputs[0], plain_desc(geometry_.output_shape, type), label);
    memory unflattened = plan.view(diff, plain_desc(geometry_.input_shapes[0], type));
    plan.contribute(input, unflattened, label);
  }

 private:
  bool as_view_;
  memory plain_input_;
};

}  // namespace

std::unique_ptr<Layer> make_dense_layer(const NodeSpec& node, const NodeGeometry& geometry,
                                        const NodeSpec* activation) {
  return std::make_unique<DenseLayer>(node, geometry, activation);
}

std::unique_ptr<Layer> make_flatten_layer(const NodeSpec& node, const NodeGeometry& geometry, bool as_view) {
  return std::make_unique<FlattenLayer>(node, geometry, as_view);
}

}  // namespace nv::engine
