// Conv and ConvTranspose (oneDNN convolution / deconvolution), optionally with
// a following BatchNormalization folded into the weights (inference) and a
// following activation as a post-op.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>

#include "engine_layers.h"

namespace nv::engine {

namespace {

memory::dims minus_one(const std::vector<int64_t>& dilations) {
  memory::dims result;
  for (int64_t d : dilations) result.push_back(d - 1);  // oneDNN counts dilation from 0
  return result;
}

class ConvolutionLayer : public Layer {
 public:
  ConvolutionLayer(const NodeSpec& node, const NodeGeometry& geometry, const NodeSpec* batchnorm,
                   const NodeSpec* activation)
      : Layer(node, geometry),
        batchnorm_(batchnorm),
        activation_(activation),
        transposed_(node.op == "ConvTranspose") {}

  std::string output_name() const override {
    if (activation_) return activation_->outputs[0];
    if (batchnorm_) return batchnorm_->outputs[0];
    return node_.outputs[0];
  }

  void plan_forward(Plan& plan) override {
    const data_type type = plan.compute_type();
    const Shape& in = geometry_.input_shapes[0];
    const Shape& out = geometry_.output_shape;
    const Tensor& w = plan.state().weights.at(node_.inputs[1]);
    const int64_t groups = geometry_.groups;
    const int64_t out_channels = out[1], in_channels = in[1];
    const Shape kernel(w.shape().begin() + 2, w.shape().end());
    int64_t kernel_volume = 1;
    for (int64_t k : kernel) kernel_volume *= k;

    // Weight dims as oneDNN sees them, and the strides of the ONNX layout:
    // Conv W is (O, I/g, k...), ConvTranspose W is (I, O/g, k...).
    memory::dims dims, strides;
    const int64_t o = out_channels / groups, i = in_channels / groups;
    if (groups > 1)
      dims = {groups, o, i};
    else
      dims = {o, i};
    for (int64_t k : kernel) dims.push_back(k);
    {
      memory::dims kernel_strides;
      int64_t stride = 1;
      for (auto it = kernel.rbegin(); it != kernel.rend(); ++it) {
        kernel_strides.insert(kernel_strides.begin(), stride);
        stride *= *it;
      }
      const int64_t o_stride = transposed_ ? kernel_volume : i * kernel_volume;
      const int64_t i_stride = transposed_ ? o * kernel_volume : kernel_volume;
      if (groups > 1)
        strides = {o * i * kernel_volume, o_stride, i_stride};
      else
        strides = {o_stride, i_stride};
      strides.insert(strides.end(), kernel_strides.begin(), kernel_strides.end());
    }
    weights_dims_ = dims;
    plain_weights_ = memory::desc(dims, data_type::f32, strides);
    has_bias_ = geometry_.has_bias || batchnorm_ != nullptr;
    bias_desc_ = has_bias_ ? memory::desc({out_channels}, data_type::f32, format_tag::a) : memory::desc();

    strides_ = to_dims(geometry_.strides);
    dilations_ = minus_one(geometry_.dilations);
    pads_begin_ = to_dims(geometry_.pads_begin);
    pads_end_ = to_dims(geometry_.pads_end);

    if (transposed_ && plan_tiled_transpose(plan)) return;

    dnnl::primitive_attr attr = plan.attributes();
    if (activation_) {
      dnnl::post_ops ops;
      float alpha = 0.0f;
      const dnnl::algorithm algorithm = activation_algorithm(*activation_, false, alpha);  // sets alpha
      ops.append_eltwise(1.0f, algorithm, alpha, 0.0f);
      attr.set_post_ops(ops);
    }
    const memory::desc src_any = any_desc(in, type), dst_any = any_desc(out, type);
    const memory::desc weights_any(dims, type, format_tag::any);
    if (!transposed_) {
      dnnl::convolution_forward::desc desc(plan.forward_kind(), dnnl::algorithm::convolution_direct, src_any,
                                           weights_any, bias_desc_, dst_any, strides_, dilations_, pads_begin_,
                                           pads_end_);
      conv_pd_ = dnnl::convolution_forward::primitive_desc(desc, attr, plan.engine());
      src_desc_ = conv_pd_.src_desc();
      weights_desc_ = conv_pd_.weights_desc();
      dst_desc_ = conv_pd_.dst_desc();
      forward_ = dnnl::convolution_forward(conv_pd_);
    } else {
      dnnl::deconvolution_forward::desc desc(plan.forward_kind(), dnnl::algorithm::deconvolution_direct, src_any,
                                             weights_any, bias_desc_, dst_any, strides_, dilations_, pads_begin_,
                                             pads_end_);
      deconv_pd_ = dnnl::deconvolution_forward::primitive_desc(desc, attr, plan.engine());
      src_desc_ = deconv_pd_.src_desc();
      weights_desc_ = deconv_pd_.weights_desc();
      dst_desc_ = deconv_pd_.dst_desc();
      forward_ = dnnl::deconvolution_forward(deconv_pd_);
    }

    src_ = plan.value_in_layout(node_.inputs[0], src_desc_, node_.name + " input layout");
    weights_ = plan.allocate(weights_desc_);
    if (batchnorm_) {
      plan_batchnorm_folding(plan);
    } else {
      plan.add_reorder(plan.import_steps(), plan.master_weight(node_.inputs[1], plain_weights_), weights_,
                       node_.name + " weights");
      if (has_bias_) bias_ = plan.master_weight(node_.inputs[2], bias_desc_);
    }
    dst_ = plan.define_value(output_name(), dst_desc_);
    if (activation_ && plan.training() && (activation_->op == "Relu" || activation_->op == "LeakyRelu")) {
      float alpha = 0.0f;
      if (activation_algorithm(*activation_, true, alpha) == dnnl::algorithm::eltwise_relu_use_dst_for_bwd) {
        Value& v = plan.value(output_name());
        v.rectified = true;
        v.rectifier_alpha = alpha;
      }
    }
    std::unordered_map<int, memory> args = {{DNNL_ARG_SRC, src_}, {DNNL_ARG_WEIGHTS, weights_}, {DNNL_ARG_DST, dst_}};
    if (has_bias_) args[DNNL_ARG_BIAS] = bias_;
    plan.add_forward(primitive_step(node_.name, forward_, std::move(args)));
  }

