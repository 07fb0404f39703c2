// Losses: values and gradients against PyTorch (float64 reference from the
// same float32 inputs), finite differences, the additive form used across
// processes, and bad input.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "neuralview/loss.h"
#include "train_test_support.h"

namespace nv {
namespace {

using nlohmann::json;

struct LossCase {
  std::string name;
  LossOptions options;
  Tensor prediction, target;
};

LossCase loss_case(std::string name, Tensor prediction, Tensor target, LossOptions options = LossOptions()) {
  LossCase c;
  c.name = std::move(name);
  c.options = std::move(options);
  c.prediction = std::move(prediction);
  c.target = std::move(target);
  return c;
}

std::vector<LossCase> make_cases() {
  std::mt19937_64 rng(20240611);
  std::vector<LossCase> cases;
  // Classification logits (N, K) with ids (N).
  cases.push_back(
      loss_case("cross_entropy", test::random_tensor({6, 4}, rng, -3, 3), test::random_labels({6}, 4, rng)));
  // Segmentation with class weights and an ignore label.
  {
    LossOptions o;
    o.class_weights = {0.2, 1.5, 3.0};
    o.ignore_label = 255;
    Tensor target = test::random_labels({2, 4, 5}, 3, rng);
    for (int64_t i = 0; i < target.size(); i += 3) target[i] = 255;
    cases.push_back(loss_case("cross_entropy", test::random_tensor({2, 3, 4, 5}, rng, -2, 2), target, o));
  }
  // (N, 1, H, W) targets and a 3-D volume.
  cases.push_back(
      loss_case("cross_entropy", test::random_tensor({2, 3, 3, 4}, rng), test::random_labels({2, 1, 3, 4}, 3, rng)));
  cases.push_back(
      loss_case("cross_entropy", test::random_tensor({2, 2, 3, 2, 2}, rng), test::random_labels({2, 3, 2, 2}, 2, rng)));
  // Overlap losses, with an ignore label and another smoothing.
  {
    LossOptions o;
    o.ignore_label = -1;
    Tensor target = test::random_labels({2, 5, 6}, 3, rng);
    for (int64_t i = 1; i < target.size(); i += 7) target[i] = -1;
    cases.push_back(loss_case("dice", test::random_tensor({2, 3, 5, 6}, rng, -2, 2), target, o));
    cases.push_back(loss_case("jaccard", test::random_tensor({2, 3, 5, 6}, rng, -2, 2), target, o));
    o.smooth = 0.25;
    cases.push_back(loss_case("dice", test::random_tensor({2, 3, 5, 6}, rng, -2, 2), target, o));
    cases.push_back(loss_case("jaccard", test::random_tensor({2, 3, 5, 6}, rng, -2, 2), target, o));
  }
  cases.push_back(loss_case("mse", test::random_tensor({5, 3}, rng), test::random_tensor({5, 3}, rng)));
  cases.push_back(loss_case("mae", test::random_tensor({5, 3}, rng), test::random_tensor({5, 3}, rng)));
  cases.push_back(loss_case("mse", test::random_tensor({4, 1}, rng), test::random_tensor({4}, rng)));
  cases.push_back(
      loss_case("bce_with_logits", test::random_tensor({6, 1}, rng, -4, 4), test::random_labels({6}, 2, rng)));
  cases.push_back(loss_case("bce_with_logits", test::random_tensor({3, 2, 2}, rng, -4, 4),
                            test::random_tensor({3, 2, 2}, rng, 0, 1)));
  {
    LossOptions o;
    o.class_weights = {1.0, 2.0, 0.5};
    cases.push_back(loss_case("cross_entropy+dice", test::random_tensor({2, 3, 4, 4}, rng),
                              test::random_labels({2, 4, 4}, 3, rng), o));
  }
  return cases;
}

json case_request(const LossCase& c) {
  json options{{"ignore_label", c.options.ignore_label}, {"smooth", c.options.smooth}};
  if (!c.options.class_weights.empty()) options["class_weights"] = c.options.class_weights;
  return {{"loss", c.name},
          {"options", options},
          {"prediction", test::to_json(c.prediction)},
          {"target", test::to_json(c.target)}};
}

class LossOracle : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!test::oracle_available()) return;
    cases_ = make_cases();
    json request{{"losses", json::array()}};
    for (const auto& c : cases_) request["losses"].push_back(case_request(c));
    reply_ = test::run_oracle(request)["losses"];
  }
  void SetUp() override {
    if (!test::oracle_available()) GTEST_SKIP() << "oracle python with torch not found";
  }
  static std::vector<LossCase> cases_;
  static json reply_;
};
std::vector<LossCase> LossOracle::cases_;
json LossOracle::reply_;

