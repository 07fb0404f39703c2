// A compiled network for one mode (inference or training): oneDNN memories and
// primitives for every node, allocated once, executed as flat step lists.
//
// Layers (layer_*.cpp) append steps to a Plan while it is built: forward steps,
// backward steps (training only) and weight-import steps, which copy the
// plain-layout master weights into the layouts the primitives prefer and run
// only after the weights changed.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include <oneapi/dnnl/dnnl.hpp>

#include "engine_geometry.h"
#include "neuralview/network.h"

namespace nv::engine {

using dnnl::memory;
using format_tag = memory::format_tag;
using data_type = memory::data_type;

memory::dims to_dims(const Shape& shape);
// Plain row-major layout (nc, ncw, nchw, ncdhw, ...) of a shape.
memory::desc plain_desc(const Shape& shape, data_type type = data_type::f32);
memory::desc any_desc(const Shape& shape, data_type type);
// The same layout with another element type.
memory::desc with_data_type(const memory::desc& desc, data_type type);
// Channel block of a layout (16 for nChw16c, 1 for plain layouts).
int64_t channel_block(const memory::desc& desc);
uint16_t float_to_bf16(float value);

// Everything a plan reads from the network that owns it.
struct NetworkState {
  std::map<std::string, Tensor> weights;    // master values, plain layout
  std::map<std::string, Tensor> gradients;  // for trainable weights
  Tensor last_input;                        // copy of the last forward input
  uint64_t seed = 0;
  uint64_t dropout_calls = 0;  // advances the dropout masks
};

// One named activation of the plan.
struct Value {
  std::string name;
  Shape shape;        // logical, with batch
  memory::desc desc;  // layout of value and gradient
  memory value;
  memory gradient;            // allocated in backward planning when needed
  int alias_of = -1;          // index of the value whose memory this one shares (views)
  bool materialized = false;  // false when a fused layer skipped it
  bool depends_on_parameters = false;
  int contributions = 0;  // gradient contributions planned so far
  size_t consumers = 0;   // nodes that read the value
  // Set by a layer that computes this value with a fused ReLU/LeakyReLU
  // post-op (gradient factor 1 where the value is positive, else alpha).
  bool rectified = false;
  float rectifier_alpha = 0.0f;
  // Set in backward planning by the value's only consumer when the gradient
  // it writes already includes that factor, so the producer skips its
  // activation backward step.
  bool rectifier_applied = false;
};

struct Step {
  std::string label;
  dnnl::primitive primitive;
  std::unordered_map<int, memory> args;
  std::function<void()> custom;
  std::vector<memory> touches;       // memories a custom step reads or writes
  bool input_gradient_only = false;  // skipped unless the caller wants dLoss/dInput
};

struct PlanConfig {
  Mode mode = Mode::inference;
  Precision precision = Precision::f32;
  bool fuse = true;
};

class Layer;

class Plan {
 public:
  Plan(const GraphSpec& spec, const GraphGeometry& geometry, NetworkState& state, const PlanConfig& config);
  ~Plan();

  // Execution.
  void import_weights();
  void forward();  // reads state.last_input
  void backward(const Tensor& output_gradient, bool want_input_gradient);
  Tensor read_value(const std::string& name) const;  // plain f32 copy
  Tensor read_input_gradient() const;
  bool has_materialized(const std::string& name) const;

  // ---- Building interface used by layers. ----
  const PlanConfig& config() const { return config_; }
  bool training() const { return config_.mode == Mode::training; }
  // Element type of activations computed by conv/pool/dense layers.
  data_type compute_type() const;
  // Channels-last layout (nhwc / ndhwc) of a shape.
  memory::desc channels_last_desc(const Shape& shape, data_type type) const;
  const dnnl::engine& engine() const { return engine_; }
  dnnl::prop_kind forward_kind() const;
  // Attributes for every primitive: scratchpads are user-managed, one shared
  // buffer for the whole plan, so no step allocates memory (oneDNN's
  // library-managed scratchpad is freed and re-allocated around each
  // execution, which costs page faults on large im2col buffers).
  dnnl::primitive_attr attributes() const;
  NetworkState& state() { return state_; }
  const GraphSpec& spec() const { return spec_; }

  Value& value(const std::string& name);
  // Memory of a value, resolving views.
  memory value_memory(const std::string& name);
  const memory::desc& value_desc(const std::string& name);
  bool is_network_output(const std::string& name) const { return name == spec_.output_name; }

