// The bf16 path: convolutions, pooling and dense layers in bf16 with f32
// master weights and f32 gradients. bf16 keeps 8 significant bits (relative
// rounding 2^-9 ~ 2e-3 per operation); through the handful of layers here the
// errors add up to below 2e-2 of each tensor's largest magnitude, the
// tolerance the engine promises. A layout or type bug would be off by O(1).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "engine_test_graphs.h"
#include "neuralview/network.h"

namespace nv::test {
namespace {

constexpr double kBf16Tolerance = 2e-2;

GraphSpec mixed_net(const Shape& input) {
  GraphMaker g("mixed", input, 5);
  std::string a = g.unary("Relu", g.batchnorm(g.conv(g.input(), 16, 3, 1, 1)));
  std::string p = g.pool("MaxPool", a, 2, 2);
  std::string b = g.unary("LeakyRelu", g.conv(p, 32, 3, 1, 1), 0.3);
  std::string up = g.conv_transpose(b, 16, 2, 2);
  std::string c = g.unary("Relu", g.conv(g.concat({a, up}), 16, 3, 1, 1));
  std::string f = g.flatten(g.pool("AveragePool", c, 2, 2));
  return g.finish(g.gemm(g.dropout(g.unary("Relu", g.gemm(f, 32)), 0.5, false), 4));
}

double relative(const Tensor& ours, const Tensor& reference) {
  return max_abs_difference(ours, reference) / max_abs(reference);
}

class Bf16 : public ::testing::TestWithParam<int> {};

TEST(Bf16Support, RefusedWithAClearMessageWithoutAvx512) {
  if (bf16_supported()) GTEST_SKIP() << "this CPU runs bf16";
  NetworkOptions options;
  options.precision = Precision::bf16;
  try {
    Network net(mixed_net({3, 8, 8}), 2, options);
    FAIL() << "bf16 network built on a CPU without bf16 kernels";
  } catch (const std::invalid_argument& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr("bf16 precision needs a CPU with AVX-512"));
  }
}

TEST_P(Bf16, AgreesWithF32WithinBf16Rounding) {
  if (!bf16_supported()) GTEST_SKIP() << "no bf16 kernels on this CPU (needs AVX-512)";
  Shape shape = {3};
  shape.insert(shape.end(), static_cast<size_t>(GetParam()), 8);
  const GraphSpec spec = mixed_net(shape);
  NetworkOptions f32_options, bf16_options;
  bf16_options.precision = Precision::bf16;
  Network reference(spec, 4, f32_options), low(spec, 4, bf16_options);
  const Tensor input = random_tensor(reference.input_shape(), 7);
  const Tensor r = random_tensor(reference.output_shape(), 8);

  EXPECT_LE(relative(low.forward(input), reference.forward(input)), kBf16Tolerance) << "inference output";
  EXPECT_LE(relative(low.forward(input, Mode::training), reference.forward(input, Mode::training)), kBf16Tolerance)
      << "training output";
  const Tensor low_input_gradient = low.backward(r, true);
  const Tensor reference_input_gradient = reference.backward(r, true);
  EXPECT_LE(relative(low_input_gradient, reference_input_gradient), kBf16Tolerance) << "input gradient";
  std::vector<Parameter> a = low.parameters(), b = reference.parameters();
  ASSERT_EQ(a.size(), b.size());
  for (size_t k = 0; k < a.size(); ++k)
    EXPECT_LE(relative(*a[k].gradient, *b[k].gradient), kBf16Tolerance) << "gradient of " << a[k].name;
}

INSTANTIATE_TEST_SUITE_P(Spatial, Bf16, ::testing::Values(2, 3),
                         [](const ::testing::TestParamInfo<int>& info) { return std::to_string(info.param) + "D"; });

}  // namespace
}  // namespace nv::test
