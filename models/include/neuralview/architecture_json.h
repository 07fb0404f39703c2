// Networks described in JSON files (docs/architecture-json.md).
//
//   {
//     "name": "tiny-unet",                 optional: the network's name
//     "task": "segmentation",              optional: metadata.task
//     "class_names": ["bg", "cyclone"],    optional: also "target_names", "channel_names"
//     "layers": [
//       {"type": "conv", "filters": 16, "kernel": 3, "pad": 1, "name": "enc1"},
//       {"type": "batchnorm"},
//       {"type": "relu", "name": "skip1"},
//       {"type": "maxpool", "kernel": 2},
//       {"type": "conv", "filters": 32, "kernel": 3, "pad": "same"},
//       {"type": "relu"},
//       {"type": "conv_transpose", "filters": 16, "kernel": 2, "stride": 2, "name": "up1"},
//       {"type": "concat", "inputs": ["up1", "skip1"]},
//       {"type": "conv", "filters": "outputs", "kernel": 1, "name": "logits"}
//     ],
//     "output": "logits"                   optional: default the last layer
//   }
//
// or {"preset": "climseg"} (optionally with "name") for a built-in network
// (presets.h).
//
// Every layer has a "type" and may have a "name" (default: automatic, such
// as "conv3") and "inputs": a layer name, "input" (the network input), or a
// list of them; the default is the previous layer (the network input for the
// first). Names must be defined by an earlier layer, so any DAG (skips,
// residual additions) can be written in order.
//
// Types and their keys (defaults in parentheses):
//   conv            filters, kernel (3), stride (1), pad (0 | "same"), dilation (1), bias (true)
//   conv_transpose  filters, kernel (2), stride (2), pad (0), output_padding (0), bias (true)
//   maxpool, avgpool  kernel (2), stride (= kernel), pad (0)
//   global_avgpool
//   batchnorm       epsilon (1e-5), momentum (0.9, ONNX convention = PyTorch's 0.1)
//   dropout         rate (0.5), spatial (false: whole channels when true)
//   relu, tanh, sigmoid, softmax (over channels), flatten
//   leaky_relu      alpha (0.01)
//   dense           units, bias (true)        (the input must be flat: add "flatten")
//   concat          inputs (two or more; along channels)
//   add             inputs (exactly two of equal shape)
//   upsample        factor (2), mode ("nearest" | "linear")
// "filters" and "units" may be the string "outputs", which stands for the
// `outputs` argument (the number of classes or targets).
//
// A network from "layers" records metadata.extra["architecture"] (its "name",
// or "json") and extra["architecture_json"] (the whole definition, compact).
//
// Errors are std::invalid_argument naming the source, the layer
// ("layers[3] ('enc2', conv)") and the problem: malformed JSON (with line and
// column), unknown types or keys, wrong value types, undefined inputs, shape
// mismatches. A missing file is a std::runtime_error naming the path.
#pragma once

#include <cstdint>
#include <string>

#include "neuralview/graph_spec.h"

namespace nv {

// input_shape is per sample: (C,H,W) or (C,D,H,W).
GraphSpec load_architecture_json(const std::string& path, const Shape& input_shape, int64_t outputs, uint64_t seed);

// `source` names the text in error messages.
GraphSpec load_architecture_json_from_string(const std::string& json_text, const Shape& input_shape, int64_t outputs,
                                             uint64_t seed, const std::string& source = "<string>");

}  // namespace nv
