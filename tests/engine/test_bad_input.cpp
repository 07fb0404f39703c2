// Bad input gives std::invalid_argument (or std::runtime_error for a wrong
// call order) naming the problem, never a crash.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <limits>

#include "engine_test_graphs.h"
#include "neuralview/network.h"

namespace nv::test {
namespace {

using ::testing::HasSubstr;

GraphSpec small_net() {
  GraphMaker g("small", {3, 8, 8}, 1);
  std::string x = g.unary("Relu", g.conv(g.input(), 4, 3, 1, 1));
  return g.finish(g.gemm(g.flatten(x), 2));
}

template <typename Exception, typename F>
std::string message_of(F&& f) {
  try {
    f();
  } catch (const Exception& e) {
    return e.what();
  }
  ADD_FAILURE() << "no exception";
  return {};
}

TEST(BadInput, WrongChannelCountSaysExpectedAndGot) {
  Network net(small_net(), 2);
  const std::string message = message_of<std::invalid_argument>([&] {
    net.forward(Tensor({2, 4, 8, 8}), Mode::inference);
  });
  EXPECT_THAT(message, HasSubstr("expected 3 channels, got 4"));
  EXPECT_THAT(message, HasSubstr("(2, 3, 8, 8)"));
}

TEST(BadInput, WrongBatchAndRank) {
  Network net(small_net(), 2);
  EXPECT_THAT(message_of<std::invalid_argument>([&] {
                net.forward(Tensor({5, 3, 8, 8}));
              }),
              HasSubstr("built for batch 2"));
  EXPECT_THAT(message_of<std::invalid_argument>([&] {
                net.forward(Tensor({2, 3, 8}));
              }),
              HasSubstr("expects (2, 3, 8, 8)"));
}

TEST(BadInput, NonFiniteInputAndGradient) {
  Network net(small_net(), 2);
  Tensor input = random_tensor(net.input_shape(), 1);
  input[7] = std::numeric_limits<float>::quiet_NaN();
  EXPECT_THAT(message_of<std::invalid_argument>([&] { net.forward(input, Mode::training); }), HasSubstr("NaN"));
  input[7] = std::numeric_limits<float>::infinity();
  EXPECT_THAT(message_of<std::invalid_argument>([&] { net.forward(input); }), HasSubstr("infinite"));
  input[7] = 0.0f;
  net.forward(input, Mode::training);
  Tensor gradient(net.output_shape());
  gradient[0] = std::numeric_limits<float>::quiet_NaN();
  EXPECT_THAT(message_of<std::invalid_argument>([&] { net.backward(gradient); }),
              HasSubstr("output gradient contains NaN"));
}

TEST(BadInput, AbsurdSizeIsRefusedBeforeAllocating) {
  GraphMaker g("huge", {3, 60000, 60000}, 1);
  GraphSpec spec = g.finish(g.unary("Relu", g.input()));
  const std::string message = message_of<std::invalid_argument>([&] { Network net(spec, 64); });
  EXPECT_THAT(message, HasSubstr("more than the machine's"));
  EXPECT_THAT(message, HasSubstr("batch 64"));
}

TEST(BadInput, BadBatchAndPrecision) {
  EXPECT_THAT(message_of<std::invalid_argument>([&] { Network net(small_net(), 0); }),
              HasSubstr("batch size must be positive"));
  EXPECT_THAT(message_of<std::invalid_argument>([&] { precision_from_string("fp16"); }),
              HasSubstr("unknown precision 'fp16'"));
}

TEST(BadInput, WeightShapeMismatchNamesTheWeight) {
  GraphSpec spec = small_net();
  spec.weights.at(spec.nodes[0].inputs[1]) = Tensor({4, 5, 3, 3});
  const std::string message = message_of<std::invalid_argument>([&] { Network net(spec, 2); });
  EXPECT_THAT(message, HasSubstr("input has 3 channels"));
  EXPECT_THAT(message, HasSubstr(spec.nodes[0].inputs[1]));
}

TEST(BadInput, UnsupportedAttributes) {
  {
    GraphMaker g("ceil", {3, 8, 8}, 1);
    GraphSpec spec = g.finish(g.pool("MaxPool", g.input(), 2, 2));
    spec.nodes[0].attributes["ceil_mode"] = int64_t{1};
    EXPECT_THAT(message_of<std::invalid_argument>([&] { Network net(spec, 1); }), HasSubstr("ceil_mode=1"));
  }
  {
    GraphMaker g("softmax", {3, 8, 8}, 1);
    GraphSpec spec = g.finish(g.softmax(g.input()));
    spec.nodes[0].attributes["axis"] = int64_t{2};
    EXPECT_THAT(message_of<std::invalid_argument>([&] { Network net(spec, 1); }), HasSubstr("channel axis"));
  }
  {
    GraphSpec spec = small_net();
    spec.nodes.back().attributes["transA"] = int64_t{1};
    EXPECT_THAT(message_of<std::invalid_argument>([&] { Network net(spec, 1); }), HasSubstr("transA=1"));
  }
  {
    GraphMaker g("gemm4d", {3, 8, 8}, 1);
    GraphSpec spec = g.finish(g.gemm(g.input(), 2));
    EXPECT_THAT(message_of<std::invalid_argument>([&] { Network net(spec, 1); }), HasSubstr("add a Flatten"));
  }
}

TEST(BadInput, TiedWeightsAreRefused) {
  GraphMaker g("tied", {3, 8, 8}, 1);
  std::string a = g.conv(g.input(), 3, 3, 1, 1);
  GraphSpec spec = g.finish(g.conv(a, 3, 3, 1, 1));
  spec.nodes[1].inputs[1] = spec.nodes[0].inputs[1];
  EXPECT_THAT(message_of<std::invalid_argument>([&] { Network net(spec, 1); }), HasSubstr("tied weights"));
}

TEST(BadInput, WrongCallOrderAndUnknownTensor) {
  Network net(small_net(), 2);
  EXPECT_THAT(message_of<std::runtime_error>([&] { net.backward(Tensor(net.output_shape())); }),
              HasSubstr("needs a preceding forward"));
  net.forward(random_tensor(net.input_shape(), 2));
  EXPECT_THAT(message_of<std::invalid_argument>([&] { net.activation("nope"); }), HasSubstr("no tensor named 'nope'"));
}

TEST(BadInput, ResizedParameterIsRejected) {
  Network net(small_net(), 2);
  std::vector<Parameter> parameters = net.parameters();
  *parameters[0].value = Tensor(Shape{1});
  EXPECT_THAT(message_of<std::invalid_argument>([&] { net.forward(random_tensor(net.input_shape(), 3)); }),
              HasSubstr("must be edited in place"));
}

}  // namespace
}  // namespace nv::test
