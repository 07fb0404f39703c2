// Attribution: which input values a network's output depends on.
//
// Gradients of the inference-time function are needed, but Network::backward
// follows a training forward (batch statistics, dropout). AttributionModel
// therefore runs a frozen copy of the graph: Dropout removed and every
// BatchNormalization replaced by its inference-time per-channel affine map (a
// depthwise 1×1 convolution with the running statistics folded in), so that
// training-mode forward/backward equal the inference function and its
// gradient exactly.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "neuralview/graph_spec.h"
#include "neuralview/network.h"
#include "neuralview/tensor.h"

namespace nv {

// What to explain: the weighted sum of one output channel (class, target)
// over the output's positions, per sample.
struct AttributionTarget {
  int64_t channel = 0;
  // Weights over one sample's output positions (the product of output dims
  // 2..; 1 for a classifier). Empty: every position with weight 1. A mask of
  // 0/1 selects a region of a segmentation output.
  std::vector<float> region;
};

class AttributionModel {
 public:
  // batch: samples per engine pass; inputs of any sample count are processed
  // in chunks. Throws std::invalid_argument for an invalid spec or a
  // BatchNormalization on a tensor without spatial axes.
  AttributionModel(const GraphSpec& spec, int64_t batch, NetworkOptions options = {});
  // The network's current weights and batch.
  explicit AttributionModel(const Network& network);
  ~AttributionModel();
  AttributionModel(AttributionModel&&) noexcept;
  AttributionModel& operator=(AttributionModel&&) noexcept;

  Shape input_shape() const;   // per sample
  Shape output_shape() const;  // per sample
  const GraphSpec& frozen_spec() const;

  // Inputs are (N, input_shape()...). All methods throw std::invalid_argument
  // for a wrong input shape, non-finite values, a channel outside the
  // output, or a region of the wrong size.

  // The explained score per sample.
  std::vector<double> score(const Tensor& input, const AttributionTarget& target);
  // d score / d input, shape of input.
  Tensor gradient(const Tensor& input, const AttributionTarget& target);
  // |d score / d input| (Simonyan et al. 2014), shape of input.
  Tensor saliency(const Tensor& input, const AttributionTarget& target);
  // Integrated gradients (Sundararajan et al. 2017): (x - x0) times the mean
  // gradient at the midpoints of `steps` equal intervals of the straight path
  // from baseline x0 to x. Completeness: the attributions of a sample sum to
  // score(x) - score(x0) up to the quadrature error O(1/steps²).
  // baseline: same shape as input, or empty for all zeros. steps >= 1.
  Tensor integrated_gradients(const Tensor& input, const Tensor& baseline, const AttributionTarget& target,
                              int steps = 50);
  // Grad-CAM (Selvaraju et al. 2017) at an intermediate tensor A of shape
  // (C, spatial...): ReLU(sum_c alpha_c A_c) with alpha_c the spatial mean
  // of d score / d A_c. Returns (N, 1, spatial...) at the layer's resolution.
  // The gradient at A comes from the sub-graph downstream of A; throws
  // std::invalid_argument when the layer is unknown, has no spatial axes, or
  // the output also depends on tensors upstream of A (a skip connection
  // around it).
  Tensor grad_cam(const Tensor& input, const std::string& layer, const AttributionTarget& target);
  // Grad-CAM at any intermediate tensor, also one that skip connections
  // bypass (U-Net encoders, residual blocks). The channel weights alpha_c
  // need only the spatial sum of d score / d A_c: an identity depthwise 1×1
  // convolution inserted after A has exactly that as its bias gradient, so
  // the engine's ordinary backward pass gives it, one pass per sample. Equals
  // grad_cam() where both apply. Throws std::invalid_argument when the layer
  // is unknown or has no spatial axes.
  Tensor grad_cam_any_layer(const Tensor& input, const std::string& layer, const AttributionTarget& target);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The spec with Dropout removed and BatchNormalization folded into depthwise
// 1×1 convolutions (see above). Exposed for tests and inspection.
GraphSpec freeze_for_attribution(const GraphSpec& spec);
// The same folding of BatchNormalization, keeping Dropout: a training-mode
// forward of the result is the inference function with dropout active
// (Monte-Carlo dropout).
GraphSpec fold_batch_normalization_keep_dropout(const GraphSpec& spec);

// Channel-wise maximum of |attribution|: (N, C, spatial...) -> (N, 1, spatial...),
// the usual way to show a multi-channel saliency map as one image.
Tensor reduce_channels_max_abs(const Tensor& attribution);

}  // namespace nv