  void plan_backward(Plan& plan) override {
    if (is_tiled_) {
      plan_tiled_transpose_backward(plan);
      return;
    }
    const data_type type = plan.compute_type();
    const Shape& in = geometry_.input_shapes[0];
    const Shape& out = geometry_.output_shape;
    const std::string label = node_.name + " backward";

    // Gradient at the convolution's own output (before a fused activation).
    memory diff_dst_source;
    if (activation_ && !plan.value(output_name()).rectifier_applied) {
      float alpha = 0.0f;
      const dnnl::algorithm algorithm = activation_algorithm(*activation_, true, alpha);
      const bool from_dst = algorithm == dnnl::algorithm::eltwise_relu_use_dst_for_bwd ||
                            algorithm == dnnl::algorithm::eltwise_tanh_use_dst_for_bwd ||
                            algorithm == dnnl::algorithm::eltwise_logistic_use_dst_for_bwd;
      if (!from_dst) throw std::invalid_argument("node '" + activation_->name + "' cannot be fused for training");
      dnnl::eltwise_forward::primitive_desc hint(
          dnnl::eltwise_forward::desc(dnnl::prop_kind::forward_training, algorithm, dst_desc_, alpha, 0.0f),
          plan.attributes(), plan.engine());
      dnnl::eltwise_backward::primitive_desc pd(
          dnnl::eltwise_backward::desc(algorithm, dst_desc_, dst_desc_, alpha, 0.0f), plan.attributes(), plan.engine(),
          hint);
      diff_dst_source = plan.allocate_transient(dst_desc_);
      memory diff_out = plan.gradient_in_layout(output_name(), dst_desc_, label);
      plan.add_backward(
          primitive_step(activation_->name + " backward", dnnl::eltwise_backward(pd),
                         {{DNNL_ARG_DIFF_DST, diff_out}, {DNNL_ARG_DST, dst_}, {DNNL_ARG_DIFF_SRC, diff_dst_source}}));
    } else {
      diff_dst_source = plan.gradient_in_layout(output_name(), dst_desc_, label);
    }

    const memory::desc src_any = any_desc(in, type), dst_any = any_desc(out, type);
    const memory::desc diff_weights_any(weights_dims_, data_type::f32, format_tag::any);
    const memory::desc weights_any(weights_dims_, type, format_tag::any);

    // Weight gradient. Where oneDNN has only its im2col+GEMM implementation
    // (3-D without AVX-512), it runs about twice as fast on channels-last
    // data, which is worth two reorders; other layers keep blocked layouts.
    memory::desc bw_src, bw_diff_dst, bw_diff_weights, bw_diff_bias;
    dnnl::primitive weights_primitive;
    auto plan_weights = [&](const memory::desc& src_md, const memory::desc& dst_md) {
      dnnl::primitive_desc_base base;
      if (!transposed_) {
        dnnl::convolution_backward_weights::primitive_desc pd(
            dnnl::convolution_backward_weights::desc(dnnl::algorithm::convolution_direct, src_md, diff_weights_any,
                                                     bias_desc_, dst_md, strides_, dilations_, pads_begin_, pads_end_),
            plan.attributes(), plan.engine(), conv_pd_);
        weights_primitive = dnnl::convolution_backward_weights(pd);
        base = pd;
      } else {
        dnnl::deconvolution_backward_weights::primitive_desc pd(
            dnnl::deconvolution_backward_weights::desc(dnnl::algorithm::deconvolution_direct, src_md, diff_weights_any,
                                                       bias_desc_, dst_md, strides_, dilations_, pads_begin_,
                                                       pads_end_),
            plan.attributes(), plan.engine(), deconv_pd_);
        weights_primitive = dnnl::deconvolution_backward_weights(pd);
        base = pd;
      }
      bw_src = base.src_desc();
      bw_diff_dst = base.diff_dst_desc();
      bw_diff_weights = base.diff_weights_desc();
      bw_diff_bias = base.diff_weights_desc(1);
      return base.impl_info_str();
    };
    const std::string implementation = plan_weights(src_any, dst_any);
    memory src;
    if (in.size() == 5 && implementation.find("gemm") != std::string::npos) {
      src = plan_depth_padded_weights(plan, weights_primitive, bw_diff_weights, bw_diff_bias, label);
      if (src) {
        bw_diff_dst = dst_desc_;
      } else {
        plan_weights(plan.channels_last_desc(in, type), plan.channels_last_desc(out, type));
      }
    }
    if (!src) src = in_layout(plan, plan.backward_steps(), src_, bw_src, label + " input layout");
    memory diff_dst = in_layout(plan, plan.backward_steps(), diff_dst_source, bw_diff_dst, label + " gradient layout");
    memory gradient_master = plan.master_gradient(node_.inputs[1], plain_weights_);
    memory diff_weights =
        bw_diff_weights == plain_weights_ ? gradient_master : plan.allocate_transient(bw_diff_weights);
    std::unordered_map<int, memory> args = {
        {DNNL_ARG_SRC, src}, {DNNL_ARG_DIFF_DST, diff_dst}, {DNNL_ARG_DIFF_WEIGHTS, diff_weights}};
    if (has_bias_) {
      memory bias_master = plan.master_gradient(node_.inputs[2], bias_desc_);
      args[DNNL_ARG_DIFF_BIAS] = bw_diff_bias == bias_desc_ ? bias_master : plan.allocate_transient(bw_diff_bias);
      plan.add_backward(primitive_step(label + " weights", weights_primitive, args));
      if (bw_diff_bias != bias_desc_)
        plan.add_reorder(plan.backward_steps(), args[DNNL_ARG_DIFF_BIAS], bias_master, label + " bias gradient");
    } else {
      plan.add_backward(primitive_step(label + " weights", weights_primitive, args));
    }
    if (diff_weights != gradient_master)
      plan.add_reorder(plan.backward_steps(), diff_weights, gradient_master, label + " weight gradient");

    // Input gradient.
    const std::string& input = node_.inputs[0];
    if (!plan.needs_gradient(input)) return;
    const bool only = plan.gradient_input_only(input);
    memory::desc bd_diff_src, bd_weights, bd_diff_dst;
    dnnl::primitive data_primitive;
    if (!transposed_) {
      dnnl::convolution_backward_data::primitive_desc pd(
          dnnl::convolution_backward_data::desc(dnnl::algorithm::convolution_direct, src_any, weights_any, dst_any,
                                                strides_, dilations_, pads_begin_, pads_end_),
          plan.attributes(), plan.engine(), conv_pd_);
      bd_diff_src = pd.diff_src_desc();
      bd_weights = pd.weights_desc();
      bd_diff_dst = pd.diff_dst_desc();
      data_primitive = dnnl::convolution_backward_data(pd);
    } else {
      dnnl::deconvolution_backward_data::primitive_desc pd(
          dnnl::deconvolution_backward_data::desc(dnnl::algorithm::deconvolution_direct, src_any, weights_any, dst_any,
                                                  strides_, dilations_, pads_begin_, pads_end_),
          plan.attributes(), plan.engine(), deconv_pd_);
      bd_diff_src = pd.diff_src_desc();
      bd_weights = pd.weights_desc();
      bd_diff_dst = pd.diff_dst_desc();
      data_primitive = dnnl::deconvolution_backward_data(pd);
    }
    memory weights = weights_;
    if (bd_weights != weights_desc_) {
      weights = plan.allocate(bd_weights);
      plan.add_reorder(plan.import_steps(), weights_, weights, label + " data weights");
    }
    memory data_diff_dst = bd_diff_dst == diff_dst.get_desc()
                               ? diff_dst
                               : in_layout(plan, plan.backward_steps(), diff_dst_source, bd_diff_dst,
                                           label + " data gradient layout", only);
    Plan::Contribution contribution = plan.begin_contribution(input, bd_diff_src);
    plan.add_backward(primitive_step(
        label + " data", data_primitive,
        {{DNNL_ARG_DIFF_DST, data_diff_dst}, {DNNL_ARG_WEIGHTS, weights}, {DNNL_ARG_DIFF_SRC, contribution.target}},
        only));
    plan.end_contribution(contribution, label);
  }

