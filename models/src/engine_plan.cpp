#include "engine_plan.h"

#include <algorithm>
#include <cstring>
#include <set>
#include <stdexcept>

namespace nv::engine {

memory::dims to_dims(const Shape& shape) { return memory::dims(shape.begin(), shape.end()); }

memory::desc plain_desc(const Shape& shape, data_type type) {
  static const format_tag tags[] = {format_tag::undef, format_tag::a,    format_tag::ab,
                                    format_tag::abc,   format_tag::abcd, format_tag::abcde};
  if (shape.empty() || shape.size() > 5)
    throw std::invalid_argument("unsupported tensor rank " + shape_to_string(shape));
  return memory::desc(to_dims(shape), type, tags[shape.size()]);
}

memory::desc any_desc(const Shape& shape, data_type type) {
  return memory::desc(to_dims(shape), type, format_tag::any);
}

memory::desc with_data_type(const memory::desc& desc, data_type type) {
  dnnl_memory_desc_t copy = desc.data;
  copy.data_type = static_cast<dnnl_data_type_t>(type);
  copy.extra = dnnl_memory_extra_desc_t{};
  return memory::desc(copy);
}

int64_t channel_block(const memory::desc& desc) {
  const auto& blocking = desc.data.format_desc.blocking;
  int64_t block = 1;
  for (int i = 0; i < blocking.inner_nblks; ++i)
    if (blocking.inner_idxs[i] == 1) block *= blocking.inner_blks[i];
  return block;
}

uint16_t float_to_bf16(float value) {
  uint32_t bits = 0;
  std::memcpy(&bits, &value, sizeof bits);
  const uint32_t rounding = 0x7FFFu + ((bits >> 16) & 1u);  // round to nearest even
  return static_cast<uint16_t>((bits + rounding) >> 16);
}

namespace {

bool is_activation_op(const std::string& op) {
  return op == "Relu" || op == "LeakyRelu" || op == "Tanh" || op == "Sigmoid";
}

}  // namespace

Plan::Plan(const GraphSpec& spec, const GraphGeometry& geometry, NetworkState& state, const PlanConfig& config)
    : spec_(spec), state_(state), config_(config), engine_(dnnl::engine::kind::cpu, 0), stream_(engine_) {
  build(geometry);
}

Plan::~Plan() = default;

data_type Plan::compute_type() const { return config_.precision == Precision::bf16 ? data_type::bf16 : data_type::f32; }

memory::desc Plan::channels_last_desc(const Shape& shape, data_type type) const {
  return memory::desc(to_dims(shape), type, shape.size() == 5 ? format_tag::acdeb : format_tag::acdb);
}

dnnl::primitive_attr Plan::attributes() const {
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  return attr;
}

void Plan::bind_scratchpad(Step& step) {
  if (step.custom || step.args.count(DNNL_ARG_SCRATCHPAD)) return;
  const_dnnl_primitive_desc_t pd = nullptr;
  dnnl::error::wrap_c_api(dnnl_primitive_get_primitive_desc(step.primitive.get(), &pd), "primitive descriptor");
  const dnnl_memory_desc_t* md = dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0);
  if (!md || md->ndims == 0) return;
  const memory::desc desc(*md);
  if (desc.get_size() == 0) return;
  step.args[DNNL_ARG_SCRATCHPAD] = scratch(desc, 2);
}

dnnl::prop_kind Plan::forward_kind() const {
  return training() ? dnnl::prop_kind::forward_training : dnnl::prop_kind::forward_inference;
}

Value& Plan::value(const std::string& name) {
  auto it = value_index_.find(name);
  if (it == value_index_.end()) throw std::invalid_argument("unknown tensor '" + name + "'");
  return values_[static_cast<size_t>(it->second)];
}

Value& Plan::base_of(const std::string& name) {
  Value* v = &value(name);
  while (v->alias_of >= 0) v = &values_[static_cast<size_t>(v->alias_of)];
  return *v;
}

memory Plan::value_memory(const std::string& name) {
  Value& base = base_of(name);
  if (!base.materialized) throw std::logic_error("tensor '" + name + "' is used before it is computed");
  return base.value;
}

const memory::desc& Plan::value_desc(const std::string& name) { return base_of(name).desc; }

memory Plan::allocate(const memory::desc& desc) { return memory(desc, engine_); }

memory Plan::allocate_transient(const memory::desc& desc) {
  memory m(desc, engine_, DNNL_MEMORY_NONE);
  transients_.push_back(m);
  return m;
}

