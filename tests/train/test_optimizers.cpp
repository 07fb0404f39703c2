// Optimizers: several steps against torch.optim on the same tensors and
// gradients, weight-decay exclusion, state save/restore, bad input.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "neuralview/optimizer.h"
#include "train_test_support.h"

namespace nv {
namespace {

using nlohmann::json;

constexpr int kSteps = 6;

struct OptimizerCase {
  OptimizerOptions options;
  bool varying_learning_rate = false;
};

std::vector<OptimizerCase> make_cases() {
  std::vector<OptimizerCase> cases;
  auto add = [&](std::string kind, double lr, double decay, double momentum, bool nesterov, bool varying) {
    OptimizerCase c;
    c.options.kind = std::move(kind);
    c.options.learning_rate = lr;
    c.options.weight_decay = decay;
    c.options.momentum = momentum;
    c.options.nesterov = nesterov;
    c.varying_learning_rate = varying;
    cases.push_back(c);
  };
  add("sgd", 0.1, 0.01, 0.0, false, false);
  add("sgd", 0.05, 1e-3, 0.9, false, false);
  add("sgd", 0.05, 0.0, 0.9, true, true);
  add("adam", 1e-2, 0.0, 0, false, false);
  add("adam", 3e-2, 0.01, 0, false, true);
  add("adamw", 1e-2, 0.05, 0, false, false);
  return cases;
}

// Two parameters: a decayed weight and a bias excluded from weight decay.
struct ParameterSet {
  Tensor weight, weight_gradient, bias, bias_gradient;
  std::vector<std::vector<float>> weight_gradients, bias_gradients;  // per step

  std::vector<Parameter> parameters() {
    return {Parameter{"layer.weight", &weight, &weight_gradient, true},
            Parameter{"layer.bias", &bias, &bias_gradient, false}};
  }
  void load_gradients(int step) {
    weight_gradient.values() = weight_gradients[static_cast<size_t>(step)];
    bias_gradient.values() = bias_gradients[static_cast<size_t>(step)];
  }
};

ParameterSet make_parameters(uint64_t seed) {
  std::mt19937_64 rng(seed);
  ParameterSet set;
  set.weight = test::random_tensor({3, 4}, rng);
  set.bias = test::random_tensor({4}, rng);
  set.weight_gradient = Tensor({3, 4});
  set.bias_gradient = Tensor({4});
  for (int s = 0; s < kSteps; ++s) {
    set.weight_gradients.push_back(test::random_tensor({3, 4}, rng, -0.5f, 0.5f).values());
    set.bias_gradients.push_back(test::random_tensor({4}, rng, -0.5f, 0.5f).values());
  }
  return set;
}

double learning_rate_at(const OptimizerCase& c, int step) {
  return c.varying_learning_rate ? c.options.learning_rate * (1.0 + 0.5 * std::sin(step)) : c.options.learning_rate;
}

class OptimizerOracle : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!test::oracle_available()) return;
    json request{{"optimizers", json::array()}};
    const auto cases = make_cases();
    for (size_t i = 0; i < cases.size(); ++i) {
      const OptimizerCase& c = cases[i];
      ParameterSet set = make_parameters(100 + i);
      json rates = json::array();
      for (int s = 0; s < kSteps; ++s) rates.push_back(learning_rate_at(c, s));
      request["optimizers"].push_back(
          {{"kind", c.options.kind},
           {"learning_rate", c.options.learning_rate},
           {"learning_rates", rates},
           {"weight_decay", c.options.weight_decay},
           {"momentum", c.options.momentum},
           {"nesterov", c.options.nesterov},
           {"beta1", c.options.beta1},
           {"beta2", c.options.beta2},
           {"epsilon", c.options.epsilon},
           {"steps", kSteps},
           {"parameters",
            {{{"values", set.weight.values()}, {"gradients", set.weight_gradients}, {"decay", true}},
             {{"values", set.bias.values()}, {"gradients", set.bias_gradients}, {"decay", false}}}}});
    }
    reply_ = test::run_oracle(request)["optimizers"];
  }
  void SetUp() override {
    if (!test::oracle_available()) GTEST_SKIP() << "oracle python with torch not found";
  }
  static json reply_;
};
json OptimizerOracle::reply_;