 private:
  // A 2-D ConvTranspose whose windows tile the output (kernel = stride, no
  // padding) is a 1x1 convolution to kernel-size x out-channels channels
  // followed by a rearrangement of those channels into the output's
  // pixels. oneDNN 2.6's AVX2 deconvolution runs such layers at ~11 GFLOP/s,
  // its 1x1 convolution at ~60, and the rearrangement is one reorder between
  // two 6-D views (n, c, h, i, w, j) of the two blocked buffers.
  // Channel index of the 1x1 output: (i * kw + j) * out_channels + c.
  bool plan_tiled_transpose(Plan& plan) {
    const Shape& in = geometry_.input_shapes[0];
    const Shape& out = geometry_.output_shape;
    if (in.size() != 4 || geometry_.groups != 1 || plan.compute_type() != data_type::f32) return false;
    for (size_t i = 0; i < 2; ++i)
      if (geometry_.kernel[i] != geometry_.strides[i] || geometry_.pads_begin[i] != 0 || geometry_.pads_end[i] != 0 ||
          geometry_.dilations[i] != 1 || out[2 + i] != in[2 + i] * geometry_.kernel[i])
        return false;
    const int64_t kh = geometry_.kernel[0], kw = geometry_.kernel[1], taps = kh * kw;
    const int64_t cin = in[1], cout = out[1], n = in[0], h = in[2], w = in[3];
    const memory::desc bias1_desc =
        has_bias_ ? memory::desc({taps * cout}, data_type::f32, format_tag::a) : memory::desc();
    dnnl::convolution_forward::primitive_desc pd;
    try {
      pd = dnnl::convolution_forward::primitive_desc(
          dnnl::convolution_forward::desc(
              plan.forward_kind(), dnnl::algorithm::convolution_direct, any_desc(in, data_type::f32),
              memory::desc({taps * cout, cin, 1, 1}, data_type::f32, format_tag::any), bias1_desc,
              any_desc({n, taps * cout, h, w}, data_type::f32), {1, 1}, {0, 0}, {0, 0}),
          plan.attributes(), plan.engine());
    } catch (const dnnl::error&) {
      return false;
    }
    const int64_t block = channel_block(pd.dst_desc());
    const format_tag tag = block == 8 ? format_tag::nChw8c : block == 16 ? format_tag::nChw16c : format_tag::undef;
    if (tag == format_tag::undef || cout % block != 0 ||
        pd.dst_desc() != memory::desc({n, taps * cout, h, w}, data_type::f32, tag))
      return false;
    is_tiled_ = true;
    conv_pd_ = pd;
    src_desc_ = pd.src_desc();
    weights_desc_ = pd.weights_desc();
    tiled_desc_ = pd.dst_desc();
    dst_desc_ = memory::desc(to_dims(out), data_type::f32, tag);
    // The two 6-D views, in elements of the blocked layouts.
    const memory::dims dims6 = {n, cout, h, kh, w, kw};
    tiled_view_ = blocked_view(
        dims6, {taps * cout * h * w, h * w * block, w * block, kw * cout * h * w, block, cout * h * w}, block);
    const int64_t ow = w * kw;
    output_view_ = blocked_view(
        dims6, {cout * h * kh * ow, h * kh * ow * block, kh * ow * block, ow * block, kw * block, block}, block);

    // Weights: ONNX (cin, cout, kh, kw) -> plain (taps*cout, cin, 1, 1) ->
    // the primitive's layout. As 3-D (tap, cout, cin) views both are strided.
    plain_tiled_weights_ = plan.allocate(memory::desc({taps * cout, cin, 1, 1}, data_type::f32, format_tag::abcd));
    plan.add_reorder(plan.import_steps(), plan.master_weight(node_.inputs[1], onnx_taps_view()),
                     plan.view(plain_tiled_weights_, tiled_taps_view()), node_.name + " weights to 1x1");
    weights_ = plan.allocate(weights_desc_);
    plan.add_reorder(plan.import_steps(), plain_tiled_weights_, weights_, node_.name + " weights");
    std::unordered_map<int, memory> args;
    if (has_bias_) {
      const memory bias = plan.master_weight(node_.inputs[2], bias_desc_);
      bias_ = plan.allocate(bias1_desc);
      Step repeat;
      repeat.label = node_.name + " bias per tap";
      memory tiled_bias = bias_;
      repeat.custom = [bias, tiled_bias, taps, cout]() {
        const float* from = static_cast<const float*>(bias.get_data_handle());
        float* to = static_cast<float*>(tiled_bias.get_data_handle());
        for (int64_t t = 0; t < taps; ++t) std::copy(from, from + cout, to + t * cout);
      };
      plan.add_import(std::move(repeat));
      args[DNNL_ARG_BIAS] = bias_;
    }
    src_ = plan.value_in_layout(node_.inputs[0], src_desc_, node_.name + " input layout");
    tiled_ = plan.allocate(tiled_desc_);
    args[DNNL_ARG_SRC] = src_;
    args[DNNL_ARG_WEIGHTS] = weights_;
    args[DNNL_ARG_DST] = tiled_;
    plan.add_forward(primitive_step(node_.name + " (1x1)", dnnl::convolution_forward(pd), std::move(args)));
    dst_ = plan.define_value(output_name(), dst_desc_);
    plan.add_reorder(plan.forward_steps(), plan.view(tiled_, tiled_view_), plan.view(dst_, output_view_),
                     node_.name + " taps to pixels");
    return true;
  }