memory Plan::view(const memory& base, const memory::desc& desc) {
  memory m(desc, engine_, DNNL_MEMORY_NONE);
  if (base.get_data_handle())
    m.set_data_handle(base.get_data_handle());
  else
    views_.push_back({m, base});
  return m;
}

memory Plan::define_value(const std::string& name, const memory::desc& desc) {
  Value& v = value(name);
  v.desc = desc;
  v.value = allocate(desc);
  v.materialized = true;
  return v.value;
}

void Plan::define_alias(const std::string& name, const std::string& base) {
  Value& v = value(name);
  v.alias_of = value_index_.at(base);
  v.materialized = true;
}

memory Plan::value_in_layout(const std::string& name, const memory::desc& wanted, const std::string& label) {
  memory source = value_memory(name);
  if (source.get_desc() == wanted) return source;
  memory converted = allocate(wanted);
  add_reorder(forward_steps_, source, converted, label);
  return converted;
}

void Plan::add_forward(Step step) {
  bind_scratchpad(step);
  forward_steps_.push_back(std::move(step));
}
void Plan::add_backward(Step step) {
  bind_scratchpad(step);
  backward_steps_.push_back(std::move(step));
}
void Plan::add_import(Step step) {
  bind_scratchpad(step);
  import_steps_.push_back(std::move(step));
}

void Plan::add_reorder(std::vector<Step>& steps, const memory& from, const memory& to, const std::string& label,
                       bool input_gradient_only) {
  Step step;
  step.label = label;
  step.primitive = dnnl::reorder(dnnl::reorder::primitive_desc(from, to, attributes()));
  step.args = {{DNNL_ARG_FROM, from}, {DNNL_ARG_TO, to}};
  step.input_gradient_only = input_gradient_only;
  bind_scratchpad(step);
  steps.push_back(std::move(step));
}

memory Plan::master_weight(const std::string& name, const memory::desc& plain) {
  Tensor& t = state_.weights.at(name);
  if (static_cast<size_t>(t.size()) * sizeof(float) != plain.get_size())
    throw std::logic_error("weight '" + name + "' does not match its layout");
  memory m(plain, engine_, t.data());
  masters_.push_back({m, name, false});
  return m;
}

memory Plan::master_gradient(const std::string& name, const memory::desc& plain) {
  Tensor& t = state_.gradients.at(name);
  if (static_cast<size_t>(t.size()) * sizeof(float) != plain.get_size())
    throw std::logic_error("gradient of '" + name + "' does not match its layout");
  memory m(plain, engine_, t.data());
  masters_.push_back({m, name, true});
  return m;
}

void Plan::refresh_master_handles() {
  for (MasterBinding& binding : masters_) {
    Tensor& t = binding.gradient ? state_.gradients.at(binding.name) : state_.weights.at(binding.name);
    if (static_cast<size_t>(t.size()) * sizeof(float) != binding.memory_handle.get_desc().get_size())
      throw std::invalid_argument("parameter '" + binding.name + "' changed its size to " + shape_to_string(t.shape()) +
                                  "; parameters must be edited in place");
    if (binding.memory_handle.get_data_handle() != t.data()) binding.memory_handle.set_data_handle(t.data());
  }
}

bool Plan::needs_gradient(const std::string& /*name*/) const { return training(); }

bool Plan::gradient_input_only(const std::string& name) const {
  const Value* v = &values_[static_cast<size_t>(value_index_.at(name))];
  while (v->alias_of >= 0) v = &values_[static_cast<size_t>(v->alias_of)];
  return !v->depends_on_parameters;
}

memory& Plan::gradient_memory(Value& v) {
  // The input's gradient is read after the backward pass; all others live
  // only inside it.
  if (!v.gradient) v.gradient = &v == &values_[0] ? allocate(v.desc) : allocate_transient(v.desc);
  return v.gradient;
}

memory Plan::scratch(const memory::desc& desc, int slot) {
  memory m(desc, engine_, DNNL_MEMORY_NONE);
  scratch_memories_.push_back({m, slot});
  return m;
}