// The reference is the exact (float64) loss at the float32 inputs; our value
// is computed in double (1e-12 would do) and the gradient rounded to float32
// (relative 6e-8), so 1e-5 relative leaves ample margin for summation order.
TEST_F(LossOracle, ValuesAndGradientsMatchPyTorch) {
  ASSERT_EQ(reply_.size(), cases_.size());
  for (size_t i = 0; i < cases_.size(); ++i) {
    const LossCase& c = cases_[i];
    SCOPED_TRACE("case " + std::to_string(i) + ": " + c.name);
    const auto loss = make_loss(c.name, c.options);
    const LossValue result = loss->evaluate(c.prediction, c.target);
    const double expected = reply_[i]["value"].get<double>();
    EXPECT_LT(test::relative_error(result.value, expected), 1e-5) << result.value << " vs " << expected;
    const std::vector<double> gradient = test::doubles(reply_[i]["gradient"]);
    ASSERT_EQ(static_cast<int64_t>(gradient.size()), result.gradient.size());
    double largest = 0;
    for (double g : gradient) largest = std::max(largest, std::fabs(g));
    for (size_t j = 0; j < gradient.size(); ++j)
      ASSERT_LE(std::fabs(result.gradient[static_cast<int64_t>(j)] - gradient[j]),
                1e-5 * std::max(std::fabs(gradient[j]), 1e-2 * largest))
          << "gradient element " << j;
  }
}

// Central differences of the double-precision value; the step is measured
// after rounding the perturbed inputs to float, so the only errors are the
// O(h^2) truncation and double rounding.
TEST(Losses, GradientsMatchFiniteDifferences) {
  const auto cases = make_cases();
  for (size_t i = 0; i < cases.size(); ++i) {
    const LossCase& c = cases[i];
    SCOPED_TRACE("case " + std::to_string(i) + ": " + c.name);
    const auto loss = make_loss(c.name, c.options);
    const Tensor gradient = loss->evaluate(c.prediction, c.target).gradient;
    double largest = 0;
    for (float g : gradient.values()) largest = std::max(largest, std::fabs(static_cast<double>(g)));
    for (int64_t j = 0; j < c.prediction.size(); j += 1 + c.prediction.size() / 17) {
      if (c.name == "mae" && std::fabs(c.prediction[j] - c.target[j]) < 2e-3) continue;  // kink of |x|
      Tensor plus = c.prediction, minus = c.prediction;
      plus[j] += 1e-3f;
      minus[j] -= 1e-3f;
      const double step = static_cast<double>(plus[j]) - minus[j];
      const double numeric = (loss->evaluate(plus, c.target).value - loss->evaluate(minus, c.target).value) / step;
      EXPECT_NEAR(gradient[j], numeric, 1e-4 * std::max(largest, 1e-3)) << "element " << j;
    }
  }
}

// The data-parallel contract: partial sums add, and the gradient of each part
// under the summed statistics is the matching slice of the whole gradient.
TEST(Losses, PartialSumsOfHalvesReproduceTheWholeBatch) {
  const auto cases = make_cases();
  for (size_t i = 0; i < cases.size(); ++i) {
    const LossCase& c = cases[i];
    if (c.prediction.dim(0) < 2) continue;
    SCOPED_TRACE("case " + std::to_string(i) + ": " + c.name);
    const auto loss = make_loss(c.name, c.options);
    const int64_t half = c.prediction.dim(0) / 2;
    auto slice = [](const Tensor& t, int64_t begin, int64_t end) {
      Shape shape = t.shape();
      const int64_t stride = t.size() / shape[0];
      shape[0] = end - begin;
      return Tensor(shape, std::vector<float>(t.values().begin() + begin * stride, t.values().begin() + end * stride));
    };
    const int64_t n = c.prediction.dim(0);
    const Tensor p1 = slice(c.prediction, 0, half), p2 = slice(c.prediction, half, n);
    const Tensor t1 = slice(c.target, 0, half), t2 = slice(c.target, half, n);
    std::vector<double> sums = loss->partial_sums(p1, t1);
    const std::vector<double> second = loss->partial_sums(p2, t2);
    ASSERT_EQ(sums.size(), loss->statistics_size(c.prediction.dim(1)));
    for (size_t k = 0; k < sums.size(); ++k) sums[k] += second[k];
    const LossValue whole = loss->evaluate(c.prediction, c.target);
    EXPECT_NEAR(loss->value_from_sums(sums), whole.value, 1e-12 * std::max(1.0, std::fabs(whole.value)));
    const Tensor g1 = loss->gradient(p1, t1, sums), g2 = loss->gradient(p2, t2, sums);
    for (int64_t k = 0; k < g1.size(); ++k) EXPECT_FLOAT_EQ(g1[k], whole.gradient[k]);
    for (int64_t k = 0; k < g2.size(); ++k) EXPECT_FLOAT_EQ(g2[k], whole.gradient[g1.size() + k]);
  }
}

