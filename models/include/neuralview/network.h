// An executable network: a GraphSpec compiled into oneDNN primitives for a
// fixed batch size, with training forward/backward.
//
// Activations stay in oneDNN's preferred (blocked) layouts between layers; the
// plain Tensor layout appears only at the input, the output, and when a caller
// asks for an intermediate activation.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "neuralview/graph_spec.h"
#include "neuralview/tensor.h"

namespace nv {

enum class Precision { f32, bf16 };
enum class Mode { inference, training };

Precision precision_from_string(const std::string& name);  // "f32" | "bf16", throws otherwise
std::string to_string(Precision precision);
// Whether this CPU runs oneDNN's bf16 kernels (AVX-512 and up); a bf16
// Network throws std::invalid_argument where it does not.
bool bf16_supported();

struct NetworkOptions {
  // bf16 runs convolutions, pooling and dense layers in bf16 with f32 master
  // weights and f32 weight gradients.
  Precision precision = Precision::f32;
  // Seed for dropout masks; a network replays the same masks for the same
  // seed and call sequence.
  uint64_t seed = 0;
};

// A trainable tensor: plain-layout master value and its gradient. The
// optimizer updates `value` in place; the network picks the new values up on
// its next forward.
struct Parameter {
  std::string name;
  Tensor* value = nullptr;
  Tensor* gradient = nullptr;
  bool apply_weight_decay = true;  // false for biases and normalisation parameters
};

class Network {
 public:
  // Throws std::invalid_argument for an invalid spec, unsupported
  // configuration, or sizes that would exhaust memory (naming the reason).
  Network(const GraphSpec& spec, int64_t batch, NetworkOptions options = {});
  ~Network();
  Network(Network&&) noexcept;
  Network& operator=(Network&&) noexcept;
  Network(const Network&) = delete;
  Network& operator=(const Network&) = delete;

  int64_t batch() const;
  Shape input_shape() const;   // with batch: (N,C,H,W) or (N,C,D,H,W)
  Shape output_shape() const;  // with batch
  const GraphSpec& spec() const;

  // input: plain tensor of input_shape(). Throws std::invalid_argument on a
  // wrong shape or NaN/Inf values. Training mode keeps what backward needs,
  // uses batch statistics and updates running statistics of BatchNormalization,
  // and applies dropout.
  Tensor forward(const Tensor& input, Mode mode = Mode::inference);

  // output_gradient: dLoss/dOutput for the last training forward. Computes
  // (overwrites) every parameter's gradient. Returns dLoss/dInput only when
  // asked for, because the first layer's data gradient is expensive and
  // training does not need it.
  Tensor backward(const Tensor& output_gradient, bool want_input_gradient = false);

  std::vector<Parameter> parameters();

  // Non-trainable state (BatchNormalization running mean/var), for
  // checkpoints and for keeping ranks identical.
  std::vector<std::pair<std::string, Tensor*>> buffers();

  // Call after editing parameter or buffer values other than through an
  // optimizer step that follows backward() (which the network expects), so
  // that the next forward re-imports them.
  void parameters_changed();

  // Restarts the dropout mask sequence (for reproducible runs and gradient
  // checks).
  void set_seed(uint64_t seed);

  // The spec with the current weights and running statistics, ready to save.
  GraphSpec export_spec() const;

  // Names of all intermediate tensors, in execution order.
  std::vector<std::string> tensor_names() const;
  // Plain-layout value of a named tensor from the last forward.
  Tensor activation(const std::string& tensor_name) const;
  // Shape (with batch) of a named tensor.
  Shape tensor_shape(const std::string& tensor_name) const;

  // Forward FLOPs per sample of convolution and dense layers (multiply-add = 2).
  double forward_flops_per_sample() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace nv
