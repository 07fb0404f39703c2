// Parity with PyTorch for the reference presets at small spatial size,
// training mode, including the weights after one Adam step (lr 1e-3).
// Tolerances as in test_torch_parity.cpp.
#include <gtest/gtest.h>

#if __has_include("neuralview/presets.h") && __has_include("neuralview/optimizer.h")
#include "neuralview/optimizer.h"
#include "neuralview/presets.h"
#include "torch_oracle.h"

namespace nv::test {
namespace {

void expect_preset_parity(const std::string& name, const Shape& shape, int64_t outputs, int64_t batch) {
  if (!torch_available()) GTEST_SKIP() << "PyTorch oracle not available";
  ParityOptions options;
  options.name = "preset_" + name;
  options.batch = batch;
  options.adam_learning_rate = 1e-3;
  options.optimizer_step = [](Network& net) {
    Adam adam(1e-3);
    adam.step(net.parameters());
  };
  expect_torch_parity(build_preset(name, shape, outputs, 42), options);
}

TEST(PresetParity, Climseg) { expect_preset_parity("climseg", {16, 32, 48}, 3, 2); }
TEST(PresetParity, Cosmoflow) { expect_preset_parity("cosmoflow", {4, 32, 32, 32}, 4, 2); }
TEST(PresetParity, Hepcnn) { expect_preset_parity("hepcnn", {3, 64, 64}, 2, 4); }

}  // namespace
}  // namespace nv::test
#endif
