// Tiled inference must equal one pass over the whole field, and the model's
// normalisation must be applied exactly once.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "neuralview/graph_analysis.h"
#include "neuralview/graph_builder.h"
#include "neuralview/predictor.h"
#include "neuralview/presets.h"

namespace {

nv::Tensor random_field(nv::Shape shape, uint32_t seed, float offset = 0.0f, float scale = 1.0f) {
  nv::Tensor t(std::move(shape));
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  for (int64_t i = 0; i < t.size(); ++i) t[i] = offset + scale * dist(rng);
  return t;
}

double max_relative_difference(const nv::Tensor& a, const nv::Tensor& b) {
  double worst = 0, scale = 1e-12;
  for (int64_t i = 0; i < b.size(); ++i) scale = std::max(scale, static_cast<double>(std::fabs(b[i])));
  for (int64_t i = 0; i < a.size(); ++i) worst = std::max(worst, static_cast<double>(std::fabs(a[i] - b[i])));
  return worst / scale;
}

TEST(GraphAnalysis, ClimsegGeometry) {
  const nv::GraphSpec spec = nv::build_preset("climseg", {16, 32, 48}, 3, 1);
  const nv::SpatialGeometry g = nv::analyse_spatial_geometry(spec);
  EXPECT_EQ(g.downsampling, 4);  // two 2x2 max-pools
  EXPECT_TRUE(g.dense_output);
  // Ten 3x3 convolutions at strides 1,1,2,2,4,4,2,2,1,1 reach 1+1+2+2+4+4+2+2+1+1 = 20
  // pixels; the 2x2 pools add 1+2 and the 2x2 transposed convolutions 2+1: 26.
  EXPECT_EQ(g.receptive_radius, 26);
  const nv::GraphSpec hep = nv::build_preset("hepcnn", {3, 64, 64}, 2, 1);
  EXPECT_FALSE(nv::analyse_spatial_geometry(hep).dense_output);
}

TEST(Predictor, TiledEqualsWholeField2D) {
  nv::GraphSpec spec = nv::build_preset("climseg", {4, 64, 96}, 3, 7);
  nv::Predictor predictor(spec);
  const nv::Tensor field = random_field({4, 64, 96}, 3);
  const nv::Tensor whole = predictor.predict_field(field);
  nv::FieldPredictionOptions tiled;
  tiled.tile_size = 24;  // 3 x 4 tiles with halos
  const nv::Tensor stitched = predictor.predict_field(field, tiled);
  ASSERT_EQ(whole.shape(), stitched.shape());
  // Same arithmetic on the same inputs; only the blocking of different-size
  // primitives may reorder float sums (~1e-6 relative).
  EXPECT_LT(max_relative_difference(stitched, whole), 1e-4);
  // A halo too small to cover the receptive field must visibly differ, or
  // the test above would prove nothing.
  tiled.halo = 0;
  EXPECT_GT(max_relative_difference(predictor.predict_field(field, tiled), whole), 1e-3);
}

TEST(Predictor, TiledEqualsWholeField3D) {
  nv::GraphSpec spec = nv::build_preset("autoencoder3d", {2, 16, 16, 16}, 2, 5);
  nv::Predictor predictor(spec);
  const nv::Tensor field = random_field({2, 32, 16, 32}, 9);
  const nv::Tensor whole = predictor.predict_field(field);
  nv::FieldPredictionOptions tiled;
  tiled.tile_size = 8;
  EXPECT_LT(max_relative_difference(predictor.predict_field(field, tiled), whole), 1e-4);
}

TEST(Predictor, AppliesStoredNormalisation) {
  nv::GraphSpec spec = nv::build_preset("segnet-small", {2, 32, 32}, 2, 3);
  nv::Predictor plain(spec);
  spec.metadata.channel_mean = {100.0, -5.0};
  spec.metadata.channel_stddev = {10.0, 2.0};
  nv::Predictor normalising(spec);
  const nv::Tensor standard = random_field({2, 32, 32}, 4);
  nv::Tensor raw = standard;
  for (int64_t i = 0; i < 32 * 32; ++i) {
    raw[i] = 100.0f + 10.0f * standard[i];
    raw[32 * 32 + i] = -5.0f + 2.0f * standard[32 * 32 + i];
  }
  EXPECT_LT(max_relative_difference(normalising.predict_field(raw), plain.predict_field(standard)), 1e-5);
}

TEST(Predictor, RejectsBadFields) {
  nv::Predictor predictor(nv::build_preset("segnet-small", {2, 32, 32}, 2, 3));
  EXPECT_THAT(
      [&] {
        predictor.predict_field(random_field({3, 32, 32}, 1));
      },
      ::testing::ThrowsMessage<std::invalid_argument>(::testing::HasSubstr("takes 2 channels, got 3")));
  nv::Tensor nan_field = random_field({2, 32, 32}, 1);
  nan_field[17] = std::nanf("");
  EXPECT_THAT([&] { predictor.predict_field(nan_field); },
              ::testing::ThrowsMessage<std::invalid_argument>(::testing::HasSubstr("NaN")));
}

// A side that is not a multiple of the downsampling factor behaves as if the
// field were extended at its high end with the channel mean, to the next
// multiple (the amount matters: BatchNorm makes padded pixels non-zero).
TEST(Predictor, PadsOddSidesAtTheHighEndWithTheChannelMean) {
  nv::GraphSpec spec = nv::build_preset("segnet-small", {2, 32, 32}, 2, 3);
  spec.metadata.channel_mean = {3.0, -1.0};
  spec.metadata.channel_stddev = {2.0, 0.5};
  nv::Predictor predictor(spec);
  const int64_t factor = predictor.geometry().downsampling;
  ASSERT_GT(factor, 1);
  const int64_t H = 4 * factor - 1, W = 5 * factor + 1, pH = 4 * factor, pW = 6 * factor;
  const nv::Tensor odd = random_field({2, H, W}, 6);
  nv::Tensor extended({2, pH, pW});
  for (int64_t c = 0; c < 2; ++c)
    for (int64_t y = 0; y < pH; ++y)
      for (int64_t x = 0; x < pW; ++x)
        extended[(c * pH + y) * pW + x] =
            y < H && x < W ? odd[(c * H + y) * W + x] : static_cast<float>(spec.metadata.channel_mean[c]);
  const nv::Tensor expected = nv::crop_field(predictor.predict_field(extended), {0, 0}, {H, W});
  const nv::Tensor whole = predictor.predict_field(odd);
  ASSERT_EQ(whole.shape(), expected.shape());
  EXPECT_LT(max_relative_difference(whole, expected), 1e-5);
  nv::FieldPredictionOptions tiled;
  tiled.tile_size = factor;
  EXPECT_LT(max_relative_difference(predictor.predict_field(odd, tiled), expected), 1e-4);
}

TEST(Predictor, SoftmaxSumsToOne) {
  nv::Tensor logits({3, 2}, std::vector<float>{1, 0, 2, 0, 3, 0});
  nv::Tensor p = nv::softmax_over_first_axis(logits);
  // Column 0: softmax(1,2,3); column 1: uniform.
  const double z = std::exp(1.0) + std::exp(2.0) + std::exp(3.0);
  EXPECT_NEAR(p[0], std::exp(1.0) / z, 1e-6);
  EXPECT_NEAR(p[4], std::exp(3.0) / z, 1e-6);
  EXPECT_NEAR(p[1], 1.0 / 3.0, 1e-6);
}

// A segmentation network with BatchNormalization (running statistics made
// non-trivial) and a Dropout of the given ratio.
nv::GraphSpec network_with_dropout(double ratio) {
  nv::GraphBuilder b({2, 16, 16}, 3);
  std::string x = b.relu(b.batch_norm(b.conv(b.input(), 6, 3, 1, 1)));
  x = b.dropout(x, ratio, false, "drop");
  nv::GraphSpec spec = b.build(b.conv(x, 3, 1));
  for (auto& [name, weight] : spec.weights) {
    if (name.find("mean") != std::string::npos)
      for (int64_t i = 0; i < weight.size(); ++i) weight[i] = 0.3f * static_cast<float>(i % 3) - 0.2f;
    if (name.find("var") != std::string::npos)
      for (int64_t i = 0; i < weight.size(); ++i) weight[i] = 0.5f + 0.25f * static_cast<float>(i % 4);
  }
  return spec;
}

std::vector<float> entropy_of(const nv::Tensor& probability) {
  const int64_t K = probability.dim(0), n = probability.size() / K;
  std::vector<float> h(n, 0.0f);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t k = 0; k < K; ++k) h[i] -= probability[k * n + i] * std::log(probability[k * n + i]);
  return h;
}