  void plan_tiled_transpose_backward(Plan& plan) {
    const std::string label = node_.name + " backward";
    const Shape& in = geometry_.input_shapes[0];
    const int64_t taps = geometry_.kernel[0] * geometry_.kernel[1], cout = geometry_.output_shape[1];
    memory diff_out = plan.gradient_in_layout(output_name(), dst_desc_, label);
    memory diff_tiled = plan.allocate_transient(tiled_desc_);
    plan.add_reorder(plan.backward_steps(), plan.view(diff_out, output_view_), plan.view(diff_tiled, tiled_view_),
                     label + " pixels to taps");
    const memory::desc weights_any({taps * cout, in[1], 1, 1}, data_type::f32, format_tag::any);
    const memory::desc bias1_desc =
        has_bias_ ? memory::desc({taps * cout}, data_type::f32, format_tag::a) : memory::desc();
    dnnl::convolution_backward_weights::primitive_desc wpd(
        dnnl::convolution_backward_weights::desc(dnnl::algorithm::convolution_direct, src_desc_, weights_any,
                                                 bias1_desc, tiled_desc_, {1, 1}, {0, 0}, {0, 0}),
        plan.attributes(), plan.engine(), conv_pd_);
    memory diff_weights = plan.allocate_transient(wpd.diff_weights_desc());
    memory plain_diff = plan.allocate_transient(plain_tiled_weights_.get_desc());
    std::unordered_map<int, memory> args = {
        {DNNL_ARG_SRC, in_layout(plan, plan.backward_steps(), src_, wpd.src_desc(), label + " input layout")},
        {DNNL_ARG_DIFF_DST, in_layout(plan, plan.backward_steps(), diff_tiled, wpd.diff_dst_desc(), label + " layout")},
        {DNNL_ARG_DIFF_WEIGHTS, diff_weights}};
    memory diff_bias;
    if (has_bias_) {
      diff_bias = plan.allocate_transient(wpd.diff_bias_desc());
      args[DNNL_ARG_DIFF_BIAS] = diff_bias;
    }
    plan.add_backward(primitive_step(label + " weights", dnnl::convolution_backward_weights(wpd), std::move(args)));
    plan.add_reorder(plan.backward_steps(), diff_weights, plain_diff, label + " weight gradient");
    plan.add_reorder(plan.backward_steps(), plan.view(plain_diff, tiled_taps_view()),
                     plan.master_gradient(node_.inputs[1], onnx_taps_view()), label + " weight gradient to ONNX");
    if (has_bias_) {
      const memory bias_master = plan.master_gradient(node_.inputs[2], bias_desc_);
      Step sum;
      sum.label = label + " bias gradient over taps";
      sum.custom = [diff_bias, bias_master, taps, cout]() {
        const float* from = static_cast<const float*>(diff_bias.get_data_handle());
        float* to = static_cast<float*>(bias_master.get_data_handle());
        for (int64_t c = 0; c < cout; ++c) {
          double total = 0.0;
          for (int64_t t = 0; t < taps; ++t) total += from[t * cout + c];
          to[c] = static_cast<float>(total);
        }
      };
      sum.touches = {diff_bias, bias_master};
      plan.add_backward(std::move(sum));
    }

    const std::string& input = node_.inputs[0];
    if (!plan.needs_gradient(input)) return;
    const bool only = plan.gradient_input_only(input);
    dnnl::convolution_backward_data::primitive_desc dpd(
        dnnl::convolution_backward_data::desc(dnnl::algorithm::convolution_direct, any_desc(in, data_type::f32),
                                              weights_any, tiled_desc_, {1, 1}, {0, 0}, {0, 0}),
        plan.attributes(), plan.engine(), conv_pd_);
    memory weights = weights_;
    if (dpd.weights_desc() != weights_desc_) {
      weights = plan.allocate(dpd.weights_desc());
      plan.add_reorder(plan.import_steps(), weights_, weights, label + " data weights");
    }
    memory data_diff_dst =
        in_layout(plan, plan.backward_steps(), diff_tiled, dpd.diff_dst_desc(), label + " data gradient layout", only);
    Plan::Contribution contribution = plan.begin_contribution(input, dpd.diff_src_desc());
    plan.add_backward(primitive_step(
        label + " data", dnnl::convolution_backward_data(dpd),
        {{DNNL_ARG_DIFF_DST, data_diff_dst}, {DNNL_ARG_WEIGHTS, weights}, {DNNL_ARG_DIFF_SRC, contribution.target}},
        only));
    plan.end_contribution(contribution, label);
  }

