// The update rules of SGD, Adam and AdamW, element-wise in float32 in the
// order PyTorch 1.13's single-tensor implementations use.
#include <cmath>
#include <stdexcept>

#include "neuralview/optimizer.h"

namespace nv {

namespace {
// Below this many elements a parameter is updated by one thread.
constexpr int64_t kParallelThreshold = 32768;
}  // namespace

Sgd::Sgd(double learning_rate, SgdOptions options) : Optimizer(learning_rate), options_(options) {
  if (!(options_.momentum >= 0)) throw std::invalid_argument("sgd: momentum must be non-negative");
  if (!(options_.weight_decay >= 0)) throw std::invalid_argument("sgd: weight decay must be non-negative");
  if (options_.nesterov && (options_.momentum <= 0 || options_.dampening != 0))
    throw std::invalid_argument("sgd: nesterov momentum requires a momentum and zero dampening");
}

void Sgd::step(const std::vector<Parameter>& params) {
  const float lr = static_cast<float>(learning_rate_);
  const float momentum = static_cast<float>(options_.momentum);
  const float keep = static_cast<float>(1.0 - options_.dampening);
  for (const Parameter& param : params) {
    check_parameter(param);
    const float decay = param.apply_weight_decay ? static_cast<float>(options_.weight_decay) : 0.0f;
    float* p = param.value->data();
    const float* g = param.gradient->data();
    const int64_t n = param.value->size();
    if (options_.momentum == 0) {
#pragma omp parallel for simd schedule(static) if (n > kParallelThreshold)
      for (int64_t i = 0; i < n; ++i) p[i] = p[i] + -lr * (g[i] + decay * p[i]);
      continue;
    }
    const bool first = buffers_.find(param.name) == buffers_.end();
    float* b = buffers_for(param, 1)[0].data();
    const bool nesterov = options_.nesterov;
#pragma omp parallel for simd schedule(static) if (n > kParallelThreshold)
    for (int64_t i = 0; i < n; ++i) {
      const float d = g[i] + decay * p[i];
      b[i] = first ? d : b[i] * momentum + keep * d;
      const float direction = nesterov ? d + momentum * b[i] : b[i];
      p[i] = p[i] + -lr * direction;
    }
  }
  ++step_count_;
}

Adam::Adam(double learning_rate, AdamOptions options) : Adam(learning_rate, options, false) {}

Adam::Adam(double learning_rate, AdamOptions options, bool decoupled_weight_decay)
    : Optimizer(learning_rate), options_(options), decoupled_(decoupled_weight_decay) {
  if (!(options_.beta1 >= 0 && options_.beta1 < 1) || !(options_.beta2 >= 0 && options_.beta2 < 1))
    throw std::invalid_argument("adam: betas must lie in [0, 1)");
  if (!(options_.epsilon >= 0)) throw std::invalid_argument("adam: epsilon must be non-negative");
  if (!(options_.weight_decay >= 0)) throw std::invalid_argument("adam: weight decay must be non-negative");
}

AdamW::AdamW(double learning_rate, AdamOptions options) : Adam(learning_rate, options, true) {}

void Adam::step(const std::vector<Parameter>& params) {
  const int64_t step = step_count_ + 1;
  const double bias_correction1 = 1.0 - std::pow(options_.beta1, static_cast<double>(step));
  const double bias_correction2 = 1.0 - std::pow(options_.beta2, static_cast<double>(step));
  const float step_size = static_cast<float>(learning_rate_ / bias_correction1);
  const float correction2_sqrt = static_cast<float>(std::sqrt(bias_correction2));
  const float beta1 = static_cast<float>(options_.beta1), beta2 = static_cast<float>(options_.beta2);
  const float one_minus_beta1 = static_cast<float>(1.0 - options_.beta1);
  const float one_minus_beta2 = static_cast<float>(1.0 - options_.beta2);
  const float epsilon = static_cast<float>(options_.epsilon);
  for (const Parameter& param : params) {
    check_parameter(param);
    const bool decay = param.apply_weight_decay && options_.weight_decay != 0;
    const float l2 = decay && !decoupled_ ? static_cast<float>(options_.weight_decay) : 0.0f;
    const float shrink = decay && decoupled_ ? static_cast<float>(1.0 - learning_rate_ * options_.weight_decay) : 1.0f;
    auto& buffers = buffers_for(param, 2);
    float* m = buffers[0].data();
    float* v = buffers[1].data();
    float* p = param.value->data();
    const float* g = param.gradient->data();
    const int64_t n = param.value->size();
#pragma omp parallel for simd schedule(static) if (n > kParallelThreshold)
    for (int64_t i = 0; i < n; ++i) {
      p[i] = p[i] * shrink;
      const float grad = g[i] + l2 * p[i];
      m[i] = m[i] * beta1 + one_minus_beta1 * grad;
      v[i] = v[i] * beta2 + one_minus_beta2 * (grad * grad);
      const float denominator = std::sqrt(v[i]) / correction2_sqrt + epsilon;
      p[i] = p[i] + -step_size * (m[i] / denominator);
    }
  }
  ++step_count_;
}

}  // namespace nv