memory Plan::gradient_in_layout(const std::string& name, const memory::desc& wanted, const std::string& label) {
  Value& base = base_of(name);
  memory& gradient = gradient_memory(base);
  const bool only = !base.depends_on_parameters;
  if (base.contributions == 0 && base.name != spec_.output_name) {
    // Nothing downstream reaches the loss: the gradient is zero.
    Step zero;
    zero.label = "zero gradient of " + base.name;
    memory target = gradient;
    zero.custom = [target]() { std::memset(target.get_data_handle(), 0, target.get_desc().get_size()); };
    zero.touches = {target};
    zero.input_gradient_only = only;
    add_backward(std::move(zero));
    base.contributions = 1;
  }
  if (gradient.get_desc() == wanted) return gradient;
  memory converted = allocate_transient(wanted);
  add_reorder(backward_steps_, gradient, converted, label, only);
  return converted;
}

Plan::Contribution Plan::begin_contribution(const std::string& name, const memory::desc& desc) {
  Value& base = base_of(name);
  Contribution c;
  c.value = base.name;
  if (base.contributions == 0 && desc == base.desc) {
    c.target = gradient_memory(base);
    c.direct = true;
  } else {
    c.target = scratch(desc, 0);
  }
  return c;
}

void Plan::end_contribution(const Contribution& contribution, const std::string& label) {
  if (contribution.direct) {
    ++base_of(contribution.value).contributions;
    return;
  }
  contribute(contribution.value, contribution.target, label);
}

void Plan::contribute(const std::string& name, const memory& source, const std::string& label) {
  Value& base = base_of(name);
  memory& gradient = gradient_memory(base);
  const bool only = !base.depends_on_parameters;
  if (base.contributions++ == 0) {
    add_reorder(backward_steps_, source, gradient, label + " (gradient)", only);
    return;
  }
  memory addend = source;
  if (source.get_desc() != base.desc) {
    addend = scratch(base.desc, 1);
    add_reorder(backward_steps_, source, addend, label + " (gradient layout)", only);
  }
  dnnl::binary::primitive_desc pd(dnnl::binary::desc(dnnl::algorithm::binary_add, base.desc, base.desc, base.desc),
                                  attributes(), engine_);
  Step step;
  step.label = label + " (sum gradients of " + base.name + ")";
  step.primitive = dnnl::binary(pd);
  step.args = {{DNNL_ARG_SRC_0, gradient}, {DNNL_ARG_SRC_1, addend}, {DNNL_ARG_DST, gradient}};
  step.input_gradient_only = only;
  add_backward(std::move(step));
}

