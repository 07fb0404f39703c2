// Grad-CAM at any layer (AttributionModel::grad_cam_any_layer): equal to the
// sub-graph Grad-CAM where that applies, and right across a skip connection,
// where the channel weights have a closed form.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "neuralview/attribution.h"

namespace nv {
namespace {

NodeSpec make_node(std::string name, std::string op, std::vector<std::string> inputs, std::string output,
                   std::map<std::string, AttributeValue> attributes = {}) {
  NodeSpec n;
  n.name = std::move(name);
  n.op = std::move(op);
  n.inputs = std::move(inputs);
  n.outputs = {std::move(output)};
  n.attributes = std::move(attributes);
  return n;
}

std::map<std::string, AttributeValue> conv3x3() {
  return {{"kernel_shape", std::vector<int64_t>{3, 3}},
          {"pads", std::vector<int64_t>{1, 1, 1, 1}},
          {"strides", std::vector<int64_t>{1, 1}}};
}

Tensor seeded(const Shape& shape, uint32_t seed, float offset = 0.0f) {
  Tensor t(shape);
  for (float& v : t.values()) {
    seed = seed * 1664525u + 1013904223u;
    v = static_cast<float>(seed >> 8) / 16777216.0f - 0.5f + offset;
  }
  return t;
}

// conv(3->4) -> BN -> relu "r1" -> conv(4->4) "c2" -> relu "features" [+ r1: skip] -> GAP -> dense(3).
GraphSpec network(bool skip) {
  GraphSpec spec;
  spec.name = skip ? "with_skip" : "chain";
  spec.input_shape = {3, 8, 8};
  spec.nodes = {
      make_node("conv1", "Conv", {"input", "conv1_w", "conv1_b"}, "c1", conv3x3()),
      make_node("bn", "BatchNormalization", {"c1", "bn_scale", "bn_bias", "bn_mean", "bn_var"}, "b1",
                {{"epsilon", 1e-5}, {"momentum", 0.9}}),
      make_node("relu1", "Relu", {"b1"}, "r1"),
      make_node("conv2", "Conv", {"r1", "conv2_w", "conv2_b"}, "c2", conv3x3()),
      make_node("relu2", "Relu", {"c2"}, "features"),
  };
  std::string pooled = "features";
  if (skip) {
    spec.nodes.push_back(make_node("skip", "Add", {"features", "r1"}, "sum"));
    pooled = "sum";
  }
  spec.nodes.push_back(make_node("gap", "GlobalAveragePool", {pooled}, "g"));
  spec.nodes.push_back(make_node("flat", "Flatten", {"g"}, "f", {{"axis", int64_t{1}}}));
  spec.nodes.push_back(make_node("fc", "Gemm", {"f", "fc_w", "fc_b"}, "output", {{"transB", int64_t{1}}}));
  spec.weights = {{"conv1_w", seeded({4, 3, 3, 3}, 1)}, {"conv1_b", seeded({4}, 2)},
                  {"bn_scale", seeded({4}, 3, 1.0f)},   {"bn_bias", seeded({4}, 4)},
                  {"bn_mean", seeded({4}, 5)},          {"bn_var", seeded({4}, 6, 1.0f)},
                  {"conv2_w", seeded({4, 4, 3, 3}, 7)}, {"conv2_b", seeded({4}, 8, 0.2f)},
                  {"fc_w", seeded({3, 4}, 9)},          {"fc_b", seeded({3}, 10)}};
  return spec;
}

double max_abs(const Tensor& t) {
  double m = 0.0;
  for (float v : t.values()) m = std::max(m, static_cast<double>(std::abs(v)));
  return m;
}

TEST(AttributionAnyLayer, EqualsSubGraphGradCamWithoutSkips) {
  AttributionModel model(network(false), 2);
  const Tensor input = seeded({3, 3, 8, 8}, 42, 0.3f);  // 3 samples: one chunk of 2 and one of 1
  for (const std::string layer : {"features", "r1", "c2"}) {
    for (int64_t channel = 0; channel < 3; ++channel) {
      const Tensor expected = model.grad_cam(input, layer, {channel, {}});
      const Tensor actual = model.grad_cam_any_layer(input, layer, {channel, {}});
      ASSERT_EQ(actual.shape(), expected.shape());
      // Same float32 arithmetic in another order: 1e-5 of the map's scale.
      const double tolerance = 1e-5 * std::max(max_abs(expected), 1e-6);
      for (int64_t i = 0; i < expected.size(); ++i)
        ASSERT_NEAR(actual[i], expected[i], tolerance) << layer << " channel " << channel << " at " << i;
    }
  }
}

TEST(AttributionAnyLayer, AcrossASkipConnection) {
  // score = fc_w[k] . mean_p(relu(c2) + r1) + b, so d score / d c2_c(p) =
  // fc_w[k][c] / P where c2_c(p) > 0, and alpha_c = fc_w[k][c] / P times
  // the share of positive positions of channel c.
  const GraphSpec spec = network(true);
  AttributionModel model(spec, 2);
  Network reference(freeze_for_attribution(spec), 2);
  const Tensor input = seeded({2, 3, 8, 8}, 77, 0.3f);
  EXPECT_THROW(model.grad_cam(input, "c2", {1, {}}), std::invalid_argument);  // the sub-graph path refuses
  reference.forward(input);
  const Tensor c2 = reference.activation("c2");
  const Tensor& fc_w = spec.weights.at("fc_w");
  const int64_t channels = 4, positions = 64;
  bool any_positive = false;
  for (int64_t k = 0; k < 3; ++k) {
    const Tensor cam = model.grad_cam_any_layer(input, "c2", {k, {}});
    ASSERT_EQ(cam.shape(), (Shape{2, 1, 8, 8}));
    double scale = 0.0;
    std::vector<double> expected(2 * positions, 0.0);
    for (int64_t n = 0; n < 2; ++n) {
      for (int64_t c = 0; c < channels; ++c) {
        const float* a = c2.data() + (n * channels + c) * positions;
        const double positive = static_cast<double>(std::count_if(a, a + positions, [](float v) { return v > 0; }));
        // The mean over positions of fc_w[k][c] / P on the positive ones.
        const double alpha = fc_w[k * channels + c] * positive / positions / positions;
        for (int64_t p = 0; p < positions; ++p) expected[n * positions + p] += alpha * a[p];
      }
      for (int64_t p = 0; p < positions; ++p) {
        expected[n * positions + p] = std::max(0.0, expected[n * positions + p]);
        scale = std::max(scale, expected[n * positions + p]);
      }
    }
    any_positive = any_positive || scale > 0.0;
    for (int64_t i = 0; i < 2 * positions; ++i)
      // The engine sums float32 gradients of size 1/P over P positions (rounding
      // ~1e-6 relative each); 1e-4 of the map's scale bounds that.
      ASSERT_NEAR(cam[i], expected[i], 1e-4 * std::max(scale, 1e-6)) << "class " << k;
  }
  EXPECT_TRUE(any_positive) << "all maps are zero: the test would be vacuous";
  EXPECT_THROW(model.grad_cam_any_layer(input, "no_such_tensor", {0, {}}), std::invalid_argument);
  EXPECT_THROW(model.grad_cam_any_layer(input, "f", {0, {}}), std::invalid_argument);  // no spatial axes
}

}  // namespace
}  // namespace nv
