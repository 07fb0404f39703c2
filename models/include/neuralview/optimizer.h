// First-order optimizers with PyTorch's update rules (torch.optim 1.13,
// single-tensor implementations, float32 arithmetic), so that a model
// trained here follows the same trajectory as the PyTorch recipe it copies.
//
// State (moment buffers, step count) is keyed by parameter name, which lets
// checkpoints restore it into a freshly built network.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "neuralview/network.h"

namespace nv {

// Everything an optimizer must remember between steps.
struct OptimizerState {
  std::string kind;        // name() of the optimizer that wrote it
  int64_t step_count = 0;  // completed steps
  // Per parameter name: the moment buffers (SGD: momentum; Adam: first and
  // second moments), each with the parameter's element count.
  std::map<std::string, std::vector<std::vector<float>>> buffers;
};

class Optimizer {
 public:
  explicit Optimizer(double learning_rate);
  virtual ~Optimizer();

  virtual std::string name() const = 0;

  // One update of every parameter from its gradient. Parameters are matched to
  // their state by name; a parameter whose element count changed since the
  // state was made is an error (std::invalid_argument).
  virtual void step(const std::vector<Parameter>& params) = 0;

  void set_learning_rate(double learning_rate);
  double learning_rate() const { return learning_rate_; }
  int64_t step_count() const { return step_count_; }

  OptimizerState state() const;
  // Throws std::invalid_argument when the state belongs to another kind of optimizer.
  void restore(const OptimizerState& state);

 protected:
  // The buffers of one parameter, created (zero-filled) on first use.
  std::vector<std::vector<float>>& buffers_for(const Parameter& param, size_t count);
  static void check_parameter(const Parameter& param);

  double learning_rate_;
  int64_t step_count_ = 0;
  std::map<std::string, std::vector<std::vector<float>>> buffers_;
};

// torch.optim.SGD: g = grad + weight_decay * p; with momentum,
// b = g on the first step, then b = momentum * b + (1 - dampening) * g;
// nesterov: g = g + momentum * b, else g = b; p -= lr * g.
struct SgdOptions {
  double momentum = 0.0;
  double dampening = 0.0;
  double weight_decay = 0.0;
  bool nesterov = false;
};

class Sgd final : public Optimizer {
 public:
  Sgd(double learning_rate, SgdOptions options = {});
  std::string name() const override { return "sgd"; }
  void step(const std::vector<Parameter>& params) override;

 private:
  SgdOptions options_;
};

// torch.optim.Adam (L2 weight decay added to the gradient) and
// torch.optim.AdamW (decoupled decay p *= 1 - lr * weight_decay), with bias
// correction and epsilon added outside the square root.
struct AdamOptions {
  double beta1 = 0.9;
  double beta2 = 0.999;
  double epsilon = 1e-8;
  double weight_decay = 0.0;
};

class Adam : public Optimizer {
 public:
  Adam(double learning_rate, AdamOptions options = {});
  std::string name() const override { return "adam"; }
  void step(const std::vector<Parameter>& params) override;

 protected:
  Adam(double learning_rate, AdamOptions options, bool decoupled_weight_decay);

 private:
  AdamOptions options_;
  bool decoupled_;
};

class AdamW final : public Adam {
 public:
  // PyTorch's AdamW default weight decay is 0.01.
  AdamW(double learning_rate, AdamOptions options = {0.9, 0.999, 1e-8, 0.01});
  std::string name() const override { return "adamw"; }
};

struct OptimizerOptions {
  std::string kind = "adam";  // "sgd" | "adam" | "adamw"
  double learning_rate = 1e-3;
  double weight_decay = 0.0;
  double momentum = 0.9;  // sgd
  bool nesterov = false;  // sgd
  double beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8;
};

// Throws std::invalid_argument for an unknown kind or invalid hyper-parameters.
std::unique_ptr<Optimizer> make_optimizer(const OptimizerOptions& options);

}  // namespace nv