// Both sides run in float32; they may differ by fused multiply-adds and
// operation order, a few ulp per step, far inside 1e-6 relative.
TEST_F(OptimizerOracle, StepsMatchTorchOptim) {
  const auto cases = make_cases();
  ASSERT_EQ(reply_.size(), cases.size());
  for (size_t i = 0; i < cases.size(); ++i) {
    const OptimizerCase& c = cases[i];
    SCOPED_TRACE("case " + std::to_string(i) + ": " + c.options.kind);
    ParameterSet set = make_parameters(100 + i);
    auto optimizer = make_optimizer(c.options);
    for (int s = 0; s < kSteps; ++s) {
      optimizer->set_learning_rate(learning_rate_at(c, s));
      set.load_gradients(s);
      optimizer->step(set.parameters());
    }
    EXPECT_EQ(optimizer->step_count(), kSteps);
    const std::vector<double> weight = test::doubles(reply_[i]["values"][0]);
    const std::vector<double> bias = test::doubles(reply_[i]["values"][1]);
    for (size_t j = 0; j < weight.size(); ++j)
      EXPECT_LE(std::fabs(set.weight[static_cast<int64_t>(j)] - weight[j]), 1e-6 * std::max(std::fabs(weight[j]), 1.0))
          << "weight " << j;
    for (size_t j = 0; j < bias.size(); ++j)
      EXPECT_LE(std::fabs(set.bias[static_cast<int64_t>(j)] - bias[j]), 1e-6 * std::max(std::fabs(bias[j]), 1.0))
          << "bias " << j;
  }
}

TEST(Optimizers, RestoredStateContinuesBitIdentically) {
  for (const OptimizerCase& c : make_cases()) {
    SCOPED_TRACE(c.options.kind);
    ParameterSet straight = make_parameters(7), resumed = make_parameters(7);
    auto first = make_optimizer(c.options);
    for (int s = 0; s < kSteps; ++s) {
      straight.load_gradients(s);
      first->step(straight.parameters());
    }
    auto before = make_optimizer(c.options);
    for (int s = 0; s < 3; ++s) {
      resumed.load_gradients(s);
      before->step(resumed.parameters());
    }
    const OptimizerState state = before->state();
    auto after = make_optimizer(c.options);
    after->restore(state);
    for (int s = 3; s < kSteps; ++s) {
      resumed.load_gradients(s);
      after->step(resumed.parameters());
    }
    EXPECT_EQ(straight.weight.values(), resumed.weight.values());
    EXPECT_EQ(straight.bias.values(), resumed.bias.values());
  }
}

TEST(Optimizers, BiasWithoutWeightDecayIsUntouchedByDecayAlone) {
  // Zero gradients: only weight decay moves parameters; the bias must stay.
  for (std::string kind : {"sgd", "adam", "adamw"}) {
    ParameterSet set = make_parameters(3);
    OptimizerOptions o;
    o.kind = kind;
    o.weight_decay = 0.1;
    o.learning_rate = 0.1;
    auto optimizer = make_optimizer(o);
    const std::vector<float> bias = set.bias.values(), weight = set.weight.values();
    set.weight_gradient.values().assign(12, 0.0f);
    set.bias_gradient.values().assign(4, 0.0f);
    optimizer->step(set.parameters());
    EXPECT_EQ(set.bias.values(), bias) << kind;
    EXPECT_NE(set.weight.values(), weight) << kind;
  }
}

TEST(Optimizers, RejectsBadInput) {
  OptimizerOptions o;
  o.kind = "rmsprop";
  EXPECT_THROW(make_optimizer(o), std::invalid_argument);
  o.kind = "adam";
  o.learning_rate = -1;
  EXPECT_THROW(make_optimizer(o), std::invalid_argument);
  o.learning_rate = 1e-3;
  auto adam = make_optimizer(o);
  EXPECT_THROW(adam->set_learning_rate(NAN), std::invalid_argument);
  // State of another optimizer kind.
  o.kind = "sgd";
  auto sgd = make_optimizer(o);
  EXPECT_THROW(adam->restore(sgd->state()), std::invalid_argument);
  // A parameter whose size changed after the state was made.
  ParameterSet set = make_parameters(1);
  set.load_gradients(0);
  adam->step(set.parameters());
  Tensor small({2}), small_gradient({2});
  EXPECT_THROW(adam->step({Parameter{"layer.weight", &small, &small_gradient, true}}), std::invalid_argument);
  EXPECT_THROW(adam->step({Parameter{"orphan", &small, nullptr, true}}), std::invalid_argument);
}

}  // namespace
}  // namespace nv
