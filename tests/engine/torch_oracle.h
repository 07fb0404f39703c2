// Runs a GraphSpec through the engine and through PyTorch (torch_parity.py)
// and compares output, input gradient, weight gradients, running statistics
// and, optionally, weights after one optimizer step.
#pragma once

#include <functional>
#include <string>

#include "neuralview/network.h"

namespace nv::test {

// True when the oracle interpreter imports torch; tests skip otherwise.
bool torch_available();

struct ParityOptions {
  std::string name = "case";
  int64_t batch = 2;
  Mode mode = Mode::training;
  Precision precision = Precision::f32;
  // Relative to the largest magnitude of the reference tensor.
  double tolerance = 1e-4;
  uint64_t seed = 1;
  // When set (training only): called after backward with the network; the
  // oracle takes one torch.optim.Adam step with this learning rate.
  std::function<void(Network&)> optimizer_step;
  double adam_learning_rate = 0.0;
};

void expect_torch_parity(const GraphSpec& spec, const ParityOptions& options);

}  // namespace nv::test
