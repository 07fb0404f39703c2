#include "neuralview/presets.h"

#include <functional>
#include <map>
#include <stdexcept>

#include "neuralview/graph_builder.h"

namespace nv {

namespace {

struct PresetRequest {
  std::string name;
  Shape input_shape;
  int64_t outputs;
  uint64_t seed;
};

void require_rank(const PresetRequest& r, std::initializer_list<size_t> ranks) {
  for (size_t rank : ranks)
    if (r.input_shape.size() == rank) return;
  const std::string expected = ranks.size() == 2     ? "(C,H,W) or (C,D,H,W)"
                               : *ranks.begin() == 3 ? "(C,H,W)"
                                                     : "(C,D,H,W)";
  throw std::invalid_argument("preset '" + r.name + "' needs a " + expected + " input shape per sample, got " +
                              shape_to_string(r.input_shape));
}

void require_divisible(const PresetRequest& r, int64_t factor) {
  for (size_t axis = 1; axis < r.input_shape.size(); ++axis)
    if (r.input_shape[axis] < factor || r.input_shape[axis] % factor != 0)
      throw std::invalid_argument("preset '" + r.name + "' pools by a total factor of " + std::to_string(factor) +
                                  ": every spatial extent of the input must be a positive multiple of " +
                                  std::to_string(factor) + ", got " + shape_to_string(r.input_shape));
}

void require_outputs(const PresetRequest& r) {
  if (r.outputs < 1)
    throw std::invalid_argument("preset '" + r.name + "' needs at least one output, got " + std::to_string(r.outputs));
}

// Conv 3x3 (pad 1) -> BatchNorm -> ReLU: the block of the segmentation nets.
std::string conv_bn_relu(GraphBuilder& b, const std::string& x, int64_t channels) {
  return b.relu(b.batch_norm(b.conv(x, channels, 3, 1, 1)));
}

GraphSpec finish(GraphBuilder& b, const std::string& last, const PresetRequest& r, const std::string& task) {
  GraphSpec spec = b.build(last);
  spec.name = r.name;
  spec.metadata.task = task;
  spec.metadata.extra["architecture"] = r.name;
  return spec;
}

GraphSpec climseg(const PresetRequest& r) {
  require_rank(r, {3});
  require_divisible(r, 4);
  require_outputs(r);
  GraphBuilder b(r.input_shape, r.seed);
  const std::string skip_full = conv_bn_relu(b, conv_bn_relu(b, b.input(), 32), 32);
  const std::string skip_half = conv_bn_relu(b, conv_bn_relu(b, b.max_pool(skip_full, 2), 64), 64);
  std::string x = conv_bn_relu(b, conv_bn_relu(b, b.max_pool(skip_half, 2), 128), 128);
  x = b.concat({b.conv_transpose(x, 64, 2, 2), skip_half});
  x = conv_bn_relu(b, conv_bn_relu(b, x, 64), 64);
  x = b.concat({b.conv_transpose(x, 32, 2, 2), skip_full});
  x = conv_bn_relu(b, conv_bn_relu(b, x, 32), 32);
  GraphSpec spec = finish(b, b.conv(x, r.outputs, 1, 1, 0, 1, true, "logits"), r, "segmentation");
  if (r.outputs == 3) spec.metadata.class_names = {"background", "tropical cyclone", "atmospheric river"};
  if (r.input_shape[0] == 16)
    spec.metadata.channel_names = {"TMQ",  "U850", "V850",  "UBOT", "VBOT",   "QREFHT", "PS",   "PSL",
                                   "T200", "T500", "PRECT", "TS",   "TREFHT", "Z1000",  "Z200", "ZBOT"};
  return spec;
}

GraphSpec cosmoflow(const PresetRequest& r) {
  require_rank(r, {4});
  require_divisible(r, 16);
  require_outputs(r);
  GraphBuilder b(r.input_shape, r.seed);
  std::string x = b.input();
  for (int64_t channels : {16, 32, 64, 64}) x = b.max_pool(b.leaky_relu(b.conv(x, channels, 3, 1, 1), 0.3), 2);
  x = b.flatten(x);
  x = b.leaky_relu(b.dense(x, 128), 0.3);
  x = b.leaky_relu(b.dense(x, 64), 0.3);
  GraphSpec spec = finish(b, b.tanh(b.dense(x, r.outputs), "prediction"), r, "regression");
  if (r.outputs == 4) spec.metadata.target_names = {"Omega_m", "sigma_8", "n_s", "H0"};
  if (r.input_shape[0] == 4) spec.metadata.channel_names = {"redshift_0", "redshift_0.5", "redshift_1.5", "redshift_3"};
  return spec;
}

GraphSpec hepcnn(const PresetRequest& r) {
  require_rank(r, {3});
  require_divisible(r, 8);
  require_outputs(r);
  GraphBuilder b(r.input_shape, r.seed);
  std::string x = b.input();
  for (int64_t channels : {64, 128, 128}) x = b.max_pool(b.relu(b.conv(x, channels, 3, 1, 1)), 2);
  x = b.flatten(x);
  x = b.dropout(b.relu(b.dense(x, 512)), 0.5);
  GraphSpec spec = finish(b, b.dense(x, r.outputs, true, "logits"), r, "classification");
  if (r.outputs == 2) spec.metadata.class_names = {"background", "signal"};
  if (r.input_shape[0] == 3) spec.metadata.channel_names = {"ECAL energy", "HCAL energy", "track multiplicity"};
  return spec;
}

// Encoder: two Conv3 -> ReLU -> MaxPool 2 units (16, 32 channels) and a 1x1
// convolution to an 8-channel bottleneck at 1/4 resolution ("code"); decoder:
// two ConvTranspose 2x2 stride 2 -> ReLU (32, 16 channels) and a 3x3
// convolution back to the input channels (linear output).
GraphSpec autoencoder(const PresetRequest& r, size_t rank) {
  require_rank(r, {rank});
  require_divisible(r, 4);
  GraphBuilder b(r.input_shape, r.seed);
  std::string x = b.input();
  for (int64_t channels : {16, 32}) x = b.max_pool(b.relu(b.conv(x, channels, 3, 1, 1)), 2);
  x = b.relu(b.conv(x, 8, 1), "code");
  for (int64_t channels : {32, 16}) x = b.relu(b.conv_transpose(x, channels, 2, 2));
  GraphSpec spec = finish(b, b.conv(x, r.input_shape[0], 3, 1, 1, 1, true, "reconstruction"), r, "autoencoder");
  spec.metadata.extra["embedding_tensor"] = "code";
  return spec;
}

GraphSpec segnet_small(const PresetRequest& r) {
  require_rank(r, {3});
  require_divisible(r, 2);
  require_outputs(r);
  GraphBuilder b(r.input_shape, r.seed);
  const std::string skip = conv_bn_relu(b, b.input(), 16);
  std::string x = conv_bn_relu(b, b.max_pool(skip, 2), 32);
  x = b.concat({b.conv_transpose(x, 16, 2, 2), skip});
  x = conv_bn_relu(b, x, 16);
  return finish(b, b.conv(x, r.outputs, 1, 1, 0, 1, true, "logits"), r, "segmentation");
}

// Two Conv3 -> BatchNorm -> ReLU units (16, 32 channels, a max-pool 2
// between them), global average pool, dense head. Works in 2-D and 3-D.
GraphSpec small_cnn(const PresetRequest& r, const std::string& task) {
  require_rank(r, {3, 4});
  require_divisible(r, 2);
  require_outputs(r);
  GraphBuilder b(r.input_shape, r.seed);
  std::string x = b.max_pool(conv_bn_relu(b, b.input(), 16), 2);
  x = conv_bn_relu(b, x, 32);
  x = b.flatten(b.global_avg_pool(x));
  return finish(b, b.dense(x, r.outputs, true, task == "regression" ? "prediction" : "logits"), r, task);
}

using PresetFactory = std::function<GraphSpec(const PresetRequest&)>;

const std::map<std::string, PresetFactory>& factories() {
  static const std::map<std::string, PresetFactory> table = {
      {"climseg", climseg},
      {"cosmoflow", cosmoflow},
      {"hepcnn", hepcnn},
      {"autoencoder2d", [](const PresetRequest& r) { return autoencoder(r, 3); }},
      {"autoencoder3d", [](const PresetRequest& r) { return autoencoder(r, 4); }},
      {"segnet-small", segnet_small},
      {"classifier-small", [](const PresetRequest& r) { return small_cnn(r, "classification"); }},
      {"regressor-small", [](const PresetRequest& r) { return small_cnn(r, "regression"); }},
  };
  return table;
}

}  // namespace

std::vector<std::string> preset_names() {
  return {"climseg",       "cosmoflow",    "hepcnn",           "autoencoder2d",
          "autoencoder3d", "segnet-small", "classifier-small", "regressor-small"};
}

GraphSpec build_preset(const std::string& name, const Shape& input_shape, int64_t outputs, uint64_t seed) {
  auto it = factories().find(name);
  if (it == factories().end()) {
    std::string valid;
    for (const std::string& n : preset_names()) valid += (valid.empty() ? "" : ", ") + n;
    throw std::invalid_argument("unknown preset '" + name + "'; valid presets: " + valid);
  }
  for (int64_t d : input_shape)
    if (d < 1)
      throw std::invalid_argument("preset '" + name + "': input shape " + shape_to_string(input_shape) +
                                  " has an empty axis");
  return it->second(PresetRequest{name, input_shape, outputs, seed});
}

}  // namespace nv
