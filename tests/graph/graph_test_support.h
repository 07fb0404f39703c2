// Helpers shared by the graph tests: fixture files written by
// torch_reference.py, FLOP counting from a spec, temporary folders.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "neuralview/graph_builder.h"
#include "neuralview/graph_spec.h"

namespace nv::test {

inline std::filesystem::path torch_dir() { return NV_GRAPH_TORCH_DIR; }
inline std::filesystem::path data_dir() { return NV_GRAPH_DATA_DIR; }

inline nlohmann::json read_json(const std::filesystem::path& path) {
  std::ifstream file(path);
  if (!file) throw std::runtime_error("missing fixture " + path.string() + " (run the graph.torch_reference test)");
  return nlohmann::json::parse(file);
}

inline nlohmann::json torch_reference() { return read_json(torch_dir() / "reference.json"); }

// Named float32 tensors from a blob written by torch_reference.py.
inline std::vector<std::pair<std::string, Tensor>> read_blob(const nlohmann::json& blob) {
  std::ifstream file(torch_dir() / blob.at("file").get<std::string>(), std::ios::binary);
  if (!file) throw std::runtime_error("missing fixture blob " + blob.at("file").get<std::string>());
  std::vector<std::pair<std::string, Tensor>> tensors;
  for (const auto& entry : blob.at("tensors")) {
    Tensor t(entry.at("shape").get<Shape>());
    file.seekg(std::streamoff(entry.at("offset").get<int64_t>() * 4));
    file.read(reinterpret_cast<char*>(t.data()), std::streamsize(t.size() * 4));
    if (!file) throw std::runtime_error("short fixture blob " + blob.at("file").get<std::string>());
    tensors.emplace_back(entry.at("name").get<std::string>(), std::move(t));
  }
  return tensors;
}

// Forward FLOPs per sample of convolutions and dense layers (multiply-add = 2),
// the way DESIGN.md counts them.
inline double forward_flops_per_sample(const GraphSpec& spec) {
  const auto shapes = infer_shapes(spec);
  double flops = 0;
  for (const NodeSpec& node : spec.nodes) {
    if (node.op != "Conv" && node.op != "ConvTranspose" && node.op != "Gemm") continue;
    const Tensor& w = spec.weights.at(node.inputs[1]);
    if (node.op == "Conv") {  // each output element: C_in/group * kernel volume multiply-adds
      flops += 2.0 * double(element_count(shapes.at(node.outputs[0]))) * double(w.size() / w.dim(0));
    } else if (node.op == "ConvTranspose") {  // each input element scatters C_out * kernel volume
      flops += 2.0 * double(element_count(shapes.at(node.inputs[0]))) * double(w.size() / w.dim(0));
    } else {
      flops += 2.0 * double(w.size());
    }
  }
  return flops;
}

// A fresh, empty folder for one test.
inline std::filesystem::path scratch_dir(const std::string& name) {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("nv_graph_" + std::string(info ? info->name() : "x") + "_" + name +
                                                "_" + std::to_string(std::random_device{}()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream file(path, std::ios::binary);
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

inline void write_file(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream file(path, std::ios::binary);
  file << bytes;
}

// Runs `f` and returns the message of the exception of type E it throws; fails the test otherwise.
template <typename E, typename F>
std::string error_message(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "threw the wrong exception type: " << e.what();
    return e.what();
  }
  ADD_FAILURE() << "did not throw";
  return {};
}

inline std::vector<std::string> ops_of(const GraphSpec& spec) {
  std::vector<std::string> ops;
  for (const NodeSpec& node : spec.nodes) ops.push_back(node.op);
  return ops;
}

}  // namespace nv::test
