// nv::Network: owns the master weights and compiles plans (engine_plan.h)
// lazily, one per mode, plus an unfused inspection plan for activations that
// fusion skipped.
#include "neuralview/network.h"

#include <unistd.h>

#include <cmath>
#include <set>
#include <sstream>
#include <stdexcept>

#include "engine_plan.h"

namespace nv {

Precision precision_from_string(const std::string& name) {
  if (name == "f32") return Precision::f32;
  if (name == "bf16") return Precision::bf16;
  throw std::invalid_argument("unknown precision '" + name + "' (expected f32 or bf16)");
}

std::string to_string(Precision precision) { return precision == Precision::bf16 ? "bf16" : "f32"; }

bool bf16_supported() {
  const dnnl::cpu_isa isa = dnnl::get_effective_cpu_isa();
  // ISA values are bit sets of features; bf16 kernels need all of avx512_core's.
  const int needed = static_cast<int>(dnnl::cpu_isa::avx512_core);
  return (static_cast<int>(isa) & needed) == needed;
}

namespace {

double physical_memory_bytes() {
  const long pages = sysconf(_SC_PHYS_PAGES);
  const long page_size = sysconf(_SC_PAGESIZE);
  if (pages <= 0 || page_size <= 0) return 64.0 * (1ull << 30);  // unknown: assume a large machine
  return static_cast<double>(pages) * static_cast<double>(page_size);
}

std::string gibibytes(double bytes) {
  std::ostringstream out;
  out.precision(3);
  out << bytes / static_cast<double>(1ull << 30) << " GiB";
  return out.str();
}

// Activation copies a plan keeps per activation: value, plus gradient and
// layout/workspace copies when training. A deliberate over-estimate.
constexpr double inference_copies = 1.5;
constexpr double training_copies = 3.5;

}  // namespace

struct Network::Impl {
  struct Compiled {
    std::unique_ptr<engine::Plan> plan;
    uint64_t parameter_version = 0, statistics_version = 0;
  };

  GraphSpec spec;  // without weights: those live in state
  int64_t batch = 0;
  NetworkOptions options;
  engine::GraphGeometry geometry;
  engine::NetworkState state;
  Compiled inference, training, inspection;
  uint64_t parameter_version = 1, statistics_version = 1;
  std::vector<std::string> parameter_names, buffer_names;
  std::set<std::string> no_decay;
  std::map<std::string, Shape> weight_shapes;
  bool have_forward = false, have_training_forward = false;
  Mode last_mode = Mode::inference;

  void check_memory(double copies, const std::string& what) const {
    const double bytes = geometry.activation_bytes * copies + geometry.weight_bytes * 4.0;
    const double available = physical_memory_bytes();
    if (bytes > available)
      throw std::invalid_argument("network '" + spec.name + "' at batch " + std::to_string(batch) + " needs about " +
                                  gibibytes(bytes) + " for " + what + ", more than the machine's " +
                                  gibibytes(available) + " of memory; use a smaller batch or input");
  }

  // Plans hold the weights' layouts: a caller may change values, not shapes.
  void check_weight_shapes() const {
    for (const auto& [name, shape] : weight_shapes) {
      const Tensor& t = state.weights.at(name);
      if (t.shape() != shape)
        throw std::invalid_argument("parameter '" + name + "' changed its shape from " + shape_to_string(shape) +
                                    " to " + shape_to_string(t.shape()) + "; parameters must be edited in place");
    }
  }

  engine::Plan& plan(Compiled& compiled, Mode mode, bool fuse) {
    if (compiled.parameter_version != parameter_version || compiled.statistics_version != statistics_version)
      check_weight_shapes();
    if (!compiled.plan) {
      check_memory(mode == Mode::training ? training_copies : inference_copies,
                   mode == Mode::training ? "training" : "inference");
      engine::PlanConfig config;
      config.mode = mode;
      config.precision = options.precision;
      config.fuse = fuse;
      compiled.plan = std::make_unique<engine::Plan>(spec, geometry, state, config);
    }
    const bool uses_statistics = mode == Mode::inference;
    if (compiled.parameter_version != parameter_version ||
        (uses_statistics && compiled.statistics_version != statistics_version)) {
      compiled.plan->import_weights();
      compiled.parameter_version = parameter_version;
      compiled.statistics_version = statistics_version;
    }
    return *compiled.plan;
  }

  Compiled& compiled_for(Mode mode) { return mode == Mode::training ? training : inference; }

