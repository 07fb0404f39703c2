#include "neuralview/predictor.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "neuralview/attribution.h"

namespace nv {

namespace {

int64_t round_up(int64_t value, int64_t multiple) { return (value + multiple - 1) / multiple * multiple; }

}  // namespace

Tensor crop_field(const Tensor& field, const std::vector<int64_t>& begin, const std::vector<int64_t>& size) {
  const size_t dims = begin.size();
  Shape shape = {field.dim(0)};
  shape.insert(shape.end(), size.begin(), size.end());
  Tensor out(shape);
  // Treat every field as (C, D, H, W) with D = 1 for 2-D.
  const int64_t C = field.dim(0);
  const int64_t D = dims == 3 ? field.dim(1) : 1, H = field.dim(dims - 1), W = field.dim(dims);
  const int64_t d0 = dims == 3 ? begin[0] : 0, h0 = begin[dims - 2], w0 = begin[dims - 1];
  const int64_t sd = dims == 3 ? size[0] : 1, sh = size[dims - 2], sw = size[dims - 1];
  float* o = out.data();
  for (int64_t c = 0; c < C; ++c)
    for (int64_t d = 0; d < sd; ++d)
      for (int64_t h = 0; h < sh; ++h) {
        const float* src = field.data() + ((c * D + d0 + d) * H + h0 + h) * W + w0;
        std::copy(src, src + sw, o);
        o += sw;
      }
  return out;
}

namespace {

// Writes `part` (C, size...) read from offset `from` into `field` at `to`, for `count` pixels per axis.
void paste(const Tensor& part, const std::vector<int64_t>& from, Tensor& field, const std::vector<int64_t>& to,
           const std::vector<int64_t>& count) {
  const size_t dims = to.size();
  const int64_t C = field.dim(0);
  const int64_t D = dims == 3 ? field.dim(1) : 1, H = field.dim(dims - 1), W = field.dim(dims);
  const int64_t pD = dims == 3 ? part.dim(1) : 1, pH = part.dim(dims - 1), pW = part.dim(dims);
  const int64_t nd = dims == 3 ? count[0] : 1;
  for (int64_t c = 0; c < C; ++c)
    for (int64_t d = 0; d < nd; ++d)
      for (int64_t h = 0; h < count[dims - 2]; ++h) {
        const int64_t pd = (dims == 3 ? from[0] : 0) + d, fd = (dims == 3 ? to[0] : 0) + d;
        const float* src = part.data() + ((c * pD + pd) * pH + from[dims - 2] + h) * pW + from[dims - 1];
        float* dst = field.data() + ((c * D + fd) * H + to[dims - 2] + h) * W + to[dims - 1];
        std::copy(src, src + count[dims - 1], dst);
      }
}

}  // namespace

Predictor::Predictor(GraphSpec model, NetworkOptions options)
    : model_(std::move(model)), options_(options), geometry_(analyse_spatial_geometry(model_)) {
  const auto& m = model_.metadata;
  const size_t channels = static_cast<size_t>(model_.input_shape.at(0));
  if (!m.channel_mean.empty() && (m.channel_mean.size() != channels || m.channel_stddev.size() != channels))
    throw std::invalid_argument("model stores normalisation for " + std::to_string(m.channel_mean.size()) +
                                " channels but its input has " + std::to_string(channels));
}

void Predictor::normalise(Tensor& values, int channel_axis) const {
  const auto& m = model_.metadata;
  if (m.channel_mean.empty()) return;
  const Shape& s = values.shape();
  int64_t outer = 1, inner = 1;
  for (int a = 0; a < channel_axis; ++a) outer *= s[a];
  for (size_t a = channel_axis + 1; a < s.size(); ++a) inner *= s[a];
  const int64_t C = s.at(channel_axis);
  float* v = values.data();
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t c = 0; c < C; ++c) {
      const double sd = m.channel_stddev[c] > 0 ? m.channel_stddev[c] : 1.0;
      const float scale = static_cast<float>(1.0 / sd), shift = static_cast<float>(m.channel_mean[c]);
      float* p = v + (o * C + c) * inner;
      for (int64_t i = 0; i < inner; ++i) p[i] = (p[i] - shift) * scale;
    }
}

Network& Predictor::network_for(const Shape& sample_shape, int64_t batch) {
  auto key = std::make_pair(sample_shape, batch);
  auto it = networks_.find(key);
  if (it != networks_.end()) return *it->second;
  GraphSpec spec = model_;
  spec.input_shape = sample_shape;
  auto network = std::make_unique<Network>(spec, batch, options_);
  return *networks_.emplace(key, std::move(network)).first->second;
}

