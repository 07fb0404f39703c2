// A small fluent API for writing networks as GraphSpecs in C++.
//
//   nv::GraphBuilder b({16, 192, 288}, /*seed=*/42);
//   std::string x = b.relu(b.batch_norm(b.conv(b.input(), 32, 3, 1, 1)));
//   x = b.max_pool(x, 2);
//   nv::GraphSpec spec = b.build(b.conv(x, 3, 1));
//
// Every method appends one node and returns the name of the tensor it
// produces (node name = output tensor name). Names are unique: automatic ones
// are the op's short name with a counter ("conv1", "bn2"); an explicit name
// that is already taken throws std::invalid_argument.
//
// The builder tracks the per-sample shape (without batch) of every tensor, so
// a layer knows its input channel count and a dense layer its input size, and
// a shape mistake (a window larger than its input, a concat of mismatched
// extents) is reported at the layer that makes it.
//
// Weights are created with PyTorch's default initialisation, seeded:
// kaiming_uniform(a = sqrt(5)) for Conv, ConvTranspose and Gemm weights,
// Uniform(+-1/sqrt(fan_in)) for their biases; BatchNormalization starts with
// scale 1, bias 0, running mean 0, running variance 1. Weight names follow
// PyTorch's state_dict: "<node>.weight", "<node>.bias", "<node>.running_mean",
// "<node>.running_var".
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "neuralview/graph_spec.h"

namespace nv {

namespace detail {
class WeightRandom;
}

class GraphBuilder {
 public:
  // input_shape is per sample: (C,H,W) or (C,D,H,W).
  explicit GraphBuilder(Shape input_shape, uint64_t seed = 0, std::string input_name = "input");
  ~GraphBuilder();
  GraphBuilder(GraphBuilder&&) noexcept;
  GraphBuilder& operator=(GraphBuilder&&) noexcept;
  GraphBuilder(const GraphBuilder&) = delete;
  GraphBuilder& operator=(const GraphBuilder&) = delete;

  const std::string& input() const;
  // Per-sample shape of a tensor produced so far; throws for an unknown name.
  const Shape& shape(const std::string& tensor) const;
  int64_t channels(const std::string& tensor) const { return shape(tensor).at(0); }
  bool has_tensor(const std::string& tensor) const;
  // Whether a node, tensor or weight already uses the name.
  bool name_taken(const std::string& name) const { return taken_names_.count(name) != 0; }
  // The graph so far (output not yet chosen).
  const GraphSpec& spec() const { return spec_; }

  // Convolutions: cubic kernels (kernel^d), the same stride, padding (both
  // sides) and dilation on every spatial axis.
  std::string conv(const std::string& x, int64_t out_channels, int64_t kernel, int64_t stride = 1, int64_t pad = 0,
                   int64_t dilation = 1, bool bias = true, const std::string& name = "");
  std::string conv_transpose(const std::string& x, int64_t out_channels, int64_t kernel, int64_t stride = 1,
                             int64_t pad = 0, int64_t output_padding = 0, bool bias = true,
                             const std::string& name = "");

  // Pooling; stride 0 means stride = kernel. Average pooling leaves padding
  // out of the average (ONNX's default; PyTorch's count_include_pad=False).
  std::string max_pool(const std::string& x, int64_t kernel, int64_t stride = 0, int64_t pad = 0,
                       const std::string& name = "");
  std::string avg_pool(const std::string& x, int64_t kernel, int64_t stride = 0, int64_t pad = 0,
                       const std::string& name = "");
  std::string global_avg_pool(const std::string& x, const std::string& name = "");

  // momentum uses ONNX's convention: running = momentum * running + (1 - momentum) * batch
  // (PyTorch's momentum 0.1 is ONNX's 0.9).
  std::string batch_norm(const std::string& x, double epsilon = 1e-5, double momentum = 0.9,
                         const std::string& name = "");
  // spatial = true drops whole channels (Dropout2d/3d).
  std::string dropout(const std::string& x, double ratio, bool spatial = false, const std::string& name = "");

  std::string relu(const std::string& x, const std::string& name = "");
  std::string leaky_relu(const std::string& x, double alpha = 0.01, const std::string& name = "");
  std::string tanh(const std::string& x, const std::string& name = "");
  std::string sigmoid(const std::string& x, const std::string& name = "");
  std::string softmax(const std::string& x, const std::string& name = "");  // over channels (axis 1)

  // Fully connected layer (Gemm, transB = 1, weight (units, in) like torch.nn.Linear).
  // The input must be flat per sample: call flatten (or global_avg_pool + flatten) first.
  std::string dense(const std::string& x, int64_t units, bool bias = true, const std::string& name = "");
  std::string flatten(const std::string& x, const std::string& name = "");
  std::string concat(const std::vector<std::string>& xs, const std::string& name = "");  // along channels
  std::string add(const std::string& a, const std::string& b, const std::string& name = "");
  // mode "nearest" or "linear" (bilinear/trilinear, half-pixel like PyTorch align_corners=False).
  std::string upsample(const std::string& x, const std::string& mode = "nearest", int64_t factor = 2,
                       const std::string& name = "");

  // Appends any node of the vocabulary together with the weights it
  // introduces. An empty node.name gets an automatic one; empty outputs
  // become {node.name}. Returns the output tensor name.
  std::string append(NodeSpec node, std::map<std::string, Tensor> new_weights = {});

  // The finished network with `output` as its output; validated.
  GraphSpec build(const std::string& output) const;

 private:
  std::string unique_name(const std::string& requested, const std::string& prefix);
  void require_tensor(const std::string& tensor, const std::string& layer) const;

  GraphSpec spec_;
  std::map<std::string, Shape> shapes_;
  std::set<std::string> taken_names_;
  std::map<std::string, int> name_counters_;
  std::unique_ptr<detail::WeightRandom> random_;
};

// Per-sample shapes of the input and of every node output of a spec. Throws
// std::invalid_argument naming the first node whose shapes do not fit.
std::map<std::string, Shape> infer_shapes(const GraphSpec& spec);

// Number of trainable values (everything in `weights` except the running
// statistics of BatchNormalization), as torch's sum(p.numel() for p in parameters()).
int64_t trainable_parameter_count(const GraphSpec& spec);

}  // namespace nv