  void check_tensor(const Tensor& tensor, const Shape& expected, const std::string& what) const {
    if (tensor.shape() != expected) {
      std::string message = what + " has shape " + shape_to_string(tensor.shape()) + ", but network '" + spec.name +
                            "' expects " + shape_to_string(expected);
      if (tensor.rank() == expected.size() && tensor.rank() >= 2 && tensor.dim(1) != expected[1])
        message +=
            " (expected " + std::to_string(expected[1]) + " channels, got " + std::to_string(tensor.dim(1)) + ")";
      else if (tensor.rank() == expected.size() && tensor.dim(0) != expected[0])
        message += " (the network was built for batch " + std::to_string(expected[0]) + ")";
      throw std::invalid_argument(message);
    }
    if (tensor.has_non_finite()) throw std::invalid_argument(what + " contains NaN or infinite values");
  }
};

Network::Network(const GraphSpec& spec, int64_t batch, NetworkOptions options) : impl_(std::make_unique<Impl>()) {
  Impl& m = *impl_;
  if (options.precision == Precision::bf16 && !bf16_supported())
    throw std::invalid_argument(
        "bf16 precision needs a CPU with AVX-512 (oneDNN's bf16 kernels start at avx512_core); this CPU "
        "offers less: use f32");
  m.geometry = engine::infer_geometry(spec, batch);
  m.spec = spec;
  m.spec.weights.clear();
  m.batch = batch;
  m.options = options;
  m.state.seed = options.seed;
  m.check_memory(inference_copies, "inference");
  // Master weights: only those the graph uses.
  std::set<std::string> seen;
  for (const NodeSpec& node : spec.nodes) {
    for (size_t slot = engine::activation_input_count(node); slot < node.inputs.size(); ++slot) {
      const std::string& name = node.inputs[slot];
      if (!seen.insert(name).second) {
        // Each layer writes (not adds) its weight gradients.
        if (engine::is_trainable_input(node, slot) || m.state.gradients.count(name))
          throw std::invalid_argument("weight '" + name + "' is shared by several nodes (node '" + node.name +
                                      "' reuses it); tied weights are not supported");
        continue;
      }
      m.state.weights[name] = spec.weights.at(name);
      m.weight_shapes[name] = spec.weights.at(name).shape();
      if (engine::is_trainable_input(node, slot)) {
        m.parameter_names.push_back(name);
        m.state.gradients[name] = Tensor(spec.weights.at(name).shape());
        const bool is_bias = node.op == "BatchNormalization" || slot == 2;
        if (is_bias) m.no_decay.insert(name);
      } else if (engine::is_buffer_input(node, slot)) {
        m.buffer_names.push_back(name);
      }
    }
  }
}

Network::~Network() = default;
Network::Network(Network&&) noexcept = default;
Network& Network::operator=(Network&&) noexcept = default;

int64_t Network::batch() const { return impl_->batch; }

Shape Network::input_shape() const { return impl_->geometry.value_shapes.at(impl_->spec.input_name); }

Shape Network::output_shape() const { return impl_->geometry.value_shapes.at(impl_->spec.output_name); }

const GraphSpec& Network::spec() const { return impl_->spec; }

Tensor Network::forward(const Tensor& input, Mode mode) {
  Impl& m = *impl_;
  m.check_tensor(input, input_shape(), "input");
  if (m.state.last_input.shape() == input.shape())
    m.state.last_input.values() = input.values();
  else
    m.state.last_input = input;
  engine::Plan& plan = m.plan(m.compiled_for(mode), mode, true);
  plan.forward();
  m.have_forward = true;
  m.last_mode = mode;
  if (mode == Mode::training) {
    ++m.state.dropout_calls;
    ++m.statistics_version;  // running statistics moved
    m.have_training_forward = true;
  }
  return plan.read_value(m.spec.output_name);
}

Tensor Network::backward(const Tensor& output_gradient, bool want_input_gradient) {
  Impl& m = *impl_;
  if (!m.have_training_forward) throw std::runtime_error("backward() needs a preceding forward(input, Mode::training)");
  m.check_tensor(output_gradient, output_shape(), "output gradient");
  engine::Plan& plan = *m.training.plan;
  plan.backward(output_gradient, want_input_gradient);
  ++m.parameter_version;  // an optimizer step follows
  return want_input_gradient ? plan.read_input_gradient() : Tensor();
}

std::vector<Parameter> Network::parameters() {
  Impl& m = *impl_;
  ++m.parameter_version;  // the caller may edit values through the pointers
  std::vector<Parameter> result;
  for (const std::string& name : m.parameter_names)
    result.push_back({name, &m.state.weights.at(name), &m.state.gradients.at(name), !m.no_decay.count(name)});
  return result;
}

std::vector<std::pair<std::string, Tensor*>> Network::buffers() {
  Impl& m = *impl_;
  ++m.statistics_version;
  std::vector<std::pair<std::string, Tensor*>> result;
  for (const std::string& name : m.buffer_names) result.push_back({name, &m.state.weights.at(name)});
  return result;
}

void Network::parameters_changed() {
  ++impl_->parameter_version;
  ++impl_->statistics_version;
}

void Network::set_seed(uint64_t seed) {
  impl_->state.seed = seed;
  impl_->state.dropout_calls = 0;
}

GraphSpec Network::export_spec() const {
  GraphSpec result = impl_->spec;
  result.weights = impl_->state.weights;
  return result;
}

std::vector<std::string> Network::tensor_names() const {
  std::vector<std::string> names;
  for (const NodeSpec& node : impl_->spec.nodes) names.push_back(node.outputs[0]);
  return names;
}

Tensor Network::activation(const std::string& tensor_name) const {
  Impl& m = *impl_;
  if (!m.geometry.value_shapes.count(tensor_name))
    throw std::invalid_argument("network '" + m.spec.name + "' has no tensor named '" + tensor_name + "'");
  if (!m.have_forward) throw std::runtime_error("activation('" + tensor_name + "') needs a forward() first");
  if (tensor_name == m.spec.input_name) return m.state.last_input;
  engine::Plan& last = *m.compiled_for(m.last_mode).plan;
  if (last.has_materialized(tensor_name)) return last.read_value(tensor_name);
  // Fused away: recompute without fusion, in inference mode, on the last input.
  engine::Plan& inspection = m.plan(m.inspection, Mode::inference, false);
  inspection.forward();
  return inspection.read_value(tensor_name);
}

Shape Network::tensor_shape(const std::string& tensor_name) const {
  auto it = impl_->geometry.value_shapes.find(tensor_name);
  if (it == impl_->geometry.value_shapes.end())
    throw std::invalid_argument("network '" + impl_->spec.name + "' has no tensor named '" + tensor_name + "'");
  return it->second;
}

double Network::forward_flops_per_sample() const { return impl_->geometry.forward_flops_per_sample; }

}  // namespace nv