TEST(Losses, AllPositionsIgnoredGiveZeroLossAndGradient) {
  LossOptions o;
  o.ignore_label = 9;
  const auto loss = make_loss("cross_entropy", o);
  const LossValue v = loss->evaluate(Tensor({2, 3}, 0.5f), Tensor({2}, 9.0f));
  EXPECT_EQ(v.value, 0.0);
  for (float g : v.gradient.values()) EXPECT_EQ(g, 0.0f);
}

TEST(Losses, LargeLogitsStayFinite) {
  const auto ce = make_loss("cross_entropy");
  const LossValue v = ce->evaluate(Tensor({1, 2}, std::vector<float>{1000.0f, -1000.0f}), Tensor({1}, 1.0f));
  EXPECT_NEAR(v.value, 2000.0, 1e-9);
  const auto bce = make_loss("bce");
  const LossValue b =
      bce->evaluate(Tensor({2, 1}, std::vector<float>{500.0f, -500.0f}), Tensor({2}, std::vector<float>{0.0f, 1.0f}));
  EXPECT_NEAR(b.value, 500.0, 1e-9);
}

TEST(Losses, BadTargetsNameTheValue) {
  const auto ce = make_loss("cross_entropy");
  try {
    ce->evaluate(Tensor({2, 3}), Tensor({2}, std::vector<float>{0.0f, 3.0f}));
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("target value 3"), std::string::npos) << e.what();
  }
  EXPECT_THROW(ce->evaluate(Tensor({2, 3}), Tensor({2}, std::vector<float>{0.0f, 1.5f})), std::invalid_argument);
  EXPECT_THROW(ce->evaluate(Tensor({2, 3}), Tensor({2}, std::vector<float>{-1.0f, NAN})), std::invalid_argument);
  EXPECT_THROW(make_loss("dice")->evaluate(Tensor({1, 2, 2}), Tensor({1, 2}, 2.0f)), std::invalid_argument);
  EXPECT_THROW(make_loss("bce")->evaluate(Tensor({2, 1}), Tensor({2}, 2.0f)), std::invalid_argument);
  EXPECT_THROW(make_loss("mse")->evaluate(Tensor({2, 1}), Tensor({2}, NAN)), std::invalid_argument);
}

TEST(Losses, ShapeMismatchesAreExplained) {
  try {
    make_loss("cross_entropy")->evaluate(Tensor({2, 3, 4, 4}), Tensor({2, 4, 5}));
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("(2, 4, 5)"), std::string::npos) << e.what();
  }
  EXPECT_THROW(make_loss("mse")->evaluate(Tensor({2, 3}), Tensor({3, 2})), std::invalid_argument);
  EXPECT_THROW(make_loss("dice")->evaluate(Tensor({2, 1, 4}), Tensor({2, 4})), std::invalid_argument);
  LossOptions weights;
  weights.class_weights = {1.0, 2.0};
  EXPECT_THROW(make_loss("cross_entropy", weights)->evaluate(Tensor({2, 3}), Tensor({2})), std::invalid_argument);
}

TEST(Losses, FactoryKnowsNamesAndRejectsMisuse) {
  EXPECT_EQ(make_loss("CE")->name(), "cross_entropy");
  EXPECT_EQ(make_loss("l1")->name(), "mae");
  EXPECT_EQ(make_loss("cross_entropy + dice")->name(), "cross_entropy+dice");
  EXPECT_THROW(make_loss("hinge"), std::invalid_argument);
  EXPECT_THROW(make_loss("ce++dice"), std::invalid_argument);
  LossOptions weights;
  weights.class_weights = {1.0, 2.0};
  EXPECT_THROW(make_loss("mse", weights), std::invalid_argument);
  EXPECT_THROW(make_loss("dice", weights), std::invalid_argument);
  EXPECT_EQ(default_loss_for_task("segmentation"), "cross_entropy");
  EXPECT_EQ(default_loss_for_task("regression"), "mse");
  EXPECT_THROW(default_loss_for_task("clustering"), std::invalid_argument);
}

}  // namespace
}  // namespace nv
