// Saliency, integrated gradients and Grad-CAM against PyTorch autograd on a
// small CNN with BatchNormalization and Dropout (eval-mode semantics).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

#include "neuralview/attribution.h"
#include "repr_test_support.h"

namespace nv {
namespace {

#define REQUIRE_ORACLE() \
  if (!test::oracle_available()) GTEST_SKIP() << "no oracle interpreter (python3 with torch)"

NodeSpec node(std::string name, std::string op, std::vector<std::string> inputs, std::string output,
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

// The network of repr_oracle.py's attribution case; weights from `dir`, or
// seeded random ones when dir is empty.
GraphSpec small_cnn(const std::string& dir) {
  GraphSpec spec;
  spec.name = "small_cnn";
  spec.input_shape = {3, 8, 8};
  spec.nodes = {
      node("conv1", "Conv", {"input", "conv1_w", "conv1_b"}, "c1", conv3x3()),
      node("bn", "BatchNormalization", {"c1", "bn_scale", "bn_bias", "bn_mean", "bn_var"}, "b1",
           {{"epsilon", 1e-5}, {"momentum", 0.9}}),
      node("relu1", "Relu", {"b1"}, "r1"),
      node("drop", "Dropout", {"r1"}, "d1", {{"ratio", 0.5}}),
      node("conv2", "Conv", {"d1", "conv2_w", "conv2_b"}, "c2", conv3x3()),
      node("relu2", "Relu", {"c2"}, "features"),
      node("gap", "GlobalAveragePool", {"features"}, "g"),
      node("flat", "Flatten", {"g"}, "f", {{"axis", int64_t{1}}}),
      node("fc", "Gemm", {"f", "fc_w", "fc_b"}, "output", {{"transB", int64_t{1}}}),
  };
  const std::map<std::string, Shape> shapes{
      {"conv1_w", {4, 3, 3, 3}}, {"conv1_b", {4}},          {"bn_scale", {4}}, {"bn_bias", {4}}, {"bn_mean", {4}},
      {"bn_var", {4}},           {"conv2_w", {5, 4, 3, 3}}, {"conv2_b", {5}},  {"fc_w", {3, 5}}, {"fc_b", {3}}};
  uint32_t state = 12345;
  for (const auto& [name, shape] : shapes) {
    if (!dir.empty()) {
      spec.weights[name] = Tensor(shape, test::read_f32(dir + "/" + name + ".f32"));
      continue;
    }
    Tensor t(shape);
    for (float& v : t.values()) {
      state = state * 1664525u + 1013904223u;
      v = static_cast<float>(state >> 8) / 16777216.0f - 0.5f;
    }
    if (name == "bn_var")
      for (float& v : t.values()) v += 1.0f;
    spec.weights[name] = t;
  }
  return spec;
}

double max_abs(const std::vector<float>& v) {
  double m = 0.0;
  for (float x : v) m = std::max(m, static_cast<double>(std::abs(x)));
  return m;
}

TEST(Attribution, SaliencyAndGradCamMatchTorchAutograd) {
  REQUIRE_ORACLE();
  const std::string dir = test::oracle_case("attribution");
  const int64_t target = test::read_meta(dir)["target"];
  // Engine batch 2 for 3 samples: exercises the chunking with a padded batch.
  AttributionModel model(small_cnn(dir), 2);
  const Tensor input({3, 3, 8, 8}, test::read_f32(dir + "/input.f32"));
  const std::vector<float> logits = test::read_f32(dir + "/logits.f32");
  const std::vector<double> scores = model.score(input, {target, {}});
  for (int n = 0; n < 3; ++n)
    EXPECT_NEAR(scores[n], logits[n * 3 + target], 1e-5 * (1.0 + std::abs(logits[n * 3 + target])));

  const std::vector<float> expected = test::read_f32(dir + "/gradient.f32");
  const Tensor gradient = model.gradient(input, {target, {}});
  const Tensor saliency = model.saliency(input, {target, {}});
  const double scale = max_abs(expected);
  ASSERT_GT(scale, 0.0);
  for (size_t e = 0; e < expected.size(); ++e) {
    ASSERT_NEAR(gradient[e], expected[e], 1e-5 * scale) << "element " << e;
    ASSERT_NEAR(saliency[e], std::abs(expected[e]), 1e-5 * scale) << "element " << e;
  }
  const std::vector<float> cam_expected = test::read_f32(dir + "/cam.f32");
  const Tensor cam = model.grad_cam(input, "features", {target, {}});
  ASSERT_EQ(cam.shape(), (Shape{3, 1, 8, 8}));
  const double cam_scale = std::max(max_abs(cam_expected), 1e-6);
  for (size_t e = 0; e < cam_expected.size(); ++e) ASSERT_NEAR(cam[e], cam_expected[e], 1e-5 * cam_scale) << e;

  const Tensor reduced = reduce_channels_max_abs(gradient);
  ASSERT_EQ(reduced.shape(), (Shape{3, 1, 8, 8}));
  EXPECT_FLOAT_EQ(reduced[0], std::max({std::abs(gradient[0]), std::abs(gradient[64]), std::abs(gradient[128])}));
}

TEST(Attribution, IntegratedGradientsAreComplete) {
  AttributionModel model(small_cnn(""), 4);
  Tensor input({4, 3, 8, 8});
  uint32_t state = 7;
  for (float& v : input.values()) {
    state = state * 1664525u + 1013904223u;
    v = static_cast<float>(state >> 8) / 8388608.0f - 1.0f;
  }
  const Tensor baseline(input.shape(), 0.1f);
  for (int64_t channel = 0; channel < 3; ++channel) {
    const AttributionTarget target{channel, {}};
    const std::vector<double> at_input = model.score(input, target), at_baseline = model.score(baseline, target);
    const Tensor attributions = model.integrated_gradients(input, baseline, target, 64);
    for (int n = 0; n < 4; ++n) {
      const double total = std::accumulate(attributions.data() + n * 192, attributions.data() + (n + 1) * 192, 0.0);
      const double difference = at_input[n] - at_baseline[n];
      // Midpoint quadrature of a piecewise-smooth (ReLU) path integral with 64
      // steps: a few percent of the change at most, usually far less.
      EXPECT_NEAR(total, difference, 0.03 * std::abs(difference) + 1e-4) << "channel " << channel << " sample " << n;
    }
  }
}

TEST(Attribution, FrozenSpecAndClearErrors) {
  const GraphSpec spec = small_cnn("");
  const GraphSpec frozen = freeze_for_attribution(spec);
  for (const NodeSpec& n : frozen.nodes) {
    EXPECT_NE(n.op, "Dropout");
    EXPECT_NE(n.op, "BatchNormalization");
  }
  AttributionModel model(spec, 2);
  const Tensor input({2, 3, 8, 8}, 0.5f);
  EXPECT_THROW(model.saliency(Tensor({2, 3, 8, 7}), {0, {}}), std::invalid_argument);
  EXPECT_THROW(model.saliency(input, {3, {}}), std::invalid_argument);            // only 3 classes
  EXPECT_THROW(model.saliency(input, {0, {1.0f, 2.0f}}), std::invalid_argument);  // region size
  EXPECT_THROW(model.grad_cam(input, "no_such_tensor", {0, {}}), std::invalid_argument);
  EXPECT_THROW(model.grad_cam(input, "f", {0, {}}), std::invalid_argument);  // no spatial axes
  EXPECT_THROW(model.integrated_gradients(input, Tensor({1, 3, 8, 8}), {0, {}}, 8), std::invalid_argument);
  EXPECT_THROW(model.integrated_gradients(input, Tensor(), {0, {}}, 0), std::invalid_argument);
  Tensor bad = input;
  bad[3] = std::nanf("");
  EXPECT_THROW(model.gradient(bad, {0, {}}), std::invalid_argument);

  // A skip connection around the chosen layer: Grad-CAM there is refused.
  GraphSpec skip = spec;
  skip.nodes.insert(skip.nodes.begin() + 6, node("skip", "Add", {"features", "r1"}, "sum"));
  skip.nodes[7].inputs[0] = "sum";  // gap reads the sum
  // conv2 has 5 output channels, r1 has 4: make conv2 produce 4.
  skip.weights["conv2_w"] = Tensor({4, 4, 3, 3}, 0.1f);
  skip.weights["conv2_b"] = Tensor({4}, 0.0f);
  skip.weights["fc_w"] = Tensor({3, 4}, 0.2f);
  AttributionModel with_skip(skip, 2);
  EXPECT_THROW(with_skip.grad_cam(input, "c2", {0, {}}), std::invalid_argument);
  EXPECT_EQ(with_skip.grad_cam(input, "sum", {0, {}}).shape(), (Shape{2, 1, 8, 8}));
}

}  // namespace
}  // namespace nv
