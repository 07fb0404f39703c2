// Parity with PyTorch 1.13 (the oracle script torch_parity.py): forward
// output, input gradient, weight gradients and running statistics agree within
// 1e-4 of the reference's largest magnitude in f32. Summation order differs
// between the two libraries, so exact equality is not expected; f32 rounding
// over the few hundred terms of these reductions stays near 1e-6.
#include <gtest/gtest.h>

#include "engine_test_graphs.h"
#include "torch_oracle.h"

namespace nv::test {
namespace {

class TorchParity : public ::testing::TestWithParam<int> {
 protected:
  void SetUp() override {
    if (!torch_available()) GTEST_SKIP() << "PyTorch oracle not available";
  }
  Shape shape(int64_t channels, int64_t side) const {
    Shape s = {channels};
    s.insert(s.end(), static_cast<size_t>(GetParam()), side);
    return s;
  }
  std::string suffix() const { return std::to_string(GetParam()) + "d"; }
};

// Encoder/decoder with every spatial op: Conv+BN+ReLU blocks (fused), pooling,
// ConvTranspose, Concat skip, Resize, Add, Softmax.
GraphSpec spatial_graph(const Shape& input, uint64_t seed) {
  GraphMaker g("spatial", input, seed);
  std::string a = g.unary("Relu", g.batchnorm(g.conv(g.input(), 16, 3, 1, 1)));
  std::string p = g.pool("MaxPool", a, 2, 2);
  std::string b = g.unary("LeakyRelu", g.conv(p, 8, 3, 1, 1), 0.3);
  std::string q = g.pool("AveragePool", b, 3, 1, 1);
  std::string up = g.conv_transpose(q, 8, 2, 2);
  std::string joined = g.concat({a, up});
  std::string c = g.unary("Sigmoid", g.conv(joined, 6, 3, 1, 2, 2));
  std::string r = g.resize(g.pool("MaxPool", c, 2, 2), "nearest", 2);
  std::string s = g.add(c, r);
  std::string t = g.unary("Tanh", g.batchnorm(g.conv(s, 6, 1, 1, 0, 1, false)));
  std::string l = g.resize(t, "linear", 2);
  return g.finish(g.softmax(g.conv(l, 3, 1)));
}

// Classifier head: GlobalAveragePool and Flatten/Gemm (both weight layouts),
// Dropout, BatchNormalization on (N, C).
GraphSpec dense_graph(const Shape& input, uint64_t seed) {
  GraphMaker g("dense", input, seed);
  std::string a = g.unary("Relu", g.conv(g.input(), 8, 3, 2, 1));
  std::string drop = g.dropout(a, 0.25, true);
  std::string f = g.flatten(g.pool("MaxPool", drop, 2, 2));
  std::string h = g.unary("Relu", g.gemm(f, 32, true));
  std::string d = g.dropout(h, 0.5, false);
  std::string k = g.batchnorm(g.gemm(d, 16, false));
  std::string gap = g.flatten(g.global_average_pool(a));
  std::string joined = g.concat({g.unary("Tanh", k), gap});
  return g.finish(g.gemm(joined, 4));
}

TEST_P(TorchParity, SpatialOpsTraining) {
  ParityOptions options;
  options.name = "spatial_train_" + suffix();
  expect_torch_parity(spatial_graph(shape(3, 8), 1), options);
}

TEST_P(TorchParity, SpatialOpsInference) {
  // Inference folds BatchNormalization into the convolution and fuses ReLU.
  ParityOptions options;
  options.name = "spatial_infer_" + suffix();
  options.mode = Mode::inference;
  expect_torch_parity(spatial_graph(shape(3, 8), 2), options);
}

TEST_P(TorchParity, DenseHeadTraining) {
  ParityOptions options;
  options.name = "dense_train_" + suffix();
  options.batch = 4;
  expect_torch_parity(dense_graph(shape(3, 8), 3), options);
}

TEST_P(TorchParity, DenseHeadInference) {
  ParityOptions options;
  options.name = "dense_infer_" + suffix();
  options.batch = 4;
  options.mode = Mode::inference;
  expect_torch_parity(dense_graph(shape(3, 8), 4), options);
}

INSTANTIATE_TEST_SUITE_P(Spatial, TorchParity, ::testing::Values(2, 3),
                         [](const ::testing::TestParamInfo<int>& info) { return std::to_string(info.param) + "D"; });

}  // namespace
}  // namespace nv::test