void Plan::build(const GraphGeometry& geometry) {
  // Values: the input (plain f32, over the network's copy of the last input)
  // and one per node output.
  {
    Value input;
    input.name = spec_.input_name;
    input.shape = geometry.value_shapes.at(spec_.input_name);
    input.desc = plain_desc(input.shape);
    input.value = memory(input.desc, engine_, DNNL_MEMORY_NONE);
    input.materialized = true;
    input_memory_ = input.value;
    value_index_[input.name] = 0;
    values_.push_back(std::move(input));
  }
  for (size_t n = 0; n < spec_.nodes.size(); ++n) {
    const NodeSpec& node = spec_.nodes[n];
    Value v;
    v.name = node.outputs[0];
    v.shape = geometry.nodes[n].output_shape;
    bool has_parameters = false;
    for (size_t slot = 0; slot < node.inputs.size(); ++slot)
      has_parameters = has_parameters || is_trainable_input(node, slot);
    v.depends_on_parameters = has_parameters;
    for (size_t slot = 0; slot < activation_input_count(node); ++slot)
      v.depends_on_parameters = v.depends_on_parameters || value(node.inputs[slot]).depends_on_parameters;
    value_index_[v.name] = static_cast<int>(values_.size());
    values_.push_back(std::move(v));
  }
  for (Value& v : values_) {
    auto it = geometry.consumers.find(v.name);
    v.consumers = it == geometry.consumers.end() ? 0 : it->second.size();
  }

  // Fusion: decide which nodes are absorbed by the node before them.
  auto single_consumer = [&](const std::string& name) -> const NodeSpec* {
    if (name == spec_.output_name) return nullptr;
    auto it = geometry.consumers.find(name);
    if (it == geometry.consumers.end() || it->second.size() != 1) return nullptr;
    return &spec_.nodes[it->second[0].first];
  };
  std::vector<LayerGroup> groups;
  std::set<const NodeSpec*> absorbed;
  for (size_t n = 0; n < spec_.nodes.size(); ++n) {
    const NodeSpec& node = spec_.nodes[n];
    if (absorbed.count(&node)) continue;
    LayerGroup group;
    group.main = n;
    if (config_.fuse) {
      std::string tail = node.outputs[0];
      if (node.op == "Conv" && !training()) {
        const NodeSpec* next = single_consumer(tail);
        if (next && next->op == "BatchNormalization") {
          group.batchnorm = next;
          tail = next->outputs[0];
        }
      }
      if (node.op == "Conv" || node.op == "Gemm" || node.op == "BatchNormalization") {
        const NodeSpec* next = single_consumer(tail);
        const bool fits = next && (node.op == "BatchNormalization" ? next->op == "Relu" : is_activation_op(next->op));
        if (fits) group.activation = next;
      }
      if (group.batchnorm) absorbed.insert(group.batchnorm);
      if (group.activation) absorbed.insert(group.activation);
    }
    if (node.op == "Flatten") {
      auto it = geometry.consumers.find(node.outputs[0]);
      bool all_dense = node.outputs[0] != spec_.output_name && it != geometry.consumers.end();
      if (all_dense)
        for (const auto& consumer : it->second) all_dense = all_dense && spec_.nodes[consumer.first].op == "Gemm";
      group.flatten_as_view = all_dense;
    }
    groups.push_back(group);
  }

  for (const LayerGroup& group : groups) {
    const NodeSpec& node = spec_.nodes[group.main];
    try {
      std::unique_ptr<Layer> layer = make_layer(spec_, geometry, group);
      layer->plan_forward(*this);
      layers_.push_back(std::move(layer));
    } catch (const dnnl::error& e) {
      throw std::invalid_argument("node '" + node.name + "' (" + node.op + "): oneDNN cannot run this configuration (" +
                                  e.what() + ")");
    }
  }
  if (!base_of(spec_.output_name).materialized) throw std::logic_error("network output was not computed");

  if (training()) {
    Value& output = base_of(spec_.output_name);
    output_gradient_memory_ = memory(plain_desc(value(spec_.output_name).shape), engine_, DNNL_MEMORY_NONE);
    add_reorder(backward_steps_, output_gradient_memory_, gradient_memory(output), "import output gradient",
                !output.depends_on_parameters);
    output.contributions = 1;
    for (auto it = layers_.rbegin(); it != layers_.rend(); ++it) {
      try {
        (*it)->plan_backward(*this);
      } catch (const dnnl::error& e) {
        throw std::invalid_argument("node '" + (*it)->node().name + "' (" + (*it)->node().op +
                                    "): oneDNN cannot run its backward pass (" + e.what() + ")");
      }
    }
  }

  // Scratch buffers, one per slot, large enough for every use.
  std::vector<size_t> sizes(3, 0);
  for (const auto& [m, slot] : scratch_memories_)
    sizes[static_cast<size_t>(slot)] = std::max(sizes[static_cast<size_t>(slot)], m.get_desc().get_size());
  for (size_t size : sizes) scratch_buffers_.push_back(std::make_shared<std::vector<char>>(size + 64));
  for (auto& [m, slot] : scratch_memories_) {
    auto& buffer = *scratch_buffers_[static_cast<size_t>(slot)];
    // 64-byte alignment for vector loads.
    void* base = buffer.data();
    size_t space = buffer.size();
    m.set_data_handle(std::align(64, m.get_desc().get_size(), base, space));
  }
  assign_transient_buffers();
}