Tensor Predictor::run_one(const Tensor& normalised_field) {
  Network& network = network_for(normalised_field.shape(), 1);
  Shape batched = {1};
  batched.insert(batched.end(), normalised_field.shape().begin(), normalised_field.shape().end());
  Tensor out = network.forward(normalised_field.reshaped(batched), Mode::inference);
  Shape unbatched(out.shape().begin() + 1, out.shape().end());
  return out.reshaped(unbatched);
}

Tensor Predictor::normalised_padded_field(const Tensor& field, std::vector<int64_t>& sides) const {
  const size_t rank = model_.input_shape.size();
  if (field.rank() != rank)
    throw std::invalid_argument("the model takes " + std::to_string(rank - 1) + "-D fields, got a tensor of shape " +
                                shape_to_string(field.shape()));
  if (field.dim(0) != input_channels())
    throw std::invalid_argument("the model takes " + std::to_string(input_channels()) + " channels, got " +
                                std::to_string(field.dim(0)));
  if (!geometry_.dense_output)
    throw std::invalid_argument("the model's output is not a field of the input's size; use predict_samples");
  if (field.has_non_finite()) throw std::invalid_argument("the input field holds NaN or infinite values");
  const int64_t factor = geometry_.downsampling;
  const size_t dims = rank - 1;
  Tensor normalised = field;
  normalise(normalised, 0);
  // A side that is not a multiple of the downsampling factor is padded at its
  // high end with zeros (the channel mean, after normalisation) and the
  // result cropped back. Padding only the high end keeps every pooling window
  // on the same grid as the field's origin, so a piece of a larger field
  // (which starts on that grid) gives the same values as the whole field.
  sides.assign(dims, 0);
  std::vector<int64_t> padded_sides(dims);
  bool needs_padding = false;
  for (size_t a = 0; a < dims; ++a) {
    sides[a] = field.dim(a + 1);
    padded_sides[a] = round_up(sides[a], factor);
    needs_padding = needs_padding || padded_sides[a] != sides[a];
  }
  if (!needs_padding) return normalised;
  Shape padded_shape = {field.dim(0)};
  padded_shape.insert(padded_shape.end(), padded_sides.begin(), padded_sides.end());
  Tensor padded(padded_shape);  // zero-filled
  paste(normalised, std::vector<int64_t>(dims, 0), padded, std::vector<int64_t>(dims, 0), sides);
  return padded;
}

Tensor Predictor::predict_field(const Tensor& field, const FieldPredictionOptions& options) {
  std::vector<int64_t> sides;
  const Tensor padded = normalised_padded_field(field, sides);
  return crop_field(predict_normalised(padded, options), std::vector<int64_t>(sides.size(), 0), sides);
}

Tensor Predictor::predict_field_monte_carlo(const Tensor& field, int passes, uint64_t seed, Tensor& entropy) {
  if (passes < 1) throw std::invalid_argument("Monte-Carlo dropout needs at least one pass");
  bool has_dropout = false;
  for (const NodeSpec& node : model_.nodes) has_dropout = has_dropout || node.op == "Dropout";
  if (!has_dropout)
    throw std::invalid_argument("Monte-Carlo dropout needs a model with Dropout layers; this model has none");
  std::vector<int64_t> sides;
  const Tensor padded = normalised_padded_field(field, sides);
  auto it = dropout_networks_.find(padded.shape());
  if (it == dropout_networks_.end()) {
    GraphSpec spec = fold_batch_normalization_keep_dropout(model_);
    spec.input_shape = padded.shape();
    it = dropout_networks_.emplace(padded.shape(), std::make_unique<Network>(spec, 1, options_)).first;
  }
  Network& network = *it->second;
  network.set_seed(seed);
  Shape batched = {1};
  batched.insert(batched.end(), padded.shape().begin(), padded.shape().end());
  const Tensor input = padded.reshaped(batched);
  Tensor mean;
  for (int pass = 0; pass < passes; ++pass) {
    // Training mode applies dropout; BatchNormalization is folded into fixed
    // affine maps, so its batch statistics play no part.
    const Tensor logits = network.forward(input, Mode::training);
    const Tensor probability =
        softmax_over_first_axis(logits.reshaped(Shape(logits.shape().begin() + 1, logits.shape().end())));
    if (mean.empty()) mean = Tensor(probability.shape());
    for (int64_t i = 0; i < mean.size(); ++i) mean[i] += probability[i] / static_cast<float>(passes);
  }
  mean = crop_field(mean, std::vector<int64_t>(sides.size(), 0), sides);
  const int64_t K = mean.dim(0), n = mean.size() / K;
  entropy = Tensor(Shape(mean.shape().begin() + 1, mean.shape().end()));
  for (int64_t i = 0; i < n; ++i) {
    double h = 0;
    for (int64_t k = 0; k < K; ++k) {
      const double p = mean[k * n + i];
      if (p > 0) h -= p * std::log(p);
    }
    entropy[i] = static_cast<float>(h);
  }
  return mean;
}

