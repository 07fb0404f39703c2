// Choosing a network for a task: a preset by name, a JSON architecture file,
// or "auto" (a small preset that suits the task and dimensionality).
#pragma once

#include <cstdint>
#include <string>

#include "neuralview/graph_spec.h"

namespace nv {

// architecture: "auto", a preset name (presets.h), or a path ending in
// ".json" (architecture_json.h). input_shape per sample (C,H,W)/(C,D,H,W);
// outputs: classes, regression targets, or ignored for autoencoders.
// Throws std::invalid_argument naming what does not fit.
GraphSpec create_network(const std::string& architecture, const std::string& task, const Shape& input_shape,
                         int64_t outputs, uint64_t seed);

// What "auto" picks for a task and spatial dimensionality (2 or 3).
std::string automatic_architecture(const std::string& task, size_t spatial_dims);

}  // namespace nv
