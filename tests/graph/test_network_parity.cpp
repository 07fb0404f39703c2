// PyTorch-exported ONNX files run through nv::Network give PyTorch's outputs,
// and the FLOP counts of the reference networks agree with the engine's.
#include <gtest/gtest.h>

#include <cmath>

#include "graph_test_support.h"
#include "neuralview/network.h"
#include "neuralview/onnx_io.h"
#include "neuralview/presets.h"

namespace nv {
namespace {

// Largest difference relative to the output's scale: summation order differs
// between oneDNN and PyTorch, so float32 results agree to ~1e-6 of the
// magnitude of the values, not element by element near zero.
double relative_difference(const Tensor& actual, const Tensor& expected) {
  double scale = 0, worst = 0;
  for (int64_t i = 0; i < expected.size(); ++i) scale = std::max(scale, double(std::abs(expected[i])));
  for (int64_t i = 0; i < expected.size(); ++i) worst = std::max(worst, double(std::abs(actual[i] - expected[i])));
  return worst / std::max(scale, 1e-6);
}

TEST(NetworkParity, TorchExportsRunLikePyTorch) {
  const nlohmann::json reference = test::torch_reference();
  int compared = 0;
  for (const auto& entry : reference.at("exports")) {
    if (entry.contains("expect_error") || entry.value("random_output", false)) continue;
    const std::string name = entry.at("name");
    SCOPED_TRACE(name);
    const GraphSpec spec = load_onnx((test::torch_dir() / entry.at("file").get<std::string>()).string());
    const Tensor input = test::read_blob(entry.at("input")).at(0).second;
    const Tensor expected = test::read_blob(entry.at("output")).at(0).second;
    Network network(spec, input.dim(0));
    const Tensor actual = network.forward(input);
    ASSERT_EQ(actual.shape(), expected.shape());
    EXPECT_LE(relative_difference(actual, expected), 1e-4);
    ++compared;
  }
  EXPECT_GE(compared, 45);
}

TEST(NetworkParity, EngineCountsTheDesignFlops) {
  for (const auto& [name, shape] : std::vector<std::pair<std::string, Shape>>{
           {"climseg", {16, 192, 288}}, {"cosmoflow", {4, 64, 64, 64}}, {"hepcnn", {3, 64, 64}}}) {
    SCOPED_TRACE(name);
    const GraphSpec spec = build_preset(name, shape, name == "cosmoflow" ? 4 : name == "climseg" ? 3 : 2, 0);
    const double engine = Network(spec, 1).forward_flops_per_sample();
    EXPECT_NEAR(engine / test::forward_flops_per_sample(spec), 1.0, 1e-3);
  }
}

}  // namespace
}  // namespace nv
