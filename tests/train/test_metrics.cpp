// Metrics against scikit-learn: roc_curve, roc_auc_score, confusion_matrix,
// jaccard_score per class, accuracy_score, mean_absolute_error per output.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <thread>

#include "neuralview/metrics.h"
#include "train_test_support.h"

namespace nv {
namespace {

using nlohmann::json;

constexpr int64_t kClasses = 4;  // class 3 never occurs: its IoU is undefined

struct MetricsData {
  // Binary scores with many ties (two decimals) and a weak signal.
  std::vector<double> scores;
  std::vector<int> labels;
  // Multi-class truth and predictions over classes 0..2 of 4.
  std::vector<int64_t> truth, predicted;
  Tensor regression_truth, regression_prediction;
};

MetricsData make_data() {
  MetricsData d;
  std::mt19937_64 rng(424242);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  for (int i = 0; i < 300; ++i) {
    const int label = uniform(rng) < 0.4 ? 1 : 0;
    const double score = std::round(std::min(1.0, std::max(0.0, 0.35 * label + 0.65 * uniform(rng))) * 100) / 100;
    d.labels.push_back(label);
    d.scores.push_back(score);
  }
  std::uniform_int_distribution<int64_t> cls(0, 2);
  for (int i = 0; i < 500; ++i) {
    const int64_t t = cls(rng);
    d.truth.push_back(t);
    d.predicted.push_back(uniform(rng) < 0.6 ? t : cls(rng));
  }
  d.regression_truth = test::random_tensor({50, 3}, rng);
  d.regression_prediction = test::random_tensor({50, 3}, rng);
  return d;
}

// Logits whose arg-max is `predicted` (N, K).
Tensor logits_for(const std::vector<int64_t>& predicted, std::mt19937_64& rng) {
  const int64_t n = static_cast<int64_t>(predicted.size());
  Tensor logits = test::random_tensor({n, kClasses}, rng, -1, 0.9f);
  for (int64_t i = 0; i < n; ++i) logits[i * kClasses + predicted[static_cast<size_t>(i)]] = 1.0f;
  return logits;
}

class MetricsOracle : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!test::oracle_available()) return;
    const MetricsData d = make_data();
    json request{{"metrics", json::array()}};
    for (bool drop : {true, false})
      request["metrics"].push_back({{"scores", d.scores}, {"labels", d.labels}, {"drop_intermediate", drop}});
    auto rows = [](const Tensor& t) {
      json array = json::array();
      for (int64_t i = 0; i < t.dim(0); ++i)
        array.push_back(std::vector<float>(t.values().begin() + i * t.dim(1), t.values().begin() + (i + 1) * t.dim(1)));
      return array;
    };
    request["metrics"].push_back({{"truth", d.truth},
                                  {"predicted", d.predicted},
                                  {"classes", kClasses},
                                  {"regression_truth", rows(d.regression_truth)},
                                  {"regression_prediction", rows(d.regression_prediction)}});
    reply_ = test::run_oracle(request)["metrics"];
  }
  void SetUp() override {
    if (!test::oracle_available()) GTEST_SKIP() << "oracle python with sklearn not found";
  }
  static json reply_;
};
json MetricsOracle::reply_;

// Rates are ratios of the same integer counts on both sides: they agree to
// the last bit, so 1e-12 only allows for a different division order.
TEST_F(MetricsOracle, RocCurveAndAucMatchSklearn) {
  const MetricsData d = make_data();
  for (int variant = 0; variant < 2; ++variant) {
    const bool drop = variant == 0;
    SCOPED_TRACE(drop ? "drop_intermediate" : "all thresholds");
    const json& expected = reply_[variant];
    const RocCurve curve = roc_curve(d.scores, d.labels, drop);
    const auto fpr = test::doubles(expected["fpr"]), tpr = test::doubles(expected["tpr"]),
               thresholds = test::doubles(expected["thresholds"]);
    ASSERT_EQ(curve.false_positive_rate.size(), fpr.size());
    for (size_t i = 0; i < fpr.size(); ++i) {
      EXPECT_NEAR(curve.false_positive_rate[i], fpr[i], 1e-12) << i;
      EXPECT_NEAR(curve.true_positive_rate[i], tpr[i], 1e-12) << i;
    }
    // sklearn 1.2 puts max(score) + 1 first (newer versions +inf, like us).
    EXPECT_TRUE(std::isinf(curve.thresholds[0]));
    for (size_t i = 1; i < thresholds.size(); ++i) EXPECT_EQ(curve.thresholds[i], thresholds[i]) << i;
    EXPECT_NEAR(roc_auc(d.scores, d.labels), expected["auc"].get<double>(), 1e-12);
  }
}

// Scores on a 0.01 grid fall in distinct bins, and tied scores share a bin,
// so the histogram AUC equals the exact one.
TEST_F(MetricsOracle, HistogramAucMatchesSklearnForGriddedScores) {
  const MetricsData d = make_data();
  ScoreHistogram histogram;
  for (size_t i = 0; i < d.scores.size(); ++i) histogram.add(d.scores[i], d.labels[i] == 1);
  EXPECT_NEAR(histogram.auc(), reply_[0]["auc"].get<double>(), 1e-12);
}