  // (tap, cout, cin) views of the ONNX weights (cin, cout, kh, kw) and of the
  // plain 1x1 weights (tap*cout, cin, 1, 1); kh and kw merge into one tap
  // index because kw's stride times kw is kh's stride.
  memory::desc onnx_taps_view() const {
    const int64_t taps = geometry_.kernel[0] * geometry_.kernel[1], cout = geometry_.output_shape[1];
    const int64_t cin = geometry_.input_shapes[0][1];
    return memory::desc({taps, cout, cin}, data_type::f32, memory::dims{1, taps, cout * taps});
  }
  memory::desc tiled_taps_view() const {
    const int64_t taps = geometry_.kernel[0] * geometry_.kernel[1], cout = geometry_.output_shape[1];
    const int64_t cin = geometry_.input_shapes[0][1];
    return memory::desc({taps, cout, cin}, data_type::f32, memory::dims{cout * cin, cin, 1});
  }

  // A blocked layout with the channel dimension (1) in blocks of `block`
  // innermost and arbitrary strides for the rest (strides[1] is the stride
  // of a channel block). oneDNN's descriptor API cannot state such a view,
  // so the descriptor is filled in directly.
  static memory::desc blocked_view(const memory::dims& dims, const memory::dims& strides, int64_t block) {
    dnnl_memory_desc_t md{};
    md.ndims = static_cast<int>(dims.size());
    md.data_type = dnnl_f32;
    md.format_kind = dnnl_blocked;
    for (size_t i = 0; i < dims.size(); ++i) {
      md.dims[i] = dims[i];
      md.padded_dims[i] = dims[i];
      md.format_desc.blocking.strides[i] = strides[i];
    }
    md.format_desc.blocking.inner_nblks = 1;
    md.format_desc.blocking.inner_blks[0] = block;
    md.format_desc.blocking.inner_idxs[0] = 1;
    return memory::desc(md);
  }

