// Ready-made networks: the reference networks of DESIGN.md and small ones
// for quick experiments and tests.
//
//   climseg          U-Net-lite segmentation (DeepCAM-like), (C,H,W), H and W divisible by 4
//   cosmoflow        3-D regression network, (C,D,H,W), D, H and W divisible by 16, ends with Tanh
//   hepcnn           classifier for calorimeter images, (C,H,W), H and W divisible by 8
//   autoencoder2d    convolutional autoencoder, (C,H,W) divisible by 4; output channels = C
//   autoencoder3d    the same in 3-D, (C,D,H,W) divisible by 4
//   segnet-small     2-level U-Net-lite with 16 base channels, (C,H,W) divisible by 2
//   classifier-small 2 conv units + global average pool + dense, 2-D or 3-D, divisible by 2
//   regressor-small  the same with a regression head
//
// Convolutions carry a bias (PyTorch's default). Segmentation and
// classification networks end in logits (no softmax); losses apply it.
// The autoencoders ignore `outputs` (they reproduce their input's channels)
// and name their bottleneck tensor "code" (metadata.extra["embedding_tensor"]).
//
// Every preset fills metadata.task and metadata.extra["architecture"], and
// for the reference networks the class/target names when `outputs` matches
// the reference (3 classes, 4 cosmological parameters, 2 classes).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "neuralview/graph_spec.h"

namespace nv {

// input_shape is per sample: (C,H,W) or (C,D,H,W). Throws
// std::invalid_argument for an unknown name (listing the valid ones), a
// shape of the wrong rank or not divisible by the pooling factors, or
// outputs < 1 (where outputs is used).
GraphSpec build_preset(const std::string& name, const Shape& input_shape, int64_t outputs, uint64_t seed);

std::vector<std::string> preset_names();

}  // namespace nv
