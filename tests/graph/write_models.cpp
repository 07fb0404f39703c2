// Writes every preset and a network using every operation as ONNX files into
// a folder, for check_saved_models.py (onnx.checker, full_check).
#include <cstdio>
#include <exception>
#include <filesystem>

#include "neuralview/graph_builder.h"
#include "neuralview/onnx_io.h"
#include "neuralview/presets.h"

namespace {

nv::GraphSpec every_op_network() {
  nv::GraphBuilder b({3, 8, 12}, 21);
  const std::string skip = b.relu(b.batch_norm(b.conv(b.input(), 8, 3, 1, 1)));
  std::string x = b.leaky_relu(b.conv(b.max_pool(skip, 2), 8, 3, 1, 2, 2, false), 0.3);
  const std::string up = b.conv_transpose(x, 8, 2, 2);
  x = b.concat({up, skip, b.add(b.upsample(x, "nearest", 2), b.upsample(x, "linear", 2))});
  x = b.dropout(b.avg_pool(b.tanh(x), 3, 1, 1), 0.25, true);
  x = b.dropout(b.flatten(b.global_avg_pool(b.softmax(b.sigmoid(x)))), 0.1);
  nv::GraphSpec spec = b.build(b.dense(x, 4));
  spec.name = "every-op";
  spec.metadata.task = "classification";
  spec.metadata.channel_names = {"a", "b", "c"};
  spec.metadata.channel_mean = {0.5, 1.5, 2.5};
  spec.metadata.channel_stddev = {1, 2, 3};
  spec.metadata.class_names = {"w", "x", "y", "z"};
  return spec;
}

// Spatial output, so that every decoder operation shows in the result.
nv::GraphSpec decoder_network() {
  nv::GraphBuilder b({2, 6, 10}, 5);
  const std::string features = b.relu(b.conv(b.input(), 4, 3, 1, 1));
  const std::string low = b.max_pool(features, 2);
  const std::string x =
      b.concat({b.conv_transpose(low, 3, 2, 2), b.upsample(low, "nearest", 2), b.upsample(low, "linear", 2), features});
  nv::GraphSpec spec = b.build(b.sigmoid(b.leaky_relu(b.avg_pool(x, 3, 1, 1), 0.2)));
  spec.name = "decoder-ops";
  spec.metadata.task = "segmentation";
  return spec;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUTPUT_FOLDER\n", argv[0]);
    return 2;
  }
  try {
    const std::filesystem::path dir = argv[1];
    std::filesystem::create_directories(dir);
    nv::save_onnx(every_op_network(), (dir / "every-op.onnx").string());
    nv::save_onnx(decoder_network(), (dir / "decoder-ops.onnx").string());
    nv::save_onnx(nv::build_preset("climseg", {16, 16, 24}, 3, 1), (dir / "climseg.onnx").string());
    nv::save_onnx(nv::build_preset("cosmoflow", {4, 16, 16, 16}, 4, 1), (dir / "cosmoflow.onnx").string());
    nv::save_onnx(nv::build_preset("hepcnn", {3, 16, 16}, 2, 1), (dir / "hepcnn.onnx").string());
    nv::save_onnx(nv::build_preset("autoencoder2d", {3, 8, 8}, 0, 1), (dir / "autoencoder2d.onnx").string());
    nv::save_onnx(nv::build_preset("autoencoder3d", {2, 8, 8, 8}, 0, 1), (dir / "autoencoder3d.onnx").string());
    nv::save_onnx(nv::build_preset("segnet-small", {4, 8, 8}, 3, 1), (dir / "segnet-small.onnx").string());
    nv::save_onnx(nv::build_preset("classifier-small", {3, 8, 8}, 5, 1), (dir / "classifier-small.onnx").string());
    nv::save_onnx(nv::build_preset("regressor-small", {2, 4, 4, 4}, 3, 1), (dir / "regressor-small.onnx").string());
    std::printf("wrote 10 models to %s\n", argv[1]);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
