// Inverted dropout: training multiplies by a mask of 0 and 1/(1-ratio);
// inference is the identity (a view of the input). nv_spatial=1 drops whole
// channels (one mask value per sample and channel).
//
// Masks come from a counter-based hash of (seed, node, forward call, index),
// so they are reproducible for a seed and call sequence and independent of
// the number of threads.
#include <functional>

#include "engine_layers.h"

namespace nv::engine {

namespace {

uint64_t mix(uint64_t x) {  // splitmix64 finaliser
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

class DropoutLayer : public Layer {
 public:
  using Layer::Layer;

  void plan_forward(Plan& plan) override {
    const std::string& input = node_.inputs[0];
    if (!plan.training()) {
      plan.define_alias(node_.outputs[0], input);
      return;
    }
    const double ratio = node_.float_attribute("ratio", 0.5);
    const bool spatial = node_.int_attribute("nv_spatial", 0) != 0;
    const Shape& shape = geometry_.input_shapes[0];
    desc_ = plan.value_desc(input);
    const memory::desc plain = plain_desc(shape, desc_.data_type());
    mask_plain_ = plan.allocate(plain);
    mask_ = desc_ == plain ? mask_plain_ : plan.allocate(desc_);

    const int64_t total = element_count(shape);
    const int64_t per_channel = spatial ? total / (shape[0] * shape[1]) : 1;
    const bool bf16 = desc_.data_type() == data_type::bf16;
    const uint64_t node_key = mix(std::hash<std::string>{}(node_.name));
    NetworkState* state = &plan.state();
    memory mask = mask_plain_;
    Step fill;
    fill.label = node_.name + " mask";
    fill.custom = [=]() {
      const uint64_t key = mix(mix(state->seed ^ node_key) + state->dropout_calls);
      const float keep_value = static_cast<float>(1.0 / (1.0 - ratio));
      const uint16_t keep_bf16 = float_to_bf16(keep_value);
      // Keep with probability 1 - ratio: compare 53 random bits with ratio.
      const uint64_t threshold = static_cast<uint64_t>(ratio * 9007199254740992.0);
      void* data = mask.get_data_handle();
#pragma omp parallel for schedule(static)
      for (int64_t i = 0; i < total; ++i) {
        const bool keep = (mix(key + static_cast<uint64_t>(i / per_channel)) >> 11) >= threshold;
        if (bf16)
          static_cast<uint16_t*>(data)[i] = keep ? keep_bf16 : 0;
        else
          static_cast<float*>(data)[i] = keep ? keep_value : 0.0f;
      }
    };
    plan.add_forward(std::move(fill));
    if (mask_ != mask_plain_) plan.add_reorder(plan.forward_steps(), mask_plain_, mask_, node_.name + " mask layout");
    multiply_ = dnnl::binary(dnnl::binary::primitive_desc(
        dnnl::binary::desc(dnnl::algorithm::binary_mul, desc_, desc_, desc_), plan.attributes(), plan.engine()));
    memory src = plan.value_memory(input);
    memory dst = plan.define_value(node_.outputs[0], desc_);
    plan.add_forward(
        primitive_step(node_.name, multiply_, {{DNNL_ARG_SRC_0, src}, {DNNL_ARG_SRC_1, mask_}, {DNNL_ARG_DST, dst}}));
  }

  void plan_backward(Plan& plan) override {
    const std::string& input = node_.inputs[0];
    if (!plan.needs_gradient(input)) return;
    const bool only = plan.gradient_input_only(input);
    const std::string label = node_.name + " backward";
    memory diff = plan.gradient_in_layout(node_.outputs[0], desc_, label);
    Plan::Contribution contribution = plan.begin_contribution(input, desc_);
    plan.add_backward(
        primitive_step(label, multiply_,
                       {{DNNL_ARG_SRC_0, diff}, {DNNL_ARG_SRC_1, mask_}, {DNNL_ARG_DST, contribution.target}}, only));
    plan.end_contribution(contribution, label);
  }

 private:
  memory::desc desc_;
  memory mask_plain_, mask_;
  dnnl::binary multiply_;
};

}  // namespace

std::unique_ptr<Layer> make_dropout_layer(const NodeSpec& node, const NodeGeometry& geometry) {
  return std::make_unique<DropoutLayer>(node, geometry);
}

}  // namespace nv::engine