void Plan::assign_transient_buffers() {
  // Which memory each handle stands for (views count as their base).
  std::map<dnnl_memory_t, dnnl_memory_t> base_of_view;
  for (const auto& [v, base] : views_) base_of_view[v.get()] = base.get();
  auto resolve = [&](dnnl_memory_t m) {
    for (auto it = base_of_view.find(m); it != base_of_view.end(); it = base_of_view.find(m)) m = it->second;
    return m;
  };
  // First and last backward step that uses each transient memory.
  std::map<dnnl_memory_t, std::pair<size_t, size_t>> uses;
  for (const memory& t : transients_) uses[t.get()] = {SIZE_MAX, 0};
  auto note = [&](const memory& m, size_t step) {
    auto it = uses.find(resolve(m.get()));
    if (it == uses.end()) return;
    it->second.first = std::min(it->second.first, step);
    it->second.second = std::max(it->second.second, step);
  };
  for (size_t i = 0; i < backward_steps_.size(); ++i) {
    for (const auto& [arg, m] : backward_steps_[i].args) note(m, i);
    for (const memory& m : backward_steps_[i].touches) note(m, i);
  }
  // Greedy interval assignment in order of first use: the best-fitting buffer
  // whose last occupant is done before this memory's first use (grown if
  // none is large enough), else a new buffer.
  std::vector<size_t> order;
  for (size_t i = 0; i < transients_.size(); ++i)
    if (uses[transients_[i].get()].first != SIZE_MAX) order.push_back(i);
  std::sort(order.begin(), order.end(),
            [&](size_t a, size_t b) { return uses[transients_[a].get()].first < uses[transients_[b].get()].first; });
  struct Buffer {
    size_t size = 0, free_after = 0;
    bool used = false;
  };
  std::vector<Buffer> buffers;
  std::vector<size_t> assigned(transients_.size(), SIZE_MAX);
  for (size_t i : order) {
    const auto [first, last] = uses[transients_[i].get()];
    const size_t need = transients_[i].get_desc().get_size();
    size_t chosen = SIZE_MAX;
    for (size_t b = 0; b < buffers.size(); ++b) {
      if (buffers[b].used && buffers[b].free_after >= first) continue;
      if (chosen == SIZE_MAX) {
        chosen = b;
        continue;
      }
      const bool fits = buffers[b].size >= need, chosen_fits = buffers[chosen].size >= need;
      if ((fits && (!chosen_fits || buffers[b].size < buffers[chosen].size)) ||
          (!fits && !chosen_fits && buffers[b].size > buffers[chosen].size))
        chosen = b;
    }
    if (chosen == SIZE_MAX) {
      chosen = buffers.size();
      buffers.emplace_back();
    }
    buffers[chosen].size = std::max(buffers[chosen].size, need);
    buffers[chosen].free_after = last;
    buffers[chosen].used = true;
    assigned[i] = chosen;
  }
  for (const Buffer& b : buffers) transient_buffers_.emplace_back(b.size + 64);
  for (size_t i : order) {
    auto& buffer = transient_buffers_[assigned[i]];
    void* base = buffer.data();
    size_t space = buffer.size();
    transients_[i].set_data_handle(std::align(64, transients_[i].get_desc().get_size(), base, space));
  }
  for (auto& [v, base] : views_) v.set_data_handle(base.get_data_handle());
}

void Plan::run(std::vector<Step>& steps, bool with_input_gradient) {
  for (Step& step : steps) {
    if (step.input_gradient_only && !with_input_gradient) continue;
    if (step.custom) {
      stream_.wait();
      step.custom();
    } else {
      step.primitive.execute(stream_, step.args);
    }
  }
  stream_.wait();
}

void Plan::import_weights() {
  refresh_master_handles();
  run(import_steps_, true);
}

void Plan::forward() {
  refresh_master_handles();
  input_memory_.set_data_handle(state_.last_input.data());
  run(forward_steps_, true);
}

void Plan::backward(const Tensor& output_gradient, bool want_input_gradient) {
  if (!training()) throw std::logic_error("backward on an inference plan");
  refresh_master_handles();
  output_gradient_memory_.set_data_handle(const_cast<float*>(output_gradient.data()));
  run(backward_steps_, want_input_gradient);
}

bool Plan::has_materialized(const std::string& name) const {
  auto it = value_index_.find(name);
  if (it == value_index_.end()) return false;
  const Value* v = &values_[static_cast<size_t>(it->second)];
  while (v->alias_of >= 0) v = &values_[static_cast<size_t>(v->alias_of)];
  return v->materialized;
}

Tensor Plan::read_value(const std::string& name) const {
  auto it = value_index_.find(name);
  if (it == value_index_.end()) throw std::invalid_argument("unknown tensor '" + name + "'");
  const Value& logical = values_[static_cast<size_t>(it->second)];
  const Value* base = &logical;
  while (base->alias_of >= 0) base = &values_[static_cast<size_t>(base->alias_of)];
  if (!base->materialized) throw std::logic_error("tensor '" + name + "' is not materialized in this plan");
  Tensor result(base->shape);
  memory target(plain_desc(base->shape), engine_, result.data());
  dnnl::stream stream(engine_);
  memory source = base->value;
  dnnl::reorder(source, target).execute(stream, source, target);
  stream.wait();
  if (base != &logical) return result.reshaped(logical.shape);
  return result;
}

Tensor Plan::read_input_gradient() const {
  const Value& input = values_[0];
  Tensor result(input.shape);
  if (input.gradient) {
    std::memcpy(result.data(), input.gradient.get_data_handle(), input.gradient.get_desc().get_size());
  }
  return result;
}

}  // namespace nv::engine
