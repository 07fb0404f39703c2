// Optimizer base: learning rate, state by parameter name, and the factory.
#include "neuralview/optimizer.h"

#include <cmath>
#include <stdexcept>

namespace nv {

Optimizer::Optimizer(double learning_rate) { set_learning_rate(learning_rate); }

Optimizer::~Optimizer() = default;

void Optimizer::set_learning_rate(double learning_rate) {
  if (!(learning_rate >= 0) || !std::isfinite(learning_rate))
    throw std::invalid_argument("learning rate must be finite and non-negative, got " + std::to_string(learning_rate));
  learning_rate_ = learning_rate;
}

OptimizerState Optimizer::state() const {
  OptimizerState state;
  state.kind = name();
  state.step_count = step_count_;
  state.buffers = buffers_;
  return state;
}

void Optimizer::restore(const OptimizerState& state) {
  if (state.kind != name())
    throw std::invalid_argument("cannot restore the state of a '" + state.kind + "' optimizer into '" + name() + "'");
  if (state.step_count < 0) throw std::invalid_argument("optimizer state has a negative step count");
  step_count_ = state.step_count;
  buffers_ = state.buffers;
}

void Optimizer::check_parameter(const Parameter& param) {
  if (!param.value || !param.gradient)
    throw std::invalid_argument("parameter '" + param.name + "' has no value or gradient tensor");
  if (param.value->size() != param.gradient->size())
    throw std::invalid_argument("parameter '" + param.name + "' has " + std::to_string(param.value->size()) +
                                " values but " + std::to_string(param.gradient->size()) + " gradients");
}

std::vector<std::vector<float>>& Optimizer::buffers_for(const Parameter& param, size_t count) {
  auto& buffers = buffers_[param.name];
  if (buffers.empty()) {
    buffers.assign(count, std::vector<float>(static_cast<size_t>(param.value->size()), 0.0f));
  } else if (buffers.size() != count) {
    throw std::invalid_argument("optimizer state of parameter '" + param.name + "' has " +
                                std::to_string(buffers.size()) + " buffers, expected " + std::to_string(count));
  }
  for (const auto& buffer : buffers)
    if (static_cast<int64_t>(buffer.size()) != param.value->size())
      throw std::invalid_argument("optimizer state of parameter '" + param.name + "' has " +
                                  std::to_string(buffer.size()) + " elements but the parameter has " +
                                  std::to_string(param.value->size()));
  return buffers;
}

std::unique_ptr<Optimizer> make_optimizer(const OptimizerOptions& options) {
  if (!(options.weight_decay >= 0)) throw std::invalid_argument("weight decay must be non-negative");
  if (options.kind == "sgd") {
    SgdOptions sgd;
    sgd.momentum = options.momentum;
    sgd.weight_decay = options.weight_decay;
    sgd.nesterov = options.nesterov;
    return std::make_unique<Sgd>(options.learning_rate, sgd);
  }
  AdamOptions adam{options.beta1, options.beta2, options.epsilon, options.weight_decay};
  if (options.kind == "adam") return std::make_unique<Adam>(options.learning_rate, adam);
  if (options.kind == "adamw") return std::make_unique<AdamW>(options.learning_rate, adam);
  throw std::invalid_argument("unknown optimizer '" + options.kind + "' (known: sgd, adam, adamw)");
}

}  // namespace nv
