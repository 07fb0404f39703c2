// Shape inference and attribute checking for a GraphSpec, independent of
// oneDNN. The engine runs this before it allocates anything, so that a bad
// spec or an absurd size is rejected with a clear message instead of a crash
// or an out-of-memory kill.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "neuralview/graph_spec.h"

namespace nv::engine {

// Parsed, checked attributes of one node plus its inferred shapes.
struct NodeGeometry {
  std::vector<Shape> input_shapes;  // activations only, with batch
  Shape output_shape;               // with batch

  // Conv, ConvTranspose, pooling. Dilations follow ONNX (1 = dense).
  std::vector<int64_t> kernel, strides, dilations, pads_begin, pads_end;
  int64_t groups = 1;
  bool has_bias = false;

  // Gemm: true when W is (out, in).
  bool transposed_weights = true;

  double flops_per_sample = 0.0;
};

struct GraphGeometry {
  std::vector<NodeGeometry> nodes;                                          // parallel to spec.nodes
  std::map<std::string, Shape> value_shapes;                                // every activation, with batch
  std::map<std::string, std::vector<std::pair<size_t, size_t>>> consumers;  // value -> (node, input slot)
  double forward_flops_per_sample = 0.0;
  double activation_bytes = 0.0;  // f32 bytes of all activations at this batch
  double weight_bytes = 0.0;
};

// Validates the spec and infers all shapes for the given batch. Throws
// std::invalid_argument naming the node and the problem.
GraphGeometry infer_geometry(const GraphSpec& spec, int64_t batch);

// Names of the trainable weights of a node (by input slot), and of its
// non-trainable buffers.
bool is_trainable_input(const NodeSpec& node, size_t slot);
bool is_buffer_input(const NodeSpec& node, size_t slot);
// Number of activation inputs of a node (the rest are weights).
size_t activation_input_count(const NodeSpec& node);

}  // namespace nv::engine