TEST_F(MetricsOracle, ConfusionAccuracyIouAndMaeMatchSklearn) {
  const MetricsData d = make_data();
  const json& expected = reply_[2];
  std::mt19937_64 rng(5);
  ConfusionMatrix confusion(kClasses);
  Tensor target({static_cast<int64_t>(d.truth.size())});
  for (size_t i = 0; i < d.truth.size(); ++i) target[static_cast<int64_t>(i)] = static_cast<float>(d.truth[i]);
  confusion.add_predictions(logits_for(d.predicted, rng), target);
  const auto counts = test::doubles(expected["confusion"]);
  ASSERT_EQ(confusion.counts().size(), counts.size());
  for (size_t i = 0; i < counts.size(); ++i) EXPECT_EQ(confusion.counts()[i], counts[i]) << i;
  EXPECT_NEAR(confusion.accuracy(), expected["accuracy"].get<double>(), 1e-12);

  const auto jaccard = test::doubles(expected["jaccard"]);
  const auto iou = confusion.class_iou();
  double mean = 0;
  for (int64_t k = 0; k < 3; ++k) {
    EXPECT_NEAR(iou[static_cast<size_t>(k)], jaccard[static_cast<size_t>(k)], 1e-12) << "class " << k;
    mean += jaccard[static_cast<size_t>(k)] / 3;
  }
  EXPECT_TRUE(std::isnan(iou[3])) << "a class absent from truth and prediction has no IoU";
  EXPECT_NEAR(confusion.mean_iou(), mean, 1e-12) << "the mean skips the undefined class";

  const auto mae = test::doubles(expected["mae"]);
  const auto ours = mean_absolute_error(d.regression_prediction, d.regression_truth);
  ASSERT_EQ(ours.size(), mae.size());
  for (size_t i = 0; i < mae.size(); ++i) EXPECT_NEAR(ours[i], mae[i], 1e-6 * mae[i]) << "output " << i;
}

TEST(Metrics, SegmentationMapsSkipTheIgnoreLabel) {
  // (N=1, K=2, H=1, W=4) scores; the target ignores position 2.
  const Tensor scores({1, 2, 1, 4}, std::vector<float>{0.9f, 0.1f, 0.2f, 0.4f,  //
                                                       0.1f, 0.8f, 0.7f, 0.6f});
  const Tensor target({1, 1, 4}, std::vector<float>{0, 1, 255, 0});
  ConfusionMatrix confusion(2);
  confusion.add_predictions(scores, target, 255);
  EXPECT_EQ(confusion.total(), 3);
  EXPECT_EQ(confusion.count(0, 0), 1);
  EXPECT_EQ(confusion.count(1, 1), 1);
  EXPECT_EQ(confusion.count(0, 1), 1);
  EXPECT_NEAR(confusion.class_iou()[0], 0.5, 1e-15);
  EXPECT_NEAR(confusion.class_iou()[1], 0.5, 1e-15);
  EXPECT_THROW(confusion.add_predictions(scores, Tensor({1, 1, 4}, 5.0f)), std::invalid_argument);
  EXPECT_THROW(confusion.add_predictions(scores, Tensor({1, 1, 3})), std::invalid_argument);
}

TEST(Metrics, SingleLogitBinaryPredictions) {
  ConfusionMatrix confusion(2);
  confusion.add_predictions(Tensor({3, 1}, std::vector<float>{2.0f, -1.0f, 0.5f}),
                            Tensor({3}, std::vector<float>{1, 0, 0}));
  EXPECT_EQ(confusion.count(1, 1), 1);
  EXPECT_EQ(confusion.count(0, 0), 1);
  EXPECT_EQ(confusion.count(0, 1), 1);
}

TEST(Metrics, DegenerateInputs) {
  EXPECT_TRUE(std::isnan(roc_auc({0.1, 0.2}, {1, 1})));
  EXPECT_THROW(roc_auc({0.1}, {2}), std::invalid_argument);
  EXPECT_THROW(roc_curve({0.1, 0.2}, {1}), std::invalid_argument);
  EXPECT_TRUE(std::isnan(ConfusionMatrix(3).accuracy()));
  EXPECT_TRUE(std::isnan(ConfusionMatrix(3).mean_iou()));
  EXPECT_THROW(ConfusionMatrix(0), std::invalid_argument);
}

TEST(Metrics, AccumulatorsReduceAcrossThreads) {
  test::ThreadGroup group(3);
  std::vector<ConfusionMatrix> matrices(3, ConfusionMatrix(2));
  std::vector<std::thread> threads;
  for (int r = 0; r < 3; ++r)
    threads.emplace_back([&, r] {
      matrices[static_cast<size_t>(r)].add(r % 2, 1, r + 1.0);
      matrices[static_cast<size_t>(r)].reduce(group.member(r));
    });
  for (auto& t : threads) t.join();
  for (const auto& m : matrices) {
    EXPECT_EQ(m.count(0, 1), 1 + 3);
    EXPECT_EQ(m.count(1, 1), 2);
  }
}

}  // namespace
}  // namespace nv
