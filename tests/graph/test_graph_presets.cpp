// Presets against the same networks built in PyTorch (torch_reference.py),
// and against DESIGN.md's FLOP counts.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "graph_test_support.h"
#include "neuralview/graph_builder.h"
#include "neuralview/presets.h"

namespace nv {
namespace {

using test::error_message;

std::set<std::string> running_statistics(const GraphSpec& spec) {
  std::set<std::string> names;
  for (const NodeSpec& node : spec.nodes)
    if (node.op == "BatchNormalization") names.insert({node.inputs[3], node.inputs[4]});
  return names;
}

TEST(Presets, MatchPyTorchParameterCountsShapesAndOutputs) {
  const auto reference = test::torch_reference().at("presets");
  ASSERT_EQ(reference.size(), preset_names().size());
  for (const std::string& name : preset_names()) {
    SCOPED_TRACE(name);
    const auto& r = reference.at(name);
    const Shape input = r.at("input_shape").get<Shape>();
    const GraphSpec spec = build_preset(name, input, r.at("outputs").get<int64_t>(), 5);
    EXPECT_EQ(trainable_parameter_count(spec), r.at("parameters").get<int64_t>());
    const auto stats = running_statistics(spec);
    int64_t buffers = 0;
    std::vector<Shape> parameter_shapes;
    for (const auto& [weight, tensor] : spec.weights) {
      if (stats.count(weight))
        buffers += tensor.size();
      else
        parameter_shapes.push_back(tensor.shape());
    }
    EXPECT_EQ(buffers, r.at("buffers").get<int64_t>());
    std::sort(parameter_shapes.begin(), parameter_shapes.end());
    EXPECT_EQ(parameter_shapes, r.at("parameter_shapes").get<std::vector<Shape>>());
    EXPECT_EQ(infer_shapes(spec).at(spec.output_name), r.at("output_shape").get<Shape>());
  }
}

TEST(Presets, InitialisationBoundsEqualTorchInit) {
  const nlohmann::json reference = test::torch_reference();
  ASSERT_EQ(reference.at("init").size(), 4u);
  for (const auto& r : reference.at("init")) {
    const std::string kind = r.at("kind");
    SCOPED_TRACE(kind);
    const Shape w = r.at("weight_shape").get<Shape>();
    GraphSpec spec;
    if (kind == "dense") {
      GraphBuilder b({w[1], 1, 1}, 9);
      spec = b.build(b.dense(b.flatten(b.input()), w[0]));
    } else if (kind == "conv_transpose") {  // torch weight (in, out, k, k)
      GraphBuilder b({w[0], 6, 6}, 9);
      spec = b.build(b.conv_transpose(b.input(), w[1], w[2]));
    } else {
      GraphBuilder b(kind == "conv3d" ? Shape{w[1], 6, 6, 6} : Shape{w[1], 6, 6}, 9);
      spec = b.build(b.conv(b.input(), w[0], w[2]));
    }
    const std::string node = spec.nodes.back().name;
    const Tensor& weight = spec.weights.at(node + ".weight");
    const Tensor& bias = spec.weights.at(node + ".bias");
    ASSERT_EQ(weight.shape(), w);
    const double weight_bound = r.at("weight_bound"), bias_bound = r.at("bias_bound");
    double max_w = 0, max_b = 0;
    for (float v : weight.values()) max_w = std::max(max_w, double(std::abs(v)));
    for (float v : bias.values()) max_b = std::max(max_b, double(std::abs(v)));
    // The maximum of n uniform samples falls short of the bound by about bound/n.
    EXPECT_LE(max_w, weight_bound * (1 + 1e-6));
    EXPECT_GE(max_w, weight_bound * (1 - 20.0 / double(weight.size())));
    EXPECT_LE(max_b, bias_bound * (1 + 1e-6));
    EXPECT_GE(max_b, bias_bound * (1 - 8.0 / double(bias.size())));
  }
}

TEST(Presets, ReferenceNetworksHaveTheFlopCountsOfTheDesign) {
  // DESIGN.md: 11.17, 2.38 and 0.249 GFLOP forward per sample (3 significant digits).
  EXPECT_NEAR(test::forward_flops_per_sample(build_preset("climseg", {16, 192, 288}, 3, 0)) / 1e9, 11.17, 0.005);
  EXPECT_NEAR(test::forward_flops_per_sample(build_preset("cosmoflow", {4, 64, 64, 64}, 4, 0)) / 1e9, 2.38, 0.005);
  EXPECT_NEAR(test::forward_flops_per_sample(build_preset("hepcnn", {3, 64, 64}, 2, 0)) / 1e9, 0.249, 0.0005);
}

TEST(Presets, FillMetadataAndEndAsDescribed) {
  struct Case {
    std::string name, task;
    Shape input;
    int64_t outputs;
  };
  const std::vector<Case> cases = {
      {"climseg", "segmentation", {16, 8, 8}, 3},           {"cosmoflow", "regression", {4, 16, 16, 16}, 4},
      {"hepcnn", "classification", {3, 16, 16}, 2},         {"autoencoder2d", "autoencoder", {5, 8, 8}, 1},
      {"autoencoder3d", "autoencoder", {2, 4, 4, 4}, 1},    {"segnet-small", "segmentation", {4, 4, 6}, 3},
      {"classifier-small", "classification", {3, 4, 4}, 5}, {"regressor-small", "regression", {2, 4, 4, 4}, 3}};
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const GraphSpec spec = build_preset(c.name, c.input, c.outputs, 1);
    EXPECT_EQ(spec.metadata.task, c.task);
    EXPECT_EQ(spec.metadata.extra.at("architecture"), c.name);
    EXPECT_EQ(spec.name, c.name);
    const Shape out = infer_shapes(spec).at(spec.output_name);
    if (c.task == "autoencoder") {
      EXPECT_EQ(out, c.input);  // reconstructs the input, whatever `outputs` says
      EXPECT_TRUE(infer_shapes(spec).count(spec.metadata.extra.at("embedding_tensor")));
    } else if (c.task == "segmentation") {
      EXPECT_EQ(out, (Shape{c.outputs, c.input[1], c.input[2]}));
      EXPECT_EQ(spec.nodes.back().op, "Conv");  // logits, no softmax
    } else {
      EXPECT_EQ(out, (Shape{c.outputs}));
    }
  }
  EXPECT_EQ(build_preset("cosmoflow", {4, 16, 16, 16}, 4, 0).nodes.back().op, "Tanh");
  EXPECT_EQ(build_preset("cosmoflow", {4, 16, 16, 16}, 4, 0).metadata.target_names.size(), 4u);
  EXPECT_EQ(build_preset("climseg", {16, 8, 8}, 3, 0).metadata.class_names.size(), 3u);
  EXPECT_EQ(build_preset("hepcnn", {3, 8, 8}, 2, 0).nodes.back().op, "Gemm");
}

TEST(Presets, ClimsegConcatenatesUpsampledBeforeSkip) {
  const GraphSpec spec = build_preset("climseg", {16, 8, 8}, 3, 0);
  int concats = 0;
  for (size_t i = 0; i < spec.nodes.size(); ++i) {
    if (spec.nodes[i].op != "Concat") continue;
    ++concats;
    const std::string& first = spec.nodes[i].inputs[0];
    const auto producer =
        std::find_if(spec.nodes.begin(), spec.nodes.end(), [&](const NodeSpec& n) { return n.outputs[0] == first; });
    ASSERT_NE(producer, spec.nodes.end());
    EXPECT_EQ(producer->op, "ConvTranspose");
  }
  EXPECT_EQ(concats, 2);
}

TEST(Presets, RejectUnknownNamesAndBadShapes) {
  const std::string unknown = error_message<std::invalid_argument>([] { build_preset("resnet", {3, 8, 8}, 2, 0); });
  EXPECT_NE(unknown.find("'resnet'"), std::string::npos);
  for (const std::string& name : preset_names()) EXPECT_NE(unknown.find(name), std::string::npos) << name;

  EXPECT_NE(error_message<std::invalid_argument>([] {
              build_preset("climseg", {16, 190, 288}, 3, 0);
            }).find("multiple of 4"),
            std::string::npos);
  EXPECT_NE(error_message<std::invalid_argument>([] {
              build_preset("cosmoflow", {4, 64, 64}, 4, 0);
            }).find("(C,D,H,W)"),
            std::string::npos);
  EXPECT_NE(error_message<std::invalid_argument>([] {
              build_preset("hepcnn", {3, 64, 64, 64}, 2, 0);
            }).find("(C,H,W)"),
            std::string::npos);
  EXPECT_NE(error_message<std::invalid_argument>([] {
              build_preset("hepcnn", {3, 64, 64}, 0, 0);
            }).find("output"),
            std::string::npos);
  EXPECT_THROW(build_preset("cosmoflow", {4, 24, 32, 32}, 4, 0), std::invalid_argument);
  EXPECT_THROW(build_preset("autoencoder3d", {2, 8, 8}, 0, 0), std::invalid_argument);
  EXPECT_THROW(build_preset("segnet-small", {2, 7, 8}, 2, 0), std::invalid_argument);
  EXPECT_THROW(build_preset("classifier-small", {2, 0, 8}, 2, 0), std::invalid_argument);
}

}  // namespace
}  // namespace nv
