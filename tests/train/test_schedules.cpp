// Learning-rate schedules against torch.optim.lr_scheduler: StepLR,
// CosineAnnealingLR, LinearLR warm-up, and warm-up composed through SequentialLR.
#include <gtest/gtest.h>

#include <cmath>

#include "neuralview/schedule.h"
#include "train_test_support.h"

namespace nv {
namespace {

using nlohmann::json;

struct ScheduleCase {
  ScheduleOptions options;
  int64_t epochs = 12;
};

std::vector<ScheduleCase> make_cases() {
  std::vector<ScheduleCase> cases;
  auto add = [&](std::string kind, int64_t warmup, int64_t epochs) {
    ScheduleCase c;
    c.options.kind = std::move(kind);
    c.options.base_learning_rate = 0.1;
    c.options.warmup = warmup;
    c.options.step_size = 3;
    c.options.gamma = 0.5;
    c.options.period = epochs - warmup;
    c.options.minimum_learning_rate = 1e-3;
    c.epochs = epochs;
    cases.push_back(c);
  };
  add("constant", 0, 6);
  add("step", 0, 12);
  add("cosine", 0, 10);
  add("constant", 3, 8);  // warm-up alone: torch LinearLR
  add("step", 2, 12);     // warm-up, then StepLR (SequentialLR)
  add("cosine", 3, 10);   // warm-up, then CosineAnnealingLR (SequentialLR)
  return cases;
}

class ScheduleOracle : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!test::oracle_available()) return;
    json request{{"schedules", json::array()}};
    for (const ScheduleCase& c : make_cases())
      request["schedules"].push_back({{"kind", c.options.kind},
                                      {"base", c.options.base_learning_rate},
                                      {"warmup", c.options.warmup},
                                      {"warmup_only", c.options.kind == "constant"},
                                      {"step_size", c.options.step_size},
                                      {"gamma", c.options.gamma},
                                      {"period", c.options.period},
                                      {"minimum", c.options.minimum_learning_rate},
                                      {"epochs", c.epochs}});
    reply_ = test::run_oracle(request)["schedules"];
  }
  void SetUp() override {
    if (!test::oracle_available()) GTEST_SKIP() << "oracle python with torch not found";
  }
  static json reply_;
};
json ScheduleOracle::reply_;

// torch updates the cosine rate recursively, which accumulates rounding;
// 1e-9 relative is far above that and far below any real discrepancy.
TEST_F(ScheduleOracle, RatesMatchTorchSchedulers) {
  const auto cases = make_cases();
  ASSERT_EQ(reply_.size(), cases.size());
  for (size_t i = 0; i < cases.size(); ++i) {
    const ScheduleCase& c = cases[i];
    SCOPED_TRACE("case " + std::to_string(i) + ": " + c.options.kind + " warm-up " + std::to_string(c.options.warmup));
    const auto schedule = make_schedule(c.options);
    const std::vector<double> rates = test::doubles(reply_[i]["rates"]);
    ASSERT_EQ(static_cast<int64_t>(rates.size()), c.epochs);
    for (int64_t e = 0; e < c.epochs; ++e)
      EXPECT_LT(test::relative_error(schedule->learning_rate_at(e), rates[static_cast<size_t>(e)], 1e-12), 1e-9)
          << "epoch " << e << ": " << schedule->learning_rate_at(e) << " vs " << rates[static_cast<size_t>(e)];
  }
}

TEST(Schedules, CosineStaysAtItsMinimumAfterThePeriod) {
  const CosineSchedule cosine(0.1, 4, 0.01);
  EXPECT_DOUBLE_EQ(cosine.learning_rate_at(0), 0.1);
  EXPECT_DOUBLE_EQ(cosine.learning_rate_at(4), 0.01);
  EXPECT_DOUBLE_EQ(cosine.learning_rate_at(40), 0.01);
}

TEST(Schedules, RejectBadParameters) {
  ScheduleOptions o;
  o.kind = "exponential";
  EXPECT_THROW(make_schedule(o), std::invalid_argument);
  o.kind = "step";
  o.step_size = 0;
  EXPECT_THROW(make_schedule(o), std::invalid_argument);
  o.kind = "cosine";
  o.period = 0;
  EXPECT_THROW(make_schedule(o), std::invalid_argument);
  o.kind = "constant";
  o.warmup = -1;
  EXPECT_THROW(make_schedule(o), std::invalid_argument);
  EXPECT_THROW(ConstantSchedule(-0.1), std::invalid_argument);
  EXPECT_THROW(StepDecaySchedule(0.1, 2, 0.5).learning_rate_at(-1), std::invalid_argument);
}

}  // namespace
}  // namespace nv