  memory allocate(const memory::desc& desc);
  // Memory that only backward steps use (gradients, their layout copies):
  // its buffer is assigned after planning and shared with other such
  // memories whose uses do not overlap, which keeps the peak memory of a
  // training step near that of the forward activations.
  memory allocate_transient(const memory::desc& desc);
  // A memory over a part of another memory's buffer (a channel slice, a
  // reshaped view); it follows the base when that gets its buffer.
  memory view(const memory& base, const memory::desc& desc);
  // The value's memory in the wanted layout; adds a forward reorder into a
  // new memory when the layouts differ.
  memory value_in_layout(const std::string& name, const memory::desc& wanted, const std::string& label);
  memory define_value(const std::string& name, const memory::desc& desc);
  void define_alias(const std::string& name, const std::string& base);

  void add_forward(Step step);
  void add_backward(Step step);
  void add_import(Step step);
  void add_reorder(std::vector<Step>& steps, const memory& from, const memory& to, const std::string& label,
                   bool input_gradient_only = false);
  std::vector<Step>& forward_steps() { return forward_steps_; }
  std::vector<Step>& backward_steps() { return backward_steps_; }
  std::vector<Step>& import_steps() { return import_steps_; }

  // Memory over a master tensor of the network (weights or gradients) in
  // the given plain layout; its handle is refreshed before every use.
  memory master_weight(const std::string& name, const memory::desc& plain);
  memory master_gradient(const std::string& name, const memory::desc& plain);

  // Backward planning.
  bool needs_gradient(const std::string& name) const;       // any gradient at all
  bool gradient_input_only(const std::string& name) const;  // only for dLoss/dInput
  // The gradient of a value (complete once all its consumers are planned),
  // in the wanted layout (reordered in a backward step when different).
  memory gradient_in_layout(const std::string& name, const memory::desc& wanted, const std::string& label);
  // Where a layer writes its contribution to the gradient of an input value.
  // end_contribution sums it into the value's gradient when needed.
  struct Contribution {
    std::string value;
    memory target;
    bool direct = false;
  };
  Contribution begin_contribution(const std::string& name, const memory::desc& desc);
  void end_contribution(const Contribution& contribution, const std::string& label);
  // A ready memory (e.g. the output gradient of Add) added to a value's gradient.
  void contribute(const std::string& name, const memory& source, const std::string& label);

 private:
  struct MasterBinding {
    memory memory_handle;
    const std::string name;
    bool gradient;
  };
  void build(const GraphGeometry& geometry);
  void run(std::vector<Step>& steps, bool with_input_gradient);
  void bind_scratchpad(Step& step);
  void refresh_master_handles();
  memory& gradient_memory(Value& v);
  Value& base_of(const std::string& name);
  memory scratch(const memory::desc& desc, int slot);
  void assign_transient_buffers();

  const GraphSpec& spec_;
  NetworkState& state_;
  PlanConfig config_;
  dnnl::engine engine_;
  dnnl::stream stream_;
  std::vector<Value> values_;
  std::map<std::string, int> value_index_;
  std::vector<std::unique_ptr<Layer>> layers_;
  std::vector<Step> import_steps_, forward_steps_, backward_steps_;
  std::vector<MasterBinding> masters_;
  // Scratch memories share three buffers, sized after planning: slot 0 and 1
  // hold gradient contributions, consumed by the accumulation step right
  // after they are written; slot 2 is the primitives' scratchpad.
  std::vector<std::pair<memory, int>> scratch_memories_;
  std::vector<std::shared_ptr<std::vector<char>>> scratch_buffers_;
  std::vector<memory> transients_;
  std::vector<std::pair<memory, memory>> views_;  // (view, base)
  std::vector<std::vector<char>> transient_buffers_;
  memory input_memory_, output_gradient_memory_;
  std::string current_label_;
};

// A node (or a fused group of nodes) compiled into primitives.
class Layer {
 public:
  Layer(const NodeSpec& node, const NodeGeometry& geometry) : node_(node), geometry_(geometry) {}
  virtual ~Layer() = default;
  virtual void plan_forward(Plan& plan) = 0;
  virtual void plan_backward(Plan& /*plan*/) {}
  const NodeSpec& node() const { return node_; }
  // Name of the value the layer finally produces (after fused nodes).
  virtual std::string output_name() const { return node_.outputs[0]; }

 protected:
  const NodeSpec& node_;
  const NodeGeometry& geometry_;
};

// A fused group: the main node, and optional following nodes whose work it
// absorbs (BatchNormalization folded into Conv at inference, an activation as
// a post-op). Fused nodes' intermediate values are not materialized.
struct LayerGroup {
  size_t main = 0;
  const NodeSpec* batchnorm = nullptr;
  const NodeSpec* activation = nullptr;
  bool flatten_as_view = false;
};

std::unique_ptr<Layer> make_layer(const GraphSpec& spec, const GraphGeometry& geometry, const LayerGroup& group);

// oneDNN algorithm for an activation node, and its alpha.
dnnl::algorithm activation_algorithm(const NodeSpec& node, bool use_dst_for_backward, float& alpha);

}  // namespace nv::engine
