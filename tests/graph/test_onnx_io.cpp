// ONNX files written by save_onnx: exact round trips, atomic writes, and
// clear errors for missing, truncated and corrupted files.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>

#include "graph_test_support.h"
#include "neuralview/graph_builder.h"
#include "neuralview/onnx_io.h"
#include "neuralview/presets.h"

namespace nv {
namespace {

namespace fs = std::filesystem;
using test::error_message;

void expect_identical(const GraphSpec& a, const GraphSpec& b) {
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.input_name, b.input_name);
  EXPECT_EQ(a.input_shape, b.input_shape);
  EXPECT_EQ(a.output_name, b.output_name);
  ASSERT_EQ(a.nodes.size(), b.nodes.size());
  for (size_t i = 0; i < a.nodes.size(); ++i) {
    SCOPED_TRACE(a.nodes[i].name);
    EXPECT_EQ(a.nodes[i].name, b.nodes[i].name);
    EXPECT_EQ(a.nodes[i].op, b.nodes[i].op);
    EXPECT_EQ(a.nodes[i].inputs, b.nodes[i].inputs);
    EXPECT_EQ(a.nodes[i].outputs, b.nodes[i].outputs);
    EXPECT_EQ(a.nodes[i].attributes, b.nodes[i].attributes);
  }
  ASSERT_EQ(a.weights.size(), b.weights.size());
  for (const auto& [name, tensor] : a.weights) {
    ASSERT_TRUE(b.weights.count(name)) << name;
    const Tensor& other = b.weights.at(name);
    EXPECT_EQ(tensor.shape(), other.shape()) << name;
    EXPECT_EQ(0, std::memcmp(tensor.data(), other.data(), size_t(tensor.size()) * sizeof(float))) << name;
  }
  EXPECT_EQ(a.metadata.task, b.metadata.task);
  EXPECT_EQ(a.metadata.channel_names, b.metadata.channel_names);
  EXPECT_EQ(a.metadata.channel_mean, b.metadata.channel_mean);
  EXPECT_EQ(a.metadata.channel_stddev, b.metadata.channel_stddev);
  EXPECT_EQ(a.metadata.class_names, b.metadata.class_names);
  EXPECT_EQ(a.metadata.target_names, b.metadata.target_names);
  EXPECT_EQ(a.metadata.extra, b.metadata.extra);
}

// A network that uses every operation of the vocabulary.
GraphSpec every_op_network() {
  GraphBuilder b({3, 8, 12}, 21);
  const std::string skip = b.relu(b.batch_norm(b.conv(b.input(), 8, 3, 1, 1), 1e-3, 0.99));
  std::string x = b.max_pool(skip, 2);
  x = b.leaky_relu(b.conv(x, 8, 3, 1, 2, 2, false), 0.3);
  const std::string up = b.conv_transpose(x, 8, 2, 2);
  const std::string nearest = b.upsample(x, "nearest", 2);
  const std::string linear = b.upsample(x, "linear", 2);
  x = b.concat({up, skip, b.add(nearest, linear)});
  x = b.dropout(b.avg_pool(b.tanh(x), 3, 1, 1), 0.25, true);
  const std::string seg = b.softmax(b.sigmoid(x));
  x = b.dropout(b.flatten(b.global_avg_pool(seg)), 0.1);
  GraphSpec spec = b.build(b.dense(x, 4, true, "head"));
  spec.name = "every-op";
  spec.metadata.task = "classification";
  spec.metadata.channel_names = {"TMQ", "U850, surface", "Ünïcode"};
  spec.metadata.channel_mean = {19.21859, 1.0 / 3.0, 100814.414};
  spec.metadata.channel_stddev = {15.81723, 1e-300, 1461.2227};
  spec.metadata.class_names = {"a", "b", "c", "d"};
  spec.metadata.target_names = {"x"};
  spec.metadata.extra = {{"architecture", "custom"}, {"history", "{\"epochs\": [1, 2]}"}};
  return spec;
}

TEST(OnnxIo, EveryOpNetworkRoundTripsExactly) {
  const GraphSpec spec = every_op_network();
  const fs::path dir = test::scratch_dir("roundtrip");
  save_onnx(spec, (dir / "model.onnx").string());
  expect_identical(spec, load_onnx((dir / "model.onnx").string()));
  expect_identical(spec, load_onnx_from_bytes(save_onnx_to_bytes(spec)));
  EXPECT_EQ(test::read_file(dir / "model.onnx"), save_onnx_to_bytes(spec));
  fs::remove_all(dir);
}

TEST(OnnxIo, EveryPresetRoundTripsExactly) {
  const std::vector<std::pair<std::string, Shape>> cases = {
      {"climseg", {16, 8, 12}},        {"cosmoflow", {4, 16, 16, 16}},   {"hepcnn", {3, 16, 16}},
      {"autoencoder2d", {2, 8, 8}},    {"autoencoder3d", {1, 4, 8, 8}},  {"segnet-small", {4, 6, 8}},
      {"classifier-small", {3, 4, 4}}, {"regressor-small", {2, 4, 4, 4}}};
  for (const auto& [name, shape] : cases) {
    SCOPED_TRACE(name);
    const GraphSpec spec = build_preset(name, shape, 3, 17);
    expect_identical(spec, load_onnx_from_bytes(save_onnx_to_bytes(spec), name));
  }
}

TEST(OnnxIo, FailedSaveKeepsTheExistingModel) {
  const fs::path dir = test::scratch_dir("atomic");
  const std::string path = (dir / "model.onnx").string();
  const GraphSpec good = build_preset("hepcnn", {3, 8, 8}, 2, 1);
  save_onnx(good, path);
  const std::string before = test::read_file(path);

  GraphSpec broken = good;
  broken.nodes[1].inputs[0] = "does-not-exist";
  EXPECT_THROW(save_onnx(broken, path), std::invalid_argument);
  GraphSpec clashing = good;
  clashing.weights[clashing.nodes[0].outputs[0]] = Tensor(Shape{1});
  EXPECT_THROW(save_onnx(clashing, path), std::invalid_argument);
  EXPECT_EQ(test::read_file(path), before);

  // Overwriting works and leaves no temporary files behind.
  save_onnx(build_preset("hepcnn", {3, 8, 8}, 2, 2), path);
  EXPECT_NE(test::read_file(path), before);
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator()), 1);

  const std::string missing_dir = (dir / "no" / "such" / "model.onnx").string();
  EXPECT_NE(error_message<std::runtime_error>([&] { save_onnx(good, missing_dir); }).find(missing_dir),
            std::string::npos);
  fs::remove_all(dir);
}