  // Without AVX-512, oneDNN 2.6 has a JIT 3-D weight gradient only for
  // convolutions without depth padding; with it, only im2col+GEMM, at half
  // the speed. The same gradient comes from an unpadded-depth convolution
  // over a copy of the input with explicit zero slices before and after, in
  // the forward output's blocked layout (so the output gradient needs no
  // reorder). Returns that copy's memory, or none where oneDNN offers no JIT
  // kernel for it either.
  memory plan_depth_padded_weights(Plan& plan, dnnl::primitive& weights_primitive, memory::desc& diff_weights_desc,
                                   memory::desc& diff_bias_desc, const std::string& label) {
    if (transposed_ || geometry_.groups != 1 || (pads_begin_[0] == 0 && pads_end_[0] == 0)) return memory();
    const int64_t block = channel_block(dst_desc_);
    if (block != 8 && block != 16) return memory();
    const data_type type = plan.compute_type();
    const Shape& in = geometry_.input_shapes[0];
    memory::dims padded = to_dims(in);
    padded[2] += pads_begin_[0] + pads_end_[0];
    const memory::desc padded_desc(padded, type, block == 8 ? format_tag::nCdhw8c : format_tag::nCdhw16c);
    memory::dims pads_begin = pads_begin_, pads_end = pads_end_;
    pads_begin[0] = pads_end[0] = 0;
    const memory::desc diff_weights_any(weights_dims_, data_type::f32, format_tag::any);
    const memory::desc weights_any(weights_dims_, type, format_tag::any);
    try {
      dnnl::convolution_forward::primitive_desc hint(
          dnnl::convolution_forward::desc(dnnl::prop_kind::forward_training, dnnl::algorithm::convolution_direct,
                                          padded_desc, weights_any, bias_desc_, dst_desc_, strides_, dilations_,
                                          pads_begin, pads_end),
          plan.attributes(), plan.engine());
      dnnl::convolution_backward_weights::primitive_desc pd(
          dnnl::convolution_backward_weights::desc(dnnl::algorithm::convolution_direct, padded_desc, diff_weights_any,
                                                   bias_desc_, dst_desc_, strides_, dilations_, pads_begin, pads_end),
          plan.attributes(), plan.engine(), hint);
      if (std::string(pd.impl_info_str()).find("gemm") != std::string::npos || pd.src_desc() != padded_desc ||
          pd.diff_dst_desc() != dst_desc_)
        return memory();
      weights_primitive = dnnl::convolution_backward_weights(pd);
      diff_weights_desc = pd.diff_weights_desc();
      diff_bias_desc = pd.diff_bias_desc();
    } catch (const dnnl::error&) {
      return memory();
    }
    // The zero slices (and padded channels) are written once, here; the
    // backward step copies the input into the interior.
    memory padded_src = plan.allocate(padded_desc);
    std::memset(padded_src.get_data_handle(), 0, padded_desc.get_size());
    memory::dims offsets(padded.size(), 0);
    offsets[2] = pads_begin_[0];
    memory interior(padded_desc.submemory_desc(to_dims(in), offsets), plan.engine(), padded_src.get_data_handle());
    plan.add_reorder(plan.backward_steps(), src_, interior, label + " depth-padded input");
    return padded_src;
  }

