// MaxPool, AveragePool and GlobalAveragePool (oneDNN pooling).
//
// Max pooling in training: oneDNN 2.6's AVX2 kernels record an argmax
// workspace in the forward pass, which makes that pass three times slower than
// the inference one, and its backward pass is about as slow again. For the
// common case (non-overlapping windows that tile the input exactly, blocked
// channels) the forward runs oneDNN's inference kernel and the backward finds
// each window's maximum again from the kept input (first maximum in scan order
// gets the gradient, as in PyTorch) in one pass that writes every element of
// the input gradient once. Other cases keep oneDNN's workspace.
#include <algorithm>
#include <array>
#include <limits>

#include "engine_layers.h"

namespace nv::engine {

namespace {

// Geometry of a max pooling over a channel-blocked layout (nChw8c, nCdhw16c,
// ...): memory is [N][C/block][D][H][W][block]; 2-D pooling has D = 1.
struct BlockedWindows {
  int64_t outer = 0;             // N * C / block
  std::array<int64_t, 3> in{};   // D, H, W of the input
  std::array<int64_t, 3> out{};  // of the output
  std::array<int64_t, 3> k{};    // window (= stride)
  int64_t block = 0;
  // Multiply the gradient by a rectifier's slope at the maximum (1 where it
  // is positive, else alpha): the producer's fused ReLU/LeakyReLU backward.
  bool rectify = false;
  float alpha = 0.0f;
};

template <int Block>
void max_pool_backward(const BlockedWindows& g, const float* src, const float* diff_dst, float* diff_src) {
  const int64_t in_plane = g.in[0] * g.in[1] * g.in[2] * Block;
  const int64_t out_plane = g.out[0] * g.out[1] * g.out[2] * Block;
#pragma omp parallel for collapse(2) schedule(static)
  for (int64_t o = 0; o < g.outer; ++o) {
    for (int64_t od = 0; od < g.out[0]; ++od) {
      const float* s = src + o * in_plane;
      float* ds = diff_src + o * in_plane;
      const float* dd = diff_dst + o * out_plane;
      for (int64_t oh = 0; oh < g.out[1]; ++oh) {
        for (int64_t ow = 0; ow < g.out[2]; ++ow) {
          // Argmax per lane, scanning the window in (d, h, w) order.
          float best[Block];
          int32_t where[Block];
          for (int l = 0; l < Block; ++l) {
            best[l] = -std::numeric_limits<float>::infinity();
            where[l] = 0;
          }
          int32_t index = 0;
          for (int64_t kd = 0; kd < g.k[0]; ++kd)
            for (int64_t kh = 0; kh < g.k[1]; ++kh)
              for (int64_t kw = 0; kw < g.k[2]; ++kw, ++index) {
                const int64_t d = od * g.k[0] + kd, h = oh * g.k[1] + kh, w = ow * g.k[2] + kw;
                const float* v = s + ((d * g.in[1] + h) * g.in[2] + w) * Block;
                for (int l = 0; l < Block; ++l) {
                  const bool larger = v[l] > best[l];
                  best[l] = larger ? v[l] : best[l];
                  where[l] = larger ? index : where[l];
                }
              }
          const float* gradient = dd + ((od * g.out[1] + oh) * g.out[2] + ow) * Block;
          float slope[Block];
          for (int l = 0; l < Block; ++l) slope[l] = !g.rectify || best[l] > 0.0f ? 1.0f : g.alpha;
          index = 0;
          for (int64_t kd = 0; kd < g.k[0]; ++kd)
            for (int64_t kh = 0; kh < g.k[1]; ++kh)
              for (int64_t kw = 0; kw < g.k[2]; ++kw, ++index) {
                const int64_t d = od * g.k[0] + kd, h = oh * g.k[1] + kh, w = ow * g.k[2] + kw;
                float* target = ds + ((d * g.in[1] + h) * g.in[2] + w) * Block;
                for (int l = 0; l < Block; ++l) target[l] = where[l] == index ? gradient[l] * slope[l] : 0.0f;
              }
        }
      }
    }
  }
}

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
    const memory::desc dst_any = any_desc(geometry_.output_shape, plan.compute_type());
    dnnl::pooling_forward::desc desc(plan.forward_kind(), algorithm_, src_desc, dst_any, strides_, kernel_, pads_begin_,
                                     pads_end_);
    pd_ = dnnl::pooling_forward::primitive_desc(desc, plan.attributes(), plan.engine());
    if (plan.training() && algorithm_ == dnnl::algorithm::pooling_max && tiles_blocked(src_desc)) {
      // The inference kernel, without workspace; backward re-finds the maxima.
      dnnl::pooling_forward::primitive_desc inference(
          dnnl::pooling_forward::desc(dnnl::prop_kind::forward_inference, algorithm_, src_desc, dst_any, strides_,
                                      kernel_, pads_begin_, pads_end_),
          plan.attributes(), plan.engine());
      if (inference.dst_desc() == with_dims(src_desc, geometry_.output_shape)) {
        pd_ = inference;
        recompute_argmax_ = true;
      }
    }
    dst_ = plan.define_value(node_.outputs[0], pd_.dst_desc());
    std::unordered_map<int, memory> args = {{DNNL_ARG_SRC, src_}, {DNNL_ARG_DST, dst_}};
    if (plan.training() && algorithm_ == dnnl::algorithm::pooling_max && !recompute_argmax_) {
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
    if (recompute_argmax_) {
      plan_recomputed_backward(plan, label, only);
      return;
    }
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
  static memory::desc with_dims(const memory::desc& like, const Shape& shape) {
    const int64_t block = channel_block(like);
    const bool three_d = shape.size() == 5;
    const format_tag tag = block == 8 ? (three_d ? format_tag::nCdhw8c : format_tag::nChw8c)
                                      : (three_d ? format_tag::nCdhw16c : format_tag::nChw16c);
    return memory::desc(to_dims(shape), like.data_type(), tag);
  }

  // f32 in nChw8c/nChw16c/nCdhw8c/nCdhw16c with whole channel blocks, and
  // windows equal to strides that tile the input without padding.
  bool tiles_blocked(const memory::desc& src) const {
    const Shape& in = geometry_.input_shapes[0];
    if (src.data_type() != data_type::f32 || (in.size() != 4 && in.size() != 5)) return false;
    const int64_t block = channel_block(src);
    if ((block != 8 && block != 16) || in[1] % block != 0 || src != with_dims(src, in)) return false;
    for (size_t i = 0; i < kernel_.size(); ++i)
      if (kernel_[i] != strides_[i] || pads_begin_[i] != 0 || pads_end_[i] != 0 || in[2 + i] % kernel_[i] != 0)
        return false;
    return geometry_.dilations.empty() ||
           std::all_of(geometry_.dilations.begin(), geometry_.dilations.end(), [](int64_t d) { return d == 1; });
  }

  void plan_recomputed_backward(Plan& plan, const std::string& label, bool only) {
    const Shape& in = geometry_.input_shapes[0];
    const Shape& out = geometry_.output_shape;
    const memory::desc src_desc = src_.get_desc();
    BlockedWindows g;
    g.block = channel_block(src_desc);
    g.outer = in[0] * in[1] / g.block;
    const size_t spatial = in.size() - 2, skip = 3 - spatial;  // 2-D: D = 1
    g.in = {1, 1, 1};
    g.out = {1, 1, 1};
    g.k = {1, 1, 1};
    for (size_t i = 0; i < spatial; ++i) {
      g.in[skip + i] = in[2 + i];
      g.out[skip + i] = out[2 + i];
      g.k[skip + i] = kernel_[i];
    }
    // Sole consumer of a value computed with a fused rectifier: apply its
    // slope here, at the maxima, instead of a pass over the whole input.
    Value& input = plan.value(node_.inputs[0]);
    if (input.rectified && input.consumers == 1 && input.alias_of < 0 && !plan.is_network_output(input.name)) {
      g.rectify = true;
      g.alpha = input.rectifier_alpha;
      input.rectifier_applied = true;
    }
    memory diff_dst = plan.gradient_in_layout(node_.outputs[0], dst_.get_desc(), label);
    Plan::Contribution contribution = plan.begin_contribution(node_.inputs[0], src_desc);
    Step step;
    step.label = label;
    memory src = src_, target = contribution.target;
    step.custom = [g, src, diff_dst, target]() {
      const float* s = static_cast<const float*>(src.get_data_handle());
      const float* dd = static_cast<const float*>(diff_dst.get_data_handle());
      float* ds = static_cast<float*>(target.get_data_handle());
      if (g.block == 8)
        max_pool_backward<8>(g, s, dd, ds);
      else
        max_pool_backward<16>(g, s, dd, ds);
    };
    step.touches = {src, diff_dst, target};
    step.input_gradient_only = only;
    plan.add_backward(std::move(step));
    plan.end_contribution(contribution, label);
  }

  dnnl::algorithm algorithm_ = dnnl::algorithm::pooling_max;
  memory::dims strides_, kernel_, pads_begin_, pads_end_;
  dnnl::pooling_forward::primitive_desc pd_;
  memory src_, dst_, workspace_;
  bool recompute_argmax_ = false;
};

}  // namespace

std::unique_ptr<Layer> make_pooling_layer(const NodeSpec& node, const NodeGeometry& geometry) {
  return std::make_unique<PoolingLayer>(node, geometry);
}

}  // namespace nv::engine
