// GraphBuilder: names, shapes, attributes, initialisation, errors.
#include <gtest/gtest.h>

#include <cmath>

#include "graph_test_support.h"
#include "neuralview/graph_builder.h"

namespace nv {
namespace {

using test::error_message;

TEST(GraphBuilder, TracksShapesAndNamesThroughAConvChain) {
  GraphBuilder b({3, 16, 20}, 7);
  const std::string c = b.conv(b.input(), 16, 3, 1, 1);
  EXPECT_EQ(c, "conv1");
  EXPECT_EQ(b.shape(c), (Shape{16, 16, 20}));
  const std::string bn = b.batch_norm(c);
  EXPECT_EQ(bn, "bn1");
  const std::string p = b.max_pool(b.relu(bn), 2);
  EXPECT_EQ(b.shape(p), (Shape{16, 8, 10}));
  const std::string s = b.conv(p, 8, 3, 2, 0, 1, false);  // (8-3)/2+1 = 3, (10-3)/2+1 = 4
  EXPECT_EQ(s, "conv2");
  EXPECT_EQ(b.shape(s), (Shape{8, 3, 4}));
  const std::string f = b.flatten(s);
  EXPECT_EQ(b.shape(f), (Shape{96}));
  const std::string d = b.dense(f, 10, true, "head");
  EXPECT_EQ(b.shape(d), (Shape{10}));
  const GraphSpec spec = b.build(d);
  EXPECT_EQ(spec.output_name, "head");
  EXPECT_EQ(spec.weights.at("conv1.weight").shape(), (Shape{16, 3, 3, 3}));
  EXPECT_EQ(spec.weights.at("conv1.bias").shape(), (Shape{16}));
  EXPECT_FALSE(spec.weights.count("conv2.bias"));
  EXPECT_EQ(spec.weights.at("head.weight").shape(), (Shape{10, 96}));
  EXPECT_EQ(spec.weights.at("bn1.running_var").shape(), (Shape{16}));
  const NodeSpec& conv = spec.nodes[0];
  EXPECT_EQ(conv.op, "Conv");
  EXPECT_EQ(conv.inputs, (std::vector<std::string>{"input", "conv1.weight", "conv1.bias"}));
  EXPECT_EQ(conv.ints_attribute("kernel_shape", {}), (std::vector<int64_t>{3, 3}));
  EXPECT_EQ(conv.ints_attribute("pads", {}), (std::vector<int64_t>{1, 1, 1, 1}));
  EXPECT_EQ(conv.ints_attribute("strides", {}), (std::vector<int64_t>{1, 1}));
  EXPECT_EQ(conv.ints_attribute("dilations", {}), (std::vector<int64_t>{1, 1}));
  EXPECT_EQ(conv.int_attribute("group", 0), 1);
  EXPECT_EQ(spec.nodes.back().op, "Gemm");
  EXPECT_EQ(spec.nodes.back().int_attribute("transB", 0), 1);
  EXPECT_EQ(infer_shapes(spec).at("head"), (Shape{10}));
}

TEST(GraphBuilder, ThreeDimensionalLayersAndDecoderOps) {
  GraphBuilder b({2, 8, 12, 16}, 1);
  std::string x = b.conv(b.input(), 4, 3, 1, 1, 2);  // dilation 2, pad 1: extent - 2
  EXPECT_EQ(b.shape(x), (Shape{4, 6, 10, 14}));
  x = b.avg_pool(x, 2);
  EXPECT_EQ(b.shape(x), (Shape{4, 3, 5, 7}));
  const std::string up = b.conv_transpose(x, 6, 3, 2, 1, 1);  // 2*(n-1) + 3 - 2 + 1 = 2n
  EXPECT_EQ(b.shape(up), (Shape{6, 6, 10, 14}));
  const std::string nn = b.upsample(x, "nearest", 2);
  EXPECT_EQ(b.shape(nn), (Shape{4, 6, 10, 14}));
  const std::string cat = b.concat({up, nn});
  EXPECT_EQ(b.shape(cat), (Shape{10, 6, 10, 14}));
  const std::string g = b.global_avg_pool(cat);
  EXPECT_EQ(b.shape(g), (Shape{10, 1, 1, 1}));
  const GraphSpec spec = b.build(b.softmax(b.leaky_relu(b.dropout(cat, 0.2, true), 0.1)));
  const NodeSpec& resize = spec.nodes[3];
  EXPECT_EQ(resize.op, "Resize");
  EXPECT_EQ(resize.string_attribute("mode", ""), "nearest");
  EXPECT_EQ(resize.int_attribute("nv_scale", 0), 2);
  const NodeSpec& dropout = spec.nodes[6];
  EXPECT_EQ(dropout.op, "Dropout");
  EXPECT_DOUBLE_EQ(dropout.float_attribute("ratio", 0), 0.2);
  EXPECT_EQ(dropout.int_attribute("nv_spatial", 0), 1);
  EXPECT_EQ(spec.weights.at("conv_transpose1.weight").shape(), (Shape{4, 6, 3, 3, 3}));
  EXPECT_EQ(spec.nodes.back().int_attribute("axis", 0), 1);
}

TEST(GraphBuilder, ResidualAddAndSharedShapes) {
  GraphBuilder b({4, 6, 6});
  const std::string a = b.relu(b.conv(b.input(), 4, 3, 1, 1));
  const std::string sum = b.add(a, b.input(), "residual");
  EXPECT_EQ(sum, "residual");
  EXPECT_EQ(b.shape(sum), (Shape{4, 6, 6}));
  EXPECT_NO_THROW(b.build(b.sigmoid(b.tanh(sum))));
}

TEST(GraphBuilder, BatchNormStartsAsIdentity) {
  GraphBuilder b({5, 4, 4});
  const GraphSpec spec = b.build(b.batch_norm(b.input()));
  for (float v : spec.weights.at("bn1.weight").values()) EXPECT_EQ(v, 1.0f);
  for (float v : spec.weights.at("bn1.bias").values()) EXPECT_EQ(v, 0.0f);
  for (float v : spec.weights.at("bn1.running_mean").values()) EXPECT_EQ(v, 0.0f);
  for (float v : spec.weights.at("bn1.running_var").values()) EXPECT_EQ(v, 1.0f);
  EXPECT_DOUBLE_EQ(spec.nodes[0].float_attribute("epsilon", 0), 1e-5);
  EXPECT_DOUBLE_EQ(spec.nodes[0].float_attribute("momentum", 0), 0.9);
  EXPECT_EQ(trainable_parameter_count(spec), 10);
}

TEST(GraphBuilder, SameSeedSameWeightsOtherSeedOtherWeights) {
  auto make = [](uint64_t seed) {
    GraphBuilder b({3, 8, 8}, seed);
    return b.build(b.dense(b.flatten(b.conv(b.input(), 4, 3)), 5));
  };
  const GraphSpec a = make(11), b = make(11), c = make(12);
  for (const auto& [name, tensor] : a.weights) {
    EXPECT_EQ(tensor.values(), b.weights.at(name).values()) << name;
    EXPECT_NE(tensor.values(), c.weights.at(name).values()) << name;
  }
}

// Uniform(-bound, bound): every value inside, the extremes near the bound,
// the variance bound^2/3 (within 5 standard errors for these sample sizes).
void expect_uniform(const Tensor& t, double bound, const std::string& what) {
  double max_abs = 0, sum = 0, sum_sq = 0;
  for (float v : t.values()) {
    max_abs = std::max(max_abs, double(std::abs(v)));
    sum += v;
    sum_sq += double(v) * v;
  }
  const double n = double(t.size());
  EXPECT_LE(max_abs, bound * (1 + 1e-6)) << what;
  EXPECT_GE(max_abs, bound * (1 - 20.0 / n)) << what;
  const double variance = bound * bound / 3;
  EXPECT_NEAR(sum / n, 0.0, 5 * std::sqrt(variance / n)) << what;
  // Var of U^2 is 4 bound^4 / 45.
  EXPECT_NEAR(sum_sq / n, variance, 5 * std::sqrt(4 * std::pow(bound, 4) / 45 / n)) << what;
}

TEST(GraphBuilder, WeightsFollowTheKaimingUniformBoundOfTheirFanIn) {
  // Bounds derived here from the definition; test_graph_presets checks them against torch.nn.init.
  GraphBuilder b({32, 10, 10}, 3);
  const std::string c = b.conv(b.input(), 64, 3);
  const std::string t = b.conv_transpose(c, 16, 2, 2);
  b.dense(b.flatten(t), 50);
  const GraphSpec& spec = b.spec();
  expect_uniform(spec.weights.at("conv1.weight"), 1 / std::sqrt(32.0 * 9), "conv weight");
  expect_uniform(spec.weights.at("conv_transpose1.weight"), 1 / std::sqrt(16.0 * 4), "transposed conv weight");
  expect_uniform(spec.weights.at("dense1.weight"), 1 / std::sqrt(16.0 * 16 * 16), "dense weight");
  for (float v : spec.weights.at("conv1.bias").values()) EXPECT_LE(std::abs(v), 1 / std::sqrt(32.0 * 9));
}

TEST(GraphBuilder, RejectsMistakesWithClearMessages) {
  GraphBuilder b({3, 8, 8});
  const std::string c = b.conv(b.input(), 4, 3, 1, 1, 1, true, "features");
  EXPECT_NE(error_message<std::invalid_argument>([&] { b.relu(c, "features"); }).find("'features' is already used"),
            std::string::npos);
  EXPECT_NE(error_message<std::invalid_argument>([&] { b.relu("nope"); }).find("'nope'"), std::string::npos);
  EXPECT_NE(error_message<std::invalid_argument>([&] { b.dense(c, 3); }).find("flatten"), std::string::npos);
  EXPECT_NE(error_message<std::invalid_argument>([&] { b.conv(c, 4, 11); }).find("does not fit"), std::string::npos);
  const std::string pooled = b.max_pool(c, 2);
  EXPECT_NE(error_message<std::invalid_argument>([&] {
              b.concat({c, pooled});
            }).find("cannot be concatenated"),
            std::string::npos);
  EXPECT_NE(error_message<std::invalid_argument>([&] { b.add(c, pooled); }).find("equal shape"), std::string::npos);
  EXPECT_THROW(b.conv(c, 0, 3), std::invalid_argument);
  EXPECT_THROW(b.dropout(c, 1.0), std::invalid_argument);
  EXPECT_THROW(b.upsample(c, "cubic"), std::invalid_argument);
  EXPECT_THROW(b.build("missing"), std::invalid_argument);
  EXPECT_THROW(b.build(b.input()), std::invalid_argument);
  EXPECT_THROW(GraphBuilder({3, 8}), std::invalid_argument);
  EXPECT_THROW(GraphBuilder({3, 0, 8}), std::invalid_argument);
  // A failed layer leaves the builder usable.
  EXPECT_NO_THROW(b.build(b.relu(c)));
}

TEST(GraphBuilder, AppendAcceptsHandWrittenNodes) {
  GraphBuilder b({2, 4, 4});
  NodeSpec node;
  node.op = "Conv";
  node.inputs = {b.input(), "w"};
  node.attributes["kernel_shape"] = std::vector<int64_t>{1, 1};
  const std::string out = b.append(node, {{"w", Tensor(Shape{3, 2, 1, 1}, 0.5f)}});
  EXPECT_EQ(b.shape(out), (Shape{3, 4, 4}));
  NodeSpec bad;
  bad.op = "Sin";
  bad.inputs = {out};
  EXPECT_NE(error_message<std::invalid_argument>([&] { b.append(bad); }).find("'Sin'"), std::string::npos);
  NodeSpec wrong_weight = node;
  wrong_weight.name = "second";
  wrong_weight.inputs = {out, "w"};  // 2 input channels expected, 3 given
  EXPECT_NE(error_message<std::invalid_argument>([&] { b.append(wrong_weight); }).find("input channels"),
            std::string::npos);
}

TEST(GraphBuilder, InferShapesReportsTheBrokenNode) {
  GraphBuilder b({3, 8, 8});
  GraphSpec spec = b.build(b.conv(b.input(), 4, 3));
  spec.weights.at("conv1.weight") = Tensor(Shape{4, 5, 3, 3});
  EXPECT_NE(error_message<std::invalid_argument>([&] { infer_shapes(spec); }).find("conv1"), std::string::npos);
}

}  // namespace
}  // namespace nv