Tensor Predictor::predict_normalised(const Tensor& normalised, const FieldPredictionOptions& options) {
  const Tensor& field = normalised;
  const int64_t factor = geometry_.downsampling;
  const size_t dims = field.rank() - 1;
  bool whole = options.tile_size <= 0;
  const int64_t tile = whole ? 0 : round_up(options.tile_size, factor);
  bool fits = true;
  for (size_t a = 0; a < dims; ++a) fits = fits && (whole || field.dim(a + 1) <= tile);
  if (whole || fits) return run_one(normalised);

  const int64_t halo = round_up(options.halo >= 0 ? options.halo : geometry_.receptive_radius, factor);
  Tensor result;
  std::vector<int64_t> origin(dims, 0);
  while (true) {
    std::vector<int64_t> begin(dims), size(dims), core_from(dims), core_count(dims);
    for (size_t a = 0; a < dims; ++a) {
      const int64_t L = field.dim(a + 1);
      begin[a] = std::max<int64_t>(0, origin[a] - halo);
      const int64_t end = std::min<int64_t>(L, origin[a] + tile + halo);
      size[a] = end - begin[a];
      core_from[a] = origin[a] - begin[a];
      core_count[a] = std::min<int64_t>(tile, L - origin[a]);
    }
    Tensor out = run_one(crop_field(normalised, begin, size));
    if (result.empty()) {
      Shape shape = {out.dim(0)};
      for (size_t a = 0; a < dims; ++a) shape.push_back(field.dim(a + 1));
      result = Tensor(shape);
    }
    paste(out, core_from, result, origin, core_count);
    // Next tile origin, last axis fastest.
    size_t a = dims;
    while (a > 0) {
      --a;
      origin[a] += tile;
      if (origin[a] < field.dim(a + 1)) break;
      origin[a] = 0;
      if (a == 0) return result;
    }
  }
}

Tensor Predictor::predict_samples(const Tensor& samples, int64_t batch) {
  const Shape& sample_shape = model_.input_shape;
  if (samples.rank() != sample_shape.size() + 1)
    throw std::invalid_argument("samples must be (N, " + shape_to_string(sample_shape).substr(1) + ", got " +
                                shape_to_string(samples.shape()));
  for (size_t a = 0; a < sample_shape.size(); ++a)
    if (samples.dim(a + 1) != sample_shape[a])
      throw std::invalid_argument("the model takes samples of shape " + shape_to_string(sample_shape) + ", got " +
                                  shape_to_string(Shape(samples.shape().begin() + 1, samples.shape().end())));
  if (samples.has_non_finite()) throw std::invalid_argument("the input samples hold NaN or infinite values");
  const int64_t n = samples.dim(0), per_sample = element_count(sample_shape);
  batch = std::max<int64_t>(1, std::min(batch, n));
  Tensor normalised = samples;
  normalise(normalised, 1);
  Tensor result;
  int64_t per_output = 0;
  for (int64_t first = 0; first < n; first += batch) {
    const int64_t count = std::min(batch, n - first);
    Shape batched = {count};
    batched.insert(batched.end(), sample_shape.begin(), sample_shape.end());
    Tensor chunk(batched, std::vector<float>(normalised.data() + first * per_sample,
                                             normalised.data() + (first + count) * per_sample));
    Tensor out = network_for(sample_shape, count).forward(chunk, Mode::inference);
    if (result.empty()) {
      Shape shape = out.shape();
      shape[0] = n;
      result = Tensor(shape);
      per_output = out.size() / count;
    }
    std::copy(out.data(), out.data() + out.size(), result.data() + first * per_output);
  }
  return result;
}

Tensor softmax_over_first_axis(const Tensor& logits) {
  Tensor probabilities(logits.shape());
  const int64_t K = logits.dim(0), n = logits.size() / std::max<int64_t>(K, 1);
  for (int64_t i = 0; i < n; ++i) {
    float top = logits[i];
    for (int64_t k = 1; k < K; ++k) top = std::max(top, logits[k * n + i]);
    double sum = 0;
    for (int64_t k = 0; k < K; ++k) sum += std::exp(static_cast<double>(logits[k * n + i] - top));
    for (int64_t k = 0; k < K; ++k)
      probabilities[k * n + i] = static_cast<float>(std::exp(static_cast<double>(logits[k * n + i] - top)) / sum);
  }
  return probabilities;
}

}  // namespace nv
