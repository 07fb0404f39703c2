// Concat over channels and element-wise Add: the two ways a DAG joins
// branches (U-Net skips, residual connections).
#include <stdexcept>

#include "engine_layers.h"

namespace nv::engine {

namespace {

// The element type that several joined inputs share: theirs when they agree,
// the compute type otherwise.
data_type joined_type(Plan& plan, const std::vector<std::string>& inputs) {
  const data_type first = plan.value_desc(inputs[0]).data_type();
  for (const std::string& name : inputs)
    if (plan.value_desc(name).data_type() != first) return plan.compute_type();
  return first;
}

memory::desc channels_last(const memory::dims& dims, data_type type) {
  return memory::desc(dims, type, dims.size() == 5 ? format_tag::acdeb : format_tag::acdb);
}

class ConcatLayer : public Layer {
 public:
  using Layer::Layer;

  void plan_forward(Plan& plan) override {
    const data_type type = joined_type(plan, node_.inputs);
    std::vector<memory::desc> sources;
    for (const std::string& name : node_.inputs) {
      memory::desc desc = plan.value_desc(name);
      if (desc.data_type() != type) desc = with_data_type(desc, type);
      sources.push_back(desc);
      inputs_.push_back(plan.value_in_layout(name, desc, node_.name + " input type"));
    }
    pd_ = dnnl::concat::primitive_desc(1, sources, plan.engine(), plan.attributes());
    // Backward takes channel slices of the output gradient; a blocked layout
    // allows that only at multiples of its channel block.
    const int64_t block = channel_block(pd_.dst_desc());
    bool aligned = true;
    for (const Shape& s : geometry_.input_shapes) aligned = aligned && s[1] % block == 0;
    if (!aligned)
      pd_ = dnnl::concat::primitive_desc(channels_last(to_dims(geometry_.output_shape), type), 1, sources,
                                         plan.engine(), plan.attributes());
    dst_ = plan.define_value(node_.outputs[0], pd_.dst_desc());
    std::unordered_map<int, memory> args = {{DNNL_ARG_DST, dst_}};
    for (size_t i = 0; i < inputs_.size(); ++i) args[DNNL_ARG_MULTIPLE_SRC + static_cast<int>(i)] = inputs_[i];
    plan.add_forward(primitive_step(node_.name, dnnl::concat(pd_), std::move(args)));
  }

  void plan_backward(Plan& plan) override {
    const std::string label = node_.name + " backward";
    const memory::desc dst_desc = dst_.get_desc();
    memory diff = plan.gradient_in_layout(node_.outputs[0], dst_desc, label);
    int64_t offset = 0;
    for (size_t i = 0; i < node_.inputs.size(); ++i) {
      const Shape& shape = geometry_.input_shapes[i];
      const std::string& input = node_.inputs[i];
      if (plan.needs_gradient(input)) {
        memory::dims offsets(shape.size(), 0);
        offsets[1] = offset;
        memory slice = plan.view(diff, dst_desc.submemory_desc(to_dims(shape), offsets));
        plan.contribute(input, slice, label + " slice " + std::to_string(i));
      }
      offset += shape[1];
    }
  }

 private:
  std::vector<memory> inputs_;
  dnnl::concat::primitive_desc pd_;
  memory dst_;
};

class AddLayer : public Layer {
 public:
  using Layer::Layer;

  void plan_forward(Plan& plan) override {
    const data_type type = joined_type(plan, node_.inputs);
    memory::desc desc = plan.value_desc(node_.inputs[0]);
    if (desc.data_type() != type) desc = with_data_type(desc, type);
    memory a = plan.value_in_layout(node_.inputs[0], desc, node_.name + " input type");
    memory b = plan.value_in_layout(node_.inputs[1], desc, node_.name + " input layout");
    dnnl::binary::primitive_desc pd(dnnl::binary::desc(dnnl::algorithm::binary_add, desc, desc, desc),
                                    plan.attributes(), plan.engine());
    dst_ = plan.define_value(node_.outputs[0], desc);
    plan.add_forward(
        primitive_step(node_.name, dnnl::binary(pd), {{DNNL_ARG_SRC_0, a}, {DNNL_ARG_SRC_1, b}, {DNNL_ARG_DST, dst_}}));
  }

  void plan_backward(Plan& plan) override {
    const std::string label = node_.name + " backward";
    memory diff = plan.gradient_in_layout(node_.outputs[0], dst_.get_desc(), label);
    for (const std::string& input : node_.inputs)
      if (plan.needs_gradient(input)) plan.contribute(input, diff, label);
  }

 private:
  memory dst_;
};

}  // namespace

std::unique_ptr<Layer> make_concat_layer(const NodeSpec& node, const NodeGeometry& geometry) {
  return std::make_unique<ConcatLayer>(node, geometry);
}

std::unique_ptr<Layer> make_add_layer(const NodeSpec& node, const NodeGeometry& geometry) {
  return std::make_unique<AddLayer>(node, geometry);
}

}  // namespace nv::engine
