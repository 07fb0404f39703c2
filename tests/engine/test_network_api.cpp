// The Network's contract beyond the numerics: parameter edits are picked up,
// dropout masks are reproducible and shaped as documented, activations and
// shapes are reported for every tensor, export_spec round-trips.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "engine_test_graphs.h"
#include "neuralview/network.h"

namespace nv::test {
namespace {

GraphSpec block_net() {
  GraphMaker g("blocks", {3, 8, 8}, 21);
  std::string a = g.unary("Relu", g.batchnorm(g.conv(g.input(), 8, 3, 1, 1)));  // fused at inference
  std::string b = g.pool("MaxPool", a, 2, 2);
  return g.finish(g.gemm(g.flatten(b), 3));
}

TEST(NetworkApi, ShapesNamesAndFlops) {
  Network net(block_net(), 2);
  EXPECT_EQ(net.input_shape(), (Shape{2, 3, 8, 8}));
  EXPECT_EQ(net.output_shape(), (Shape{2, 3}));
  const std::vector<std::string> names = net.tensor_names();
  ASSERT_EQ(names.size(), 6u);
  EXPECT_EQ(net.tensor_shape(names[0]), (Shape{2, 8, 8, 8}));
  EXPECT_EQ(net.tensor_shape(names[4]), (Shape{2, 128}));
  // conv: 2 * 8*8 positions * 3*3*3 * 8 ; dense: 2 * 128 * 3
  EXPECT_DOUBLE_EQ(net.forward_flops_per_sample(), 2.0 * 64 * 27 * 8 + 2.0 * 128 * 3);
}

TEST(NetworkApi, ActivationsIncludingFusedOnesMatchAnUnfusedComputation) {
  // At inference Conv+BN+ReLU run as one primitive; asking for the conv or
  // batch-norm output recomputes them. Check them against their definitions.
  const GraphSpec spec = block_net();
  Network net(spec, 2);
  const Tensor input = random_tensor(net.input_shape(), 4);
  net.forward(input);
  const std::vector<std::string> names = net.tensor_names();
  const Tensor conv = net.activation(names[0]);
  const Tensor bn = net.activation(names[1]);
  const Tensor relu = net.activation(names[2]);
  const Tensor pooled = net.activation(names[3]);
  const Tensor flat = net.activation(names[4]);
  const NodeSpec& bn_node = spec.nodes[1];
  const Tensor& scale = spec.weights.at(bn_node.inputs[1]);
  const Tensor& shift = spec.weights.at(bn_node.inputs[2]);
  const Tensor& mean = spec.weights.at(bn_node.inputs[3]);
  const Tensor& var = spec.weights.at(bn_node.inputs[4]);
  for (int64_t i = 0; i < conv.size(); ++i) {
    const int64_t c = (i / 64) % 8;
    const double expected = (conv[i] - mean[c]) / std::sqrt(var[c] + 1e-5) * scale[c] + shift[c];
    ASSERT_NEAR(bn[i], expected, 1e-5) << i;
    ASSERT_NEAR(relu[i], std::max(bn[i], 0.0f), 1e-5) << i;  // fused (folded) vs unfused rounding
  }
  EXPECT_EQ(flat.shape(), (Shape{2, 128}));
  EXPECT_EQ(flat.values(), pooled.values());  // flatten keeps NCHW order
  EXPECT_EQ(net.activation(spec.input_name).values(), input.values());
}

TEST(NetworkApi, EditedParametersArePickedUpOnTheNextForward) {
  Network net(block_net(), 2);
  const Tensor input = random_tensor(net.input_shape(), 5);
  const Tensor before = net.forward(input);
  std::vector<Parameter> parameters = net.parameters();
  for (const Parameter& p : parameters)
    for (float& v : p.value->values()) v *= 1.5f;
  const Tensor after = net.forward(input);
  EXPECT_GT(max_abs_difference(before, after), 1e-3);
  Network fresh(net.export_spec(), 2);
  EXPECT_LE(max_abs_difference(after, fresh.forward(input)), 1e-6);

  // The usual training loop: parameters() once, then forward/backward/step.
  const Tensor r = random_tensor(net.output_shape(), 6);
  net.forward(input, Mode::training);
  net.backward(r);
  for (const Parameter& p : parameters)
    for (int64_t i = 0; i < p.value->size(); ++i) (*p.value)[i] -= 0.1f * (*p.gradient)[i];
  const Tensor stepped = net.forward(input, Mode::training);
  Network reference(net.export_spec(), 2);
  EXPECT_LE(max_abs_difference(stepped, reference.forward(input, Mode::training)), 1e-6);
}

TEST(NetworkApi, RunningStatisticsMoveOnlyInTraining) {
  Network net(block_net(), 4);
  const Tensor input = random_tensor(net.input_shape(), 7);
  auto buffers = net.buffers();
  ASSERT_EQ(buffers.size(), 2u);
  const Tensor mean_before = *buffers[0].second;
  net.forward(input);
  EXPECT_EQ(buffers[0].second->values(), mean_before.values());
  const Tensor inference_before = net.forward(input);
  net.forward(input, Mode::training);
  EXPECT_GT(max_abs_difference(*buffers[0].second, mean_before), 1e-4);
  // Inference sees the new statistics.
  EXPECT_GT(max_abs_difference(net.forward(input), inference_before), 1e-5);
}

GraphSpec dropout_net(bool spatial) {
  GraphMaker g("dropout", {6, 5, 5}, 1);
  return g.finish(g.dropout(g.input(), 0.4, spatial));
}

TEST(NetworkApi, DropoutIsInvertedSeededAndIdentityAtInference) {
  NetworkOptions options;
  options.seed = 99;
  Network net(dropout_net(false), 8, options);
  const Tensor input(net.input_shape(), 1.0f);
  EXPECT_EQ(net.forward(input).values(), input.values());
  const Tensor first = net.forward(input, Mode::training);
  const Tensor second = net.forward(input, Mode::training);
  int64_t kept = 0;
  for (float v : first.values()) {
    ASSERT_TRUE(v == 0.0f || std::abs(v - 1.0f / 0.6f) < 1e-6) << v;
    kept += v != 0.0f;
  }
  // 1200 Bernoulli(0.6) draws: mean 720, standard deviation 17.
  EXPECT_NEAR(static_cast<double>(kept), 720.0, 5 * 17.0);
  EXPECT_NE(first.values(), second.values());  // a new mask per call
  net.set_seed(99);
  EXPECT_EQ(net.forward(input, Mode::training).values(), first.values());
  Network same_seed(dropout_net(false), 8, options);
  EXPECT_EQ(same_seed.forward(input, Mode::training).values(), first.values());
}

TEST(NetworkApi, SpatialDropoutDropsWholeChannels) {
  Network net(dropout_net(true), 8, NetworkOptions{Precision::f32, 3});
  const Tensor out = net.forward(Tensor(net.input_shape(), 1.0f), Mode::training);
  int64_t dropped_channels = 0;
  for (int64_t nc = 0; nc < 8 * 6; ++nc) {
    const float first = out[nc * 25];
    for (int64_t k = 1; k < 25; ++k) ASSERT_EQ(out[nc * 25 + k], first) << "channel " << nc;
    dropped_channels += first == 0.0f;
  }
  EXPECT_GT(dropped_channels, 0);
  EXPECT_LT(dropped_channels, 48);
}

TEST(NetworkApi, MovedNetworkKeepsWorking) {
  Network a(block_net(), 2);
  const Tensor input = random_tensor(a.input_shape(), 8);
  const Tensor expected = a.forward(input);
  Network b = std::move(a);
  EXPECT_EQ(b.forward(input).values(), expected.values());
}

}  // namespace
}  // namespace nv::test
