// ONNX files exported by PyTorch 1.13 (torch_reference.py, opsets 11, 13, 17)
// load into specs whose weights are torch's state_dict and whose structure
// is the preset's.
#include <gtest/gtest.h>

#include <cstring>

#include "graph_test_support.h"
#include "neuralview/graph_builder.h"
#include "neuralview/onnx_io.h"
#include "neuralview/presets.h"

namespace nv {
namespace {

using test::error_message;

std::vector<std::string> ops_without_dropout(const GraphSpec& spec) {
  std::vector<std::string> ops;
  for (const NodeSpec& node : spec.nodes)
    if (node.op != "Dropout") ops.push_back(node.op);
  return ops;
}

const NodeSpec& first_node(const GraphSpec& spec, const std::string& op) {
  for (const NodeSpec& node : spec.nodes)
    if (node.op == op) return node;
  throw std::runtime_error("no " + op + " node");
}

void expect_attribute(const NodeSpec& node, const std::string& key, const nlohmann::json& expected) {
  SCOPED_TRACE(node.name + "." + key);
  ASSERT_TRUE(node.attributes.count(key));
  if (expected.is_string())
    EXPECT_EQ(node.string_attribute(key, ""), expected.get<std::string>());
  else if (expected.is_array())
    EXPECT_EQ(node.ints_attribute(key, {}), expected.get<std::vector<int64_t>>());
  else if (expected.is_number_integer())
    EXPECT_EQ(node.int_attribute(key, -1), expected.get<int64_t>());
  else  // float attributes pass through float32 in the file
    EXPECT_NEAR(node.float_attribute(key, -1), expected.get<double>(), 1e-7);
}

class TorchExport : public ::testing::TestWithParam<std::string> {};

TEST(TorchExports, AllFixturesArePresent) { EXPECT_GE(test::torch_reference().at("exports").size(), 50u); }

TEST(TorchExports, LoadWithTorchWeightsAndPresetStructure) {
  const nlohmann::json reference = test::torch_reference();
  int loaded = 0, rejected = 0;
  for (const auto& entry : reference.at("exports")) {
    const std::string name = entry.at("name");
    SCOPED_TRACE(name);
    const std::string path = (test::torch_dir() / entry.at("file").get<std::string>()).string();
    if (entry.contains("expect_error")) {
      const std::string message = error_message<std::invalid_argument>([&] { load_onnx(path); });
      EXPECT_NE(message.find(entry.at("expect_error").get<std::string>()), std::string::npos) << message;
      ++rejected;
      continue;
    }
    GraphSpec spec;
    ASSERT_NO_THROW(spec = load_onnx(path));
    EXPECT_NO_THROW(spec.validate());
    ++loaded;

    // Input and output shapes are torch's.
    const auto input = test::read_blob(entry.at("input")).at(0).second;
    const auto output = test::read_blob(entry.at("output")).at(0).second;
    EXPECT_EQ(spec.input_shape, Shape(input.shape().begin() + 1, input.shape().end()));
    EXPECT_EQ(infer_shapes(spec).at(spec.output_name), Shape(output.shape().begin() + 1, output.shape().end()));

    // Weights are the state_dict, bit for bit, under the state_dict names.
    const auto weights = test::read_blob(entry.at("weights"));
    if (!weights.empty()) EXPECT_EQ(spec.weights.size(), weights.size());
    for (const auto& [weight_name, expected] : weights) {
      SCOPED_TRACE(weight_name);
      ASSERT_TRUE(spec.weights.count(weight_name));
      const Tensor& actual = spec.weights.at(weight_name);
      ASSERT_EQ(actual.shape(), expected.shape());
      EXPECT_EQ(0, std::memcmp(actual.data(), expected.data(), size_t(actual.size()) * sizeof(float)));
    }

    if (entry.contains("preset")) {
      const Shape per_sample = spec.input_shape;
      const GraphSpec preset =
          build_preset(entry.at("preset"), per_sample, std::max<int64_t>(1, entry.at("outputs").get<int64_t>()), 0);
      // PyTorch drops Dropout from inference exports; everything else is the same sequence.
      EXPECT_EQ(ops_without_dropout(spec), ops_without_dropout(preset));
      EXPECT_EQ(trainable_parameter_count(spec), trainable_parameter_count(preset));
      for (size_t i = 0, j = 0; i < spec.nodes.size() && j < preset.nodes.size(); ++i, ++j) {
        while (j < preset.nodes.size() && preset.nodes[j].op == "Dropout") ++j;
        if (j == preset.nodes.size()) break;
        const NodeSpec& a = spec.nodes[i];
        const NodeSpec& b = preset.nodes[j];
        for (const char* key : {"kernel_shape", "strides", "pads", "dilations", "output_padding"})
          if (b.attributes.count(key)) EXPECT_EQ(a.ints_attribute(key, {}), b.ints_attribute(key, {})) << a.name << key;
        if (b.op == "LeakyRelu") EXPECT_NEAR(a.float_attribute("alpha", 0), b.float_attribute("alpha", 1), 1e-7);
      }
      EXPECT_EQ(spec.metadata.task, "");  // torch writes no NeuralView metadata
    }
    if (entry.contains("expect_ops"))
      EXPECT_EQ(test::ops_of(spec), entry.at("expect_ops").get<std::vector<std::string>>());
    if (entry.contains("expect_attributes"))
      for (const auto& [op, attributes] : entry.at("expect_attributes").items())
        for (const auto& [key, value] : attributes.items()) expect_attribute(first_node(spec, op), key, value);
  }
  EXPECT_EQ(loaded + rejected, int(reference.at("exports").size()));
  EXPECT_EQ(rejected, 10);  // Sin and ceil-mode pooling at three opsets, four handmade files
}

TEST(TorchExports, MatMulWithBiasBecomesGemmWithTransposedWeight) {
  const GraphSpec spec = load_onnx((test::torch_dir() / "matmul_linear_opset13.onnx").string());
  const NodeSpec& gemm = first_node(spec, "Gemm");
  EXPECT_EQ(gemm.int_attribute("transB", 0), 1);
  ASSERT_EQ(gemm.inputs.size(), 3u);
  EXPECT_EQ(spec.output_name, gemm.outputs[0]);
}

TEST(TorchExports, LoadedTorchModelsSaveAndReloadIdentically) {
  for (const char* file : {"climseg_opset11.onnx", "hepcnn_opset13.onnx", "upsample_bilinear_opset17.onnx",
                           "softmax_channels_opset11.onnx", "dropout_training_opset13.onnx"}) {
    SCOPED_TRACE(file);
    const GraphSpec spec = load_onnx((test::torch_dir() / file).string());
    const GraphSpec again = load_onnx_from_bytes(save_onnx_to_bytes(spec));
    EXPECT_EQ(test::ops_of(again), test::ops_of(spec));
    for (size_t i = 0; i < spec.nodes.size(); ++i) EXPECT_EQ(again.nodes[i].attributes, spec.nodes[i].attributes);
    for (const auto& [name, tensor] : spec.weights) EXPECT_EQ(again.weights.at(name).values(), tensor.values());
  }
}

}  // namespace
}  // namespace nv