  // Inference: y = BN(conv(x, W) + b) = conv(x, W*s) + (b - mean)*s + beta
  // with s = scale / sqrt(var + eps), recomputed whenever weights change.
  void plan_batchnorm_folding(Plan& plan) {
    const NodeSpec& bn = *batchnorm_;
    NetworkState& state = plan.state();
    const Tensor* w = &state.weights.at(node_.inputs[1]);
    const Tensor* b = geometry_.has_bias ? &state.weights.at(node_.inputs[2]) : nullptr;
    const Tensor* gamma = &state.weights.at(bn.inputs[1]);
    const Tensor* beta = &state.weights.at(bn.inputs[2]);
    const Tensor* mean = &state.weights.at(bn.inputs[3]);
    const Tensor* var = &state.weights.at(bn.inputs[4]);
    const double epsilon = bn.float_attribute("epsilon", 1e-5);
    folded_weights_ = Tensor(w->shape());
    folded_bias_ = Tensor({gamma->size()});
    memory folded(plain_weights_, plan.engine(), folded_weights_.data());
    bias_ = memory(bias_desc_, plan.engine(), folded_bias_.data());
    Step fold;
    fold.label = node_.name + " fold " + bn.name;
    fold.custom = [this, w, b, gamma, beta, mean, var, epsilon]() {
      const int64_t channels = gamma->size();
      const int64_t per_channel = w->size() / channels;
      for (int64_t c = 0; c < channels; ++c) {
        const double s = (*gamma)[c] / std::sqrt(static_cast<double>((*var)[c]) + epsilon);
        const float* from = w->data() + c * per_channel;
        float* to = folded_weights_.data() + c * per_channel;
        for (int64_t k = 0; k < per_channel; ++k) to[k] = static_cast<float>(from[k] * s);
        const double bias = b ? (*b)[c] : 0.0;
        folded_bias_[c] = static_cast<float>((bias - (*mean)[c]) * s + (*beta)[c]);
      }
    };
    plan.add_import(std::move(fold));
    plan.add_reorder(plan.import_steps(), folded, weights_, node_.name + " weights");
  }

  const NodeSpec* batchnorm_;
  const NodeSpec* activation_;
  bool transposed_;
  bool has_bias_ = false;
  memory::dims weights_dims_, strides_, dilations_, pads_begin_, pads_end_;
  memory::desc plain_weights_, bias_desc_, src_desc_, weights_desc_, dst_desc_;
  dnnl::convolution_forward::primitive_desc conv_pd_;
  dnnl::deconvolution_forward::primitive_desc deconv_pd_;
  dnnl::primitive forward_;
  memory src_, weights_, bias_, dst_;
  Tensor folded_weights_, folded_bias_;
  // Tiled ConvTranspose (plan_tiled_transpose).
  bool is_tiled_ = false;
  memory tiled_, plain_tiled_weights_;
  memory::desc tiled_desc_, tiled_view_, output_view_;
};

}  // namespace

std::unique_ptr<Layer> make_convolution_layer(const NodeSpec& node, const NodeGeometry& geometry,
                                              const NodeSpec* batchnorm, const NodeSpec* activation) {
  if (batchnorm && node.op != "Conv") throw std::logic_error("BatchNormalization folds only into Conv");
  return std::make_unique<ConvolutionLayer>(node, geometry, batchnorm, activation);
}

}  // namespace nv::engine