TEST(OnnxIo, MissingFileNamesThePath) {
  const std::string path = "/nonexistent/folder/model.onnx";
  EXPECT_NE(error_message<std::runtime_error>([&] { load_onnx(path); }).find(path), std::string::npos);
}

TEST(OnnxIo, TruncatedFilesAreNotValidModels) {
  const std::string bytes = save_onnx_to_bytes(build_preset("hepcnn", {3, 8, 8}, 2, 1));
  const fs::path dir = test::scratch_dir("truncated");
  for (size_t keep :
       {size_t(1), size_t(16), bytes.size() / 3, bytes.size() / 2, bytes.size() * 9 / 10, bytes.size() - 1}) {
    SCOPED_TRACE(keep);
    const fs::path path = dir / "cut.onnx";
    test::write_file(path, bytes.substr(0, keep));
    const std::string message = error_message<std::runtime_error>([&] { load_onnx(path.string()); });
    EXPECT_NE(message.find("not a valid ONNX model"), std::string::npos) << message;
    EXPECT_NE(message.find(path.string()), std::string::npos) << message;
  }
  test::write_file(dir / "empty.onnx", "");
  EXPECT_NE(error_message<std::runtime_error>([&] {
              load_onnx((dir / "empty.onnx").string());
            }).find("not a valid ONNX model"),
            std::string::npos);
  fs::remove_all(dir);
}

TEST(OnnxIo, CorruptedBytesNeverCrash) {
  EXPECT_NE(error_message<std::runtime_error>([] {
              load_onnx_from_bytes("this is a text file, not a model\n");
            }).find("not a valid ONNX model"),
            std::string::npos);
  std::mt19937 random(99);
  std::string noise(4096, '\0');
  for (char& c : noise) c = char(random());
  EXPECT_NE(error_message<std::runtime_error>([&] { load_onnx_from_bytes(noise); }).find("not a valid ONNX model"),
            std::string::npos);
  // Flipped bytes anywhere: the result is a valid spec or a std::exception, never a crash.
  const std::string bytes = save_onnx_to_bytes(build_preset("segnet-small", {2, 4, 4}, 2, 3));
  int rejected = 0;
  for (int trial = 0; trial < 300; ++trial) {
    std::string corrupted = bytes;
    for (int flips = 0; flips < 3; ++flips) corrupted[random() % corrupted.size()] ^= char(1 + random() % 255);
    try {
      load_onnx_from_bytes(corrupted).validate();
    } catch (const std::runtime_error&) {
      ++rejected;
    } catch (const std::invalid_argument&) {
      ++rejected;
    }
  }
  EXPECT_GT(rejected, 0);
}

}  // namespace
}  // namespace nv
