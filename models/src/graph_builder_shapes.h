// Per-sample shape inference for the GraphSpec operation vocabulary, shared
// by the builder, the JSON and ONNX readers, and nv::infer_shapes.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "neuralview/graph_spec.h"

namespace nv::detail {

// How many leading inputs of the node are activations; the rest are weights.
size_t activation_input_count(const NodeSpec& node);

// The per-sample (batch-free) output shape of `node` given the per-sample
// shapes of its activation inputs. Also checks that the node's weights exist
// and have shapes that fit. Throws std::invalid_argument naming the node.
Shape infer_node_shape(const NodeSpec& node, const std::vector<Shape>& activation_shapes,
                       const std::map<std::string, Tensor>& weights);

}  // namespace nv::detail
