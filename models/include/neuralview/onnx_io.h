// ONNX model files: the on-disk form of a GraphSpec.
//
// Saving writes opset 13 (IR version 7): the graph input and output with a
// dynamic batch dimension "N", value_info for every intermediate tensor, the
// weights as float initializers (raw little-endian data), and
// ModelMetadata in metadata_props:
//   task                 string
//   channel_names        JSON array of strings
//   channel_mean         JSON array of numbers
//   channel_stddev       JSON array of numbers
//   class_names          JSON array of strings
//   target_names         JSON array of strings
//   extra                JSON object of strings
//   nv_node_attributes   JSON object {node: {attribute: value}} for the
//                        NeuralView attributes ONNX has no place for (nv_spatial)
// Empty fields are left out. Resize's nv_scale becomes a `scales` initializer
// and Dropout's ratio a `ratio` initializer, as opset 13 wants them.
// The file is written to a temporary file in the same folder and renamed
// over `path`, so a failed save never destroys an existing model.
//
// Loading accepts NeuralView's own files and files from PyTorch's
// torch.onnx.export (opsets 7 to 17 of the default domain) for the operations
// in graph_spec.h, normalising what exporters emit around them:
//   - Constant, Identity, and constant sub-graphs (Shape, Gather, Unsqueeze,
//     Squeeze, Concat, Slice, Reshape, Transpose, Cast, ConstantOfShape,
//     Add/Sub/Mul/Div on constants) are evaluated at load time, with the
//     batch dimension kept symbolic;
//   - Reshape to (N, -1) becomes Flatten; a Reshape to the same shape vanishes;
//   - MatMul with a constant matrix (plus Add of a constant bias) becomes Gemm
//     with transB = 1; Gemm with transB = 0 gets its weight transposed;
//   - a constant zero Pad is folded into the pads of the following Conv (or
//     AveragePool, which then counts the padding: count_include_pad = 1);
//   - Dropout's ratio input (opset >= 12) becomes the ratio attribute, unused
//     mask outputs are dropped; BatchNormalization must be in inference form;
//   - Resize (opset >= 10) and Upsample (opset 7-9) with constant integer
//     scales (or sizes) become Resize{mode, nv_scale}, accepting coordinate
//     transformations that agree with PyTorch's nearest and (bi/tri)linear
//     align_corners=False upsampling;
//   - Softmax must act on the channel axis. Before opset 13 Softmax(axis=a)
//     normalises over all axes from a on, so it is accepted where that equals
//     the channel axis alone (flat inputs), and PyTorch's
//     Transpose -> Softmax(last axis) -> Transpose pattern is recognised;
//   - Conv/pool auto_pad is turned into explicit pads.
// Default attribute values are filled in, so a loaded spec looks like one
// from GraphBuilder. Weights keep their initializer names (for PyTorch, the
// state_dict keys).
//
// Errors: a missing or unreadable file -> std::runtime_error naming the path;
// bytes that are not a valid ONNX model (truncated, corrupted) ->
// std::runtime_error saying so; an unsupported operation or attribute ->
// std::invalid_argument naming the op and the node. The result passes
// GraphSpec::validate().
#pragma once

#include <string>

#include "neuralview/graph_spec.h"

namespace nv {

// Throws std::invalid_argument for a spec that does not validate, and
// std::runtime_error when the file cannot be written.
void save_onnx(const GraphSpec& spec, const std::string& path);
std::string save_onnx_to_bytes(const GraphSpec& spec);

GraphSpec load_onnx(const std::string& path);
// `source` names the bytes in error messages.
GraphSpec load_onnx_from_bytes(const std::string& bytes, const std::string& source = "<memory>");

}  // namespace nv
