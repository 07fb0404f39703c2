// A network as data: a directed acyclic graph of operations with named
// tensors, plus the weights and the metadata a model file carries.
//
// The operation vocabulary and attribute names are ONNX's (opset 13
// semantics), so that presets, JSON architecture files and ONNX model files
// all describe the same thing and convert to one another without loss. The
// engine (network.h) builds executable oneDNN primitives from a GraphSpec;
// onnx_io.h reads and writes it.
//
// Supported ops and their inputs (weights are named tensors in `weights`):
//   Conv(X, W[, B])             attrs: kernel_shape, strides, pads, dilations, group
//   ConvTranspose(X, W[, B])    attrs: kernel_shape, strides, pads, output_padding
//   MaxPool(X), AveragePool(X)  attrs: kernel_shape, strides, pads
//   GlobalAveragePool(X)
//   BatchNormalization(X, scale, B, mean, var)   attrs: epsilon, momentum
//   Dropout(X)                  attrs: ratio, nv_spatial (1 drops whole channels)
//   Relu, Tanh, Sigmoid         LeakyRelu attrs: alpha
//   Softmax(X)                  attrs: axis (channel axis 1)
//   Gemm(X, W[, B])             attrs: transB (1: W is (out, in) like PyTorch Linear)
//   Flatten(X)                  attrs: axis (1)
//   Concat(X...)                attrs: axis (1)
//   Add(A, B)
//   Resize(X)                   attrs: mode ("nearest" | "linear"), nv_scale (integer factor)
// `pads` follow ONNX: all begins then all ends.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "neuralview/tensor.h"

namespace nv {

using AttributeValue = std::variant<int64_t, double, std::string, std::vector<int64_t>, std::vector<double>>;

struct NodeSpec {
  std::string name;
  std::string op;
  std::vector<std::string> inputs;   // activations first, then weight names
  std::vector<std::string> outputs;  // exactly one for every supported op
  std::map<std::string, AttributeValue> attributes;

  // Typed attribute access with a default; throws std::invalid_argument when
  // the attribute exists with another type.
  int64_t int_attribute(const std::string& key, int64_t fallback) const;
  double float_attribute(const std::string& key, double fallback) const;
  std::string string_attribute(const std::string& key, const std::string& fallback) const;
  std::vector<int64_t> ints_attribute(const std::string& key, const std::vector<int64_t>& fallback) const;
};

// What a model means, beyond its graph. Stored in ONNX metadata_props.
struct ModelMetadata {
  std::string task;                        // "segmentation" | "classification" | "regression" | "autoencoder"
  std::vector<std::string> channel_names;  // input channels, in order
  std::vector<double> channel_mean;        // normalisation applied before the network
  std::vector<double> channel_stddev;
  std::vector<std::string> class_names;      // segmentation / classification outputs
  std::vector<std::string> target_names;     // regression outputs
  std::map<std::string, std::string> extra;  // anything else (architecture name, training history, ...)
};

struct GraphSpec {
  std::string name = "network";
  std::string input_name = "input";
  Shape input_shape;  // per sample, without batch: (C,H,W) or (C,D,H,W)
  std::string output_name = "output";
  std::vector<NodeSpec> nodes;  // in a topological order
  std::map<std::string, Tensor> weights;
  ModelMetadata metadata;

  // Throws std::invalid_argument naming the first problem: unknown op, a
  // tensor used before it is produced, a missing weight, a duplicate output.
  void validate() const;
};

}  // namespace nv