// With dropout ratio 0 every pass is the inference function: the mean equals
// the deterministic softmax, which also shows BatchNorm uses its running
// statistics (batch statistics of one field would differ).
TEST(MonteCarloDropout, RatioZeroEqualsTheDeterministicPrediction) {
  nv::Predictor predictor(network_with_dropout(0.0));
  const nv::Tensor field = random_field({2, 15, 17}, 8);
  nv::Tensor entropy;
  const nv::Tensor mean = predictor.predict_field_monte_carlo(field, 3, 1, entropy);
  const nv::Tensor expected = nv::softmax_over_first_axis(predictor.predict_field(field));
  ASSERT_EQ(mean.shape(), expected.shape());
  EXPECT_LT(max_relative_difference(mean, expected), 1e-5);
  const std::vector<float> h = entropy_of(expected);
  ASSERT_EQ(entropy.size(), static_cast<int64_t>(h.size()));
  for (size_t i = 0; i < h.size(); ++i) EXPECT_NEAR(entropy[i], h[i], 1e-5) << i;
}

TEST(MonteCarloDropout, PassesDifferAndTheSeedReproduces) {
  nv::Predictor predictor(network_with_dropout(0.5));
  const nv::Tensor field = random_field({2, 16, 16}, 9);
  nv::Tensor entropy_one, entropy_again, entropy_many;
  const nv::Tensor one = predictor.predict_field_monte_carlo(field, 1, 5, entropy_one);
  const nv::Tensor again = predictor.predict_field_monte_carlo(field, 1, 5, entropy_again);
  const nv::Tensor other = predictor.predict_field_monte_carlo(field, 1, 6, entropy_again);
  EXPECT_EQ(max_relative_difference(one, again), 0.0);
  EXPECT_GT(max_relative_difference(one, other), 1e-2);  // half the features dropped: clearly different
  // The mean of 16 passes is a probability distribution at every point, and
  // its entropy is the stated formula, bounded by log K.
  const nv::Tensor many = predictor.predict_field_monte_carlo(field, 16, 5, entropy_many);
  const int64_t K = many.dim(0), n = many.size() / K;
  for (int64_t i = 0; i < n; ++i) {
    double total = 0;
    for (int64_t k = 0; k < K; ++k) total += many[k * n + i];
    EXPECT_NEAR(total, 1.0, 1e-5);
    EXPECT_LE(entropy_many[i], std::log(static_cast<double>(K)) + 1e-6);
  }
  const std::vector<float> h = entropy_of(many);
  for (int64_t i = 0; i < n; ++i) EXPECT_NEAR(entropy_many[i], h[i], 1e-5);
}

TEST(MonteCarloDropout, RejectsModelsWithoutDropout) {
  nv::Predictor predictor(nv::build_preset("segnet-small", {2, 32, 32}, 2, 3));
  nv::Tensor entropy;
  EXPECT_THAT(
      [&] {
        predictor.predict_field_monte_carlo(random_field({2, 32, 32}, 1), 4, 1, entropy);
      },
      ::testing::ThrowsMessage<std::invalid_argument>(::testing::HasSubstr("needs a model with Dropout")));
}

}  // namespace
