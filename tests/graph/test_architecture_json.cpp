// JSON architecture files: DAGs with skips, presets, and errors that name the layer.
#include <gtest/gtest.h>

#include "graph_test_support.h"
#include "neuralview/architecture_json.h"
#include "neuralview/graph_builder.h"
#include "neuralview/presets.h"

namespace nv {
namespace {

using test::error_message;

std::string json_error(const std::string& text) {
  return error_message<std::invalid_argument>([&] {
    load_architecture_json_from_string(text, {3, 8, 8}, 2, 0, "test.json");
  });
}

TEST(ArchitectureJson, UNetWithSkipBuildsAndValidates) {
  const GraphSpec spec = load_architecture_json((test::data_dir() / "tiny_unet.json").string(), {4, 16, 24}, 2, 3);
  EXPECT_NO_THROW(spec.validate());
  EXPECT_EQ(spec.name, "tiny-unet");
  EXPECT_EQ(spec.metadata.extra.at("architecture"), "tiny-unet");
  EXPECT_EQ(spec.metadata.task, "segmentation");
  EXPECT_EQ(spec.metadata.class_names, (std::vector<std::string>{"background", "cyclone"}));
  EXPECT_EQ(test::ops_of(spec), (std::vector<std::string>{"Conv", "BatchNormalization", "Relu", "MaxPool", "Conv",
                                                          "Relu", "ConvTranspose", "Concat", "Conv"}));
  const auto shapes = infer_shapes(spec);
  EXPECT_EQ(shapes.at("enc1"), (Shape{16, 16, 24}));
  EXPECT_EQ(shapes.at("up1"), (Shape{16, 16, 24}));
  EXPECT_EQ(spec.output_name, "logits");
  EXPECT_EQ(shapes.at("logits"), (Shape{2, 16, 24}));  // "outputs" = 2
  const NodeSpec& concat = spec.nodes[7];
  EXPECT_EQ(concat.inputs, (std::vector<std::string>{"up1", "skip1"}));
  EXPECT_EQ(spec.nodes[4].ints_attribute("pads", {}), (std::vector<int64_t>{1, 1, 1, 1}));  // "same"
}

TEST(ArchitectureJson, ResidualAdditionAndDenseHead) {
  const GraphSpec spec = load_architecture_json_from_string(R"({
    "layers": [
      {"type": "conv", "filters": 3, "pad": 1, "name": "a"},
      {"type": "relu"},
      {"type": "conv", "filters": 3, "pad": 1, "name": "b"},
      {"type": "add", "inputs": ["input", "b"], "name": "sum"},
      {"type": "global_avgpool"},
      {"type": "flatten"},
      {"type": "dropout", "rate": 0.2},
      {"type": "dense", "units": "outputs", "bias": false},
      {"type": "softmax"}
    ]})",
                                                            {3, 6, 6}, 4, 1);
  EXPECT_EQ(infer_shapes(spec).at(spec.output_name), (Shape{4}));
  EXPECT_EQ(spec.nodes[3].inputs, (std::vector<std::string>{"input", "b"}));
  EXPECT_EQ(spec.metadata.extra.at("architecture"), "json");
  // The recorded definition rebuilds the same network.
  const GraphSpec again =
      load_architecture_json_from_string(spec.metadata.extra.at("architecture_json"), {3, 6, 6}, 4, 1);
  EXPECT_EQ(test::ops_of(again), test::ops_of(spec));
  for (const auto& [name, tensor] : spec.weights) EXPECT_EQ(again.weights.at(name).values(), tensor.values());
}

