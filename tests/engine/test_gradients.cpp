// Finite-difference checks of the engine's backward pass, every layer type in
// 2-D and 3-D, and a small DAG with a Concat skip and a residual Add.
//
// The scalar checked is L = sum(output * R) for a fixed random R, so
// dL/doutput = R. Central differences in f32 with step h = 1e-2 have a
// truncation error of order h^2 * |f'''| ~ 1e-4 and a rounding error of order
// eps_f32 * |L| / h ~ 1e-5 * |L| (L is accumulated in double from f32
// outputs; |L| stays below ~20 on these small graphs), so a gradient that is
// right agrees to well under 1e-2 of the tensor's largest gradient, while a
// wrong one (missing term, wrong layout, wrong sign) is off by O(1).
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "engine_test_graphs.h"
#include "neuralview/network.h"

namespace nv::test {
namespace {

constexpr float kStep = 1e-2f;
constexpr double kRelativeTolerance = 1e-2;
constexpr double kAbsoluteFloor = 1e-3;  // rounding noise for tensors whose gradients are all tiny
constexpr int kSamplesPerTensor = 24;

double loss(Network& net, const Tensor& input, const Tensor& weights_of_output) {
  net.set_seed(11);  // same dropout masks in every evaluation
  return dot(net.forward(input, Mode::training), weights_of_output);
}

// Checks up to kSamplesPerTensor entries of `values` against `analytic`.
template <typename Perturb>
void check_entries(const std::string& what, const Tensor& analytic, int64_t size, Perturb&& evaluate_at) {
  const double scale = std::max(max_abs(analytic), kAbsoluteFloor / kRelativeTolerance);
  std::mt19937_64 rng(size * 7919 + 17);
  std::uniform_int_distribution<int64_t> pick(0, size - 1);
  const int samples = static_cast<int>(std::min<int64_t>(size, kSamplesPerTensor));
  for (int s = 0; s < samples; ++s) {
    const int64_t i = size <= kSamplesPerTensor ? s : pick(rng);
    const double plus = evaluate_at(i, +kStep);
    const double minus = evaluate_at(i, -kStep);
    const double numeric = (plus - minus) / (2.0 * kStep);
    EXPECT_NEAR(numeric, analytic[i], kRelativeTolerance * scale) << what << " entry " << i;
  }
}

struct CheckOptions {
  bool input = true;
  bool parameters = true;
  int64_t batch = 2;
  Tensor input_values;  // default: uniform in [-1, 1]
};

void check_gradients(const GraphSpec& spec, CheckOptions options = {}) {
  Network net(spec, options.batch);
  Tensor input = options.input_values.empty() ? random_tensor(net.input_shape(), 101) : options.input_values;
  const Tensor r = random_tensor(net.output_shape(), 202);

  net.set_seed(11);
  net.forward(input, Mode::training);
  const Tensor input_gradient = net.backward(r, true);
  ASSERT_EQ(input_gradient.shape(), net.input_shape());

  if (options.input) {
    check_entries("input gradient", input_gradient, input.size(), [&](int64_t i, float h) {
      Tensor shifted = input;
      shifted[i] += h;
      return loss(net, shifted, r);
    });
  }
  if (options.parameters) {
    std::vector<Parameter> parameters = net.parameters();
    std::vector<Tensor> analytic;
    for (const Parameter& p : parameters) analytic.push_back(*p.gradient);
    for (size_t k = 0; k < parameters.size(); ++k) {
      Tensor& value = *parameters[k].value;
      check_entries("gradient of " + parameters[k].name, analytic[k], value.size(), [&](int64_t i, float h) {
        const float original = value[i];
        value[i] = original + h;
        net.parameters_changed();
        const double result = loss(net, input, r);
        value[i] = original;
        net.parameters_changed();
        return result;
      });
    }
  }
}

class GradientCheck : public ::testing::TestWithParam<int> {
 protected:
  // 2-D (C,H,W) or 3-D (C,D,H,W) per-sample shape with the given channels and side.
  Shape shape(int64_t channels, int64_t side) const {
    Shape s = {channels};
    s.insert(s.end(), static_cast<size_t>(GetParam()), side);
    return s;
  }
  std::string suffix() const { return std::to_string(GetParam()) + "d"; }
};

TEST_P(GradientCheck, Convolution) {
  GraphMaker g("conv" + suffix(), shape(3, 6), 1);
  std::string x = g.conv(g.input(), 4, 3, 1, 1);
  x = g.conv(x, 5, 3, 2, 1, 1, false);
  x = g.conv(x, 3, 2, 1, 1, 2);  // dilated
  check_gradients(g.finish(x));
}

TEST_P(GradientCheck, ConvolutionTranspose) {
  GraphMaker g("deconv" + suffix(), shape(3, 4), 2);
  std::string x = g.conv_transpose(g.input(), 4, 2, 2);
  x = g.conv_transpose(x, 2, 3, 2, 1, 1, false);
  check_gradients(g.finish(x));
}

TEST_P(GradientCheck, MaxPool) {
  // Directly on well-separated inputs: the argmax is stable under +-h.
  GraphMaker g("maxpool" + suffix(), shape(3, 6), 3);
  std::string x = g.pool("MaxPool", g.input(), 2, 2);
  x = g.pool("MaxPool", x, 3, 1, 1);
  CheckOptions options;
  options.input_values = separated_tensor(Network(g.finish(x), 2).input_shape(), 5, 0.05f);
  check_gradients(g.finish(x), options);
}

TEST_P(GradientCheck, AveragePoolingAndGlobalAverage) {
  GraphMaker g("avgpool" + suffix(), shape(3, 7), 4);
  std::string x = g.conv(g.input(), 4, 1);
  x = g.pool("AveragePool", x, 3, 2, 1);  // padding excluded from the count
  x = g.global_average_pool(x);
  check_gradients(g.finish(x));
}

TEST_P(GradientCheck, BatchNormalizationTraining) {
  GraphMaker g("bn" + suffix(), shape(3, 5), 5);
  std::string x = g.conv(g.input(), 4, 3, 1, 1);
  x = g.batchnorm(x);
  x = g.unary("Tanh", x);
  check_gradients(g.finish(x));
}

TEST_P(GradientCheck, SmoothActivationsAndSoftmax) {
  GraphMaker g("act" + suffix(), shape(3, 5), 6);
  std::string x = g.conv(g.input(), 4, 3, 1, 1);
  x = g.unary("Sigmoid", x);
  x = g.conv(x, 4, 1);
  x = g.unary("Tanh", x);
  x = g.conv(x, 3, 1);
  x = g.softmax(x);
  check_gradients(g.finish(x));
}

TEST_P(GradientCheck, ReluAndLeakyReluAwayFromZero) {
  GraphMaker g("relu" + suffix(), shape(3, 4), 7);
  std::string a = g.unary("Relu", g.input());
  std::string b = g.unary("LeakyRelu", g.input(), 0.3);
  CheckOptions options;
  options.input_values = separated_tensor(Network(g.finish(g.concat({a, b})), 2).input_shape(), 9, 0.05f);
  check_gradients(g.finish(g.concat({a, b})), options);
}

TEST_P(GradientCheck, Dropout) {
  GraphMaker g("dropout" + suffix(), shape(3, 4), 8);
  std::string x = g.conv(g.input(), 4, 3, 1, 1);
  x = g.dropout(x, 0.5, false);
  x = g.conv(x, 4, 1);
  x = g.dropout(x, 0.3, true);
  check_gradients(g.finish(x));
}

TEST_P(GradientCheck, DenseAfterFlatten) {
  GraphMaker g("dense" + suffix(), shape(3, 4), 9);
  std::string x = g.conv(g.input(), 4, 3, 1, 1);
  x = g.flatten(x);  // a view: only Gemm reads it
  x = g.gemm(x, 6, true);
  x = g.unary("Tanh", x);   // fused into the Gemm as a post-op
  x = g.gemm(x, 5, false);  // W stored as (in, out)
  x = g.batchnorm(x);       // 1-D batch normalisation on (N, C)
  x = g.softmax(x);
  // Batch 2 would make 1-D batch statistics degenerate (every normalised
  // value is +-1), whose curvature finite differences cannot follow.
  CheckOptions options;
  options.batch = 6;
  check_gradients(g.finish(x), options);
}

TEST_P(GradientCheck, MaterializedFlatten) {
  GraphMaker g("flatten" + suffix(), shape(3, 3), 10);
  std::string x = g.conv(g.input(), 4, 3, 1, 1);
  x = g.flatten(x);
  x = g.unary("Sigmoid", x);  // not a Gemm: the flatten is materialized
  x = g.gemm(x, 3);
  check_gradients(g.finish(x));
}

TEST_P(GradientCheck, Resize) {
  GraphMaker g("resize" + suffix(), shape(3, 3), 11);
  std::string x = g.conv(g.input(), 4, 3, 1, 1);
  x = g.resize(x, "nearest", 2);
  x = g.conv(x, 3, 3, 1, 1);
  x = g.resize(x, "linear", 2);
  check_gradients(g.finish(x));
}

TEST_P(GradientCheck, DagWithSkipConcatAndResidualAdd) {
  // input -> a -> b -> (pool -> c -> up) ; concat(a, up) -> d ; d + a' -> out
  GraphMaker g("dag" + suffix(), shape(3, 6), 12);
  std::string a = g.unary("Tanh", g.conv(g.input(), 4, 3, 1, 1));
  std::string b = g.pool("AveragePool", a, 2, 2);
  std::string c = g.unary("Sigmoid", g.conv(b, 6, 3, 1, 1));
  std::string up = g.conv_transpose(c, 5, 2, 2);
  std::string joined = g.concat({a, up});  // 9 channels: not a multiple of the channel block
  std::string d = g.conv(joined, 4, 3, 1, 1);
  std::string residual = g.add(d, a);  // `a` feeds three nodes: gradients must be summed
  std::string out = g.conv(residual, 2, 1);
  check_gradients(g.finish(out));
}

INSTANTIATE_TEST_SUITE_P(Spatial, GradientCheck, ::testing::Values(2, 3),
                         [](const ::testing::TestParamInfo<int>& info) { return std::to_string(info.param) + "D"; });

TEST(Gradients, InputGradientOnlyWhenAsked) {
  GraphMaker g("first_layer", {3, 6, 6}, 13);
  std::string x = g.conv(g.input(), 4, 3, 1, 1);
  x = g.unary("Tanh", x);
  x = g.conv(x, 2, 3, 1, 1);
  Network net(g.finish(x), 2);
  const Tensor input = random_tensor(net.input_shape(), 1);
  const Tensor r = random_tensor(net.output_shape(), 2);
  net.forward(input, Mode::training);
  EXPECT_TRUE(net.backward(r, false).empty());
  std::vector<Tensor> without;
  for (const Parameter& p : net.parameters()) without.push_back(*p.gradient);
  net.forward(input, Mode::training);
  EXPECT_FALSE(net.backward(r, true).empty());
  std::vector<Parameter> parameters = net.parameters();
  for (size_t k = 0; k < parameters.size(); ++k)
    EXPECT_EQ(max_abs_difference(without[k], *parameters[k].gradient), 0.0) << parameters[k].name;
}

}  // namespace
}  // namespace nv::test
