// Static facts about a network's geometry, used to cut large fields into
// tiles whose stitched outputs equal one pass over the whole field.
#pragma once

#include <cstdint>

#include "neuralview/graph_spec.h"

namespace nv {

struct SpatialGeometry {
  // Product of the strides of all downsampling layers: inputs whose sides
  // are multiples of it keep every pooling grid aligned.
  int64_t downsampling = 1;
  // A conservative bound, in input pixels, on how far an output value can
  // see: tiles need at least this much real context on every side.
  int64_t receptive_radius = 0;
  // True when the output has the input's spatial size (segmentation,
  // autoencoders), so outputs can be tiled at all.
  bool dense_output = false;
};

// Throws std::invalid_argument when the spec is invalid.
SpatialGeometry analyse_spatial_geometry(const GraphSpec& spec);

}  // namespace nv