TEST(ArchitectureJson, PresetShortcutEqualsThePreset) {
  const GraphSpec a = load_architecture_json_from_string(R"({"preset": "hepcnn", "name": "mine"})", {3, 16, 16}, 2, 42);
  const GraphSpec b = build_preset("hepcnn", {3, 16, 16}, 2, 42);
  EXPECT_EQ(a.name, "mine");
  EXPECT_EQ(test::ops_of(a), test::ops_of(b));
  for (const auto& [name, tensor] : b.weights) EXPECT_EQ(a.weights.at(name).values(), tensor.values()) << name;
  EXPECT_NE(json_error(R"({"preset": "nope"})").find("valid presets"), std::string::npos);
}

TEST(ArchitectureJson, ErrorsNameTheLayerAndTheProblem) {
  const std::string malformed = json_error("{\n  \"layers\": [\n    {\"type\": \"relu\",}\n  ]\n}");
  EXPECT_NE(malformed.find("not valid JSON"), std::string::npos) << malformed;
  EXPECT_NE(malformed.find("line 3"), std::string::npos) << malformed;
  EXPECT_NE(malformed.find("test.json"), std::string::npos) << malformed;

  const std::string unknown_type = json_error(R"({"layers": [{"type": "relu"}, {"type": "relu"}, {"type": "swish"}]})");
  EXPECT_NE(unknown_type.find("layers[2]"), std::string::npos) << unknown_type;
  EXPECT_NE(unknown_type.find("'swish'"), std::string::npos) << unknown_type;

  const std::string unknown_key = json_error(R"({"layers": [{"type": "conv", "filter": 3}]})");
  EXPECT_NE(unknown_key.find("layers[0]"), std::string::npos) << unknown_key;
  EXPECT_NE(unknown_key.find("'filter'"), std::string::npos) << unknown_key;

  const std::string bad_value = json_error(R"({"layers": [{"type": "relu"}, {"type": "conv", "filters": 2.5}]})");
  EXPECT_NE(bad_value.find("layers[1]"), std::string::npos) << bad_value;
  EXPECT_NE(bad_value.find("filters"), std::string::npos) << bad_value;

  const std::string undefined = json_error(R"({"layers": [{"type": "concat", "inputs": ["input", "later"]},
                                                           {"type": "relu", "name": "later"}]})");
  EXPECT_NE(undefined.find("layers[0]"), std::string::npos) << undefined;
  EXPECT_NE(undefined.find("'later'"), std::string::npos) << undefined;

  const std::string mismatch = json_error(R"({"layers": [{"type": "maxpool", "name": "p"},
                                                          {"type": "concat", "inputs": ["p", "input"]}]})");
  EXPECT_NE(mismatch.find("layers[1]"), std::string::npos) << mismatch;

  const std::string duplicate =
      json_error(R"({"layers": [{"type": "relu", "name": "x"}, {"type": "tanh", "name": "x"}]})");
  EXPECT_NE(duplicate.find("layers[1] ('x', tanh)"), std::string::npos) << duplicate;

  const std::string not_object = json_error(R"({"layers": [{"type": "relu"}, 7]})");
  EXPECT_NE(not_object.find("layers[1]"), std::string::npos) << not_object;

  const std::string no_type = json_error(R"({"layers": [{"filters": 3}]})");
  EXPECT_NE(no_type.find("layers[0]"), std::string::npos) << no_type;

  const std::string flat = json_error(R"({"layers": [{"type": "dense", "units": 3}]})");
  EXPECT_NE(flat.find("flatten"), std::string::npos) << flat;

  EXPECT_NE(json_error(R"({"layers": []})").find("non-empty"), std::string::npos);
  EXPECT_NE(json_error(R"({"layer": []})").find("'layer'"), std::string::npos);
  EXPECT_NE(json_error(R"([1, 2])").find("object"), std::string::npos);
}

TEST(ArchitectureJson, MissingFileNamesThePath) {
  const std::string path = "/nonexistent/architecture.json";
  EXPECT_NE(error_message<std::runtime_error>([&] {
              load_architecture_json(path, {3, 8, 8}, 2, 0);
            }).find(path),
            std::string::npos);
}

}  // namespace
}  // namespace nv
