// Running a trained model on new data: its stored normalisation, tiling of
// fields larger than memory allows, and a cache of compiled networks.
#pragma once

#include <cstdint>
#include <map>
#include <memory>

#include "neuralview/graph_analysis.h"
#include "neuralview/graph_spec.h"
#include "neuralview/network.h"
#include "neuralview/tensor.h"

namespace nv {

struct FieldPredictionOptions {
  // Side of the core of a tile in pixels (rounded up to the network's
  // downsampling factor); 0 runs the whole field in one pass.
  int64_t tile_size = 0;
  // Real context added on every side of a tile; -1 uses the network's
  // receptive radius rounded up to its downsampling factor, which makes the
  // stitched result equal the whole-field pass.
  int64_t halo = -1;
};

class Predictor {
 public:
  // Throws std::invalid_argument for an invalid model.
  explicit Predictor(GraphSpec model, NetworkOptions options = {});

  const GraphSpec& model() const { return model_; }
  const ModelMetadata& metadata() const { return model_.metadata; }
  int64_t input_channels() const { return model_.input_shape.at(0); }
  const SpatialGeometry& geometry() const { return geometry_; }

  // field: (C, H, W) or (C, D, H, W) raw values, channels in the model's
  // order. Applies the model's normalisation and returns the network's
  // outputs (K, H, W) / (K, D, H, W), tile by tile when asked. Sides that
  // are not multiples of the network's downsampling factor are padded at
  // their high end with the channel mean and the result cropped back. Throws
  // std::invalid_argument for a wrong channel count or rank, NaN/Inf values,
  // or a network whose output is not a dense field.
  Tensor predict_field(const Tensor& field, const FieldPredictionOptions& options = {});

  // Monte-Carlo dropout (Gal & Ghahramani 2016) on a field: `passes`
  // whole-field passes with dropout active and BatchNormalization at its
  // running statistics. Returns the mean softmax probabilities (K, spatial...)
  // and sets `entropy` to the predictive entropy -sum_k p_k log p_k of that
  // mean per point (spatial...). The masks follow `seed`: the same seed gives
  // the same result. Throws std::invalid_argument as predict_field does, for
  // passes < 1, or for a model without Dropout (it would have no spread).
  Tensor predict_field_monte_carlo(const Tensor& field, int passes, uint64_t seed, Tensor& entropy);

  // samples: (N, C, ...) raw values of the model's input shape; returns
  // (N, outputs...). Runs in batches of the network's size.
  Tensor predict_samples(const Tensor& samples, int64_t batch = 8);

  // Normalises a (C, ...) or (N, C, ...) tensor in place with the model's
  // channel statistics (nothing when the model stores none).
  void normalise(Tensor& values, int channel_axis) const;

 private:
  Network& network_for(const Shape& sample_shape, int64_t batch);
  Tensor run_one(const Tensor& normalised_field);
  // Checks a raw field, normalises it, pads it to multiples of the
  // downsampling factor; `sides` receives the original sides.
  Tensor normalised_padded_field(const Tensor& field, std::vector<int64_t>& sides) const;
  // predict_field on a normalised field whose sides are multiples of the downsampling factor.
  Tensor predict_normalised(const Tensor& normalised, const FieldPredictionOptions& options);

  GraphSpec model_;
  NetworkOptions options_;
  SpatialGeometry geometry_;
  std::map<std::pair<Shape, int64_t>, std::unique_ptr<Network>> networks_;
  std::map<Shape, std::unique_ptr<Network>> dropout_networks_;  // Monte-Carlo dropout, per field shape
};

// The box [begin, begin + size) of the spatial axes of a (C, H, W) or
// (C, D, H, W) tensor (begin/size per spatial axis, in tensor axis order).
Tensor crop_field(const Tensor& field, const std::vector<int64_t>& begin, const std::vector<int64_t>& size);

// Softmax over axis 0 of a (K, ...) tensor: class probabilities from logits.
Tensor softmax_over_first_axis(const Tensor& logits);

}  // namespace nv
