// For every ONNX model in a folder: runs it through nv::Network (inference,
// batch 2) on a seeded random input and writes <model>.input.bin and
// <model>.nv_output.bin (float32, little-endian, plain NCHW layout) plus
// <model>.shapes.json, for check_opencv_parity.py.
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <random>

#include "neuralview/network.h"
#include "neuralview/onnx_io.h"

namespace {

void write_floats(const std::filesystem::path& path, const nv::Tensor& t) {
  std::ofstream file(path, std::ios::binary);
  file.write(reinterpret_cast<const char*>(t.data()), std::streamsize(t.size() * sizeof(float)));
}

std::string json_shape(const nv::Shape& shape) {
  std::string text = "[";
  for (size_t i = 0; i < shape.size(); ++i) text += (i ? ", " : "") + std::to_string(shape[i]);
  return text + "]";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s MODEL_FOLDER\n", argv[0]);
    return 2;
  }
  try {
    int count = 0;
    for (const auto& entry : std::filesystem::directory_iterator(argv[1])) {
      if (entry.path().extension() != ".onnx") continue;
      const nv::GraphSpec spec = nv::load_onnx(entry.path().string());
      nv::Network network(spec, 2);
      nv::Tensor input(network.input_shape());
      std::mt19937 random(7);
      std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
      for (float& v : input.values()) v = uniform(random);
      const nv::Tensor output = network.forward(input);
      const std::filesystem::path stem = entry.path().parent_path() / entry.path().stem();
      write_floats(stem.string() + ".input.bin", input);
      write_floats(stem.string() + ".nv_output.bin", output);
      std::ofstream(stem.string() + ".shapes.json")
          << "{\"input\": " << json_shape(input.shape()) << ", \"output\": " << json_shape(output.shape()) << "}\n";
      ++count;
    }
    std::printf("ran %d models\n", count);
    return count > 0 ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
}
