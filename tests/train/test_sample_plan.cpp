// The trainer's sample order: split, per-epoch shuffle, per-process batches.
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <set>

#include "trainer_plan.h"

namespace nv::training_detail {
namespace {

TEST(SamplePlan, GeneratorIsTheStandardMersenneTwister) {
  // The C++ standard fixes the 10000th output of a default-seeded mt19937_64,
  // so the shuffles below are the same with every standard library.
  std::mt19937_64 rng;
  rng.discard(9999);
  EXPECT_EQ(rng(), 9981545732273789042ull);
}

TEST(SamplePlan, BoundedRandomIsUniform) {
  std::mt19937_64 rng(1);
  std::vector<int> counts(6, 0);
  const int draws = 60000;
  for (int i = 0; i < draws; ++i) ++counts[bounded_random(rng, 6)];
  double chi_square = 0;
  for (int c : counts) chi_square += (c - draws / 6.0) * (c - draws / 6.0) / (draws / 6.0);
  EXPECT_LT(chi_square, 20.5) << "chi-square with 5 degrees of freedom, p = 0.001";
  EXPECT_EQ(bounded_random(rng, 1), 0u);
  EXPECT_THROW(bounded_random(rng, 0), std::invalid_argument);
}

TEST(SamplePlan, SplitIsADeterministicPartition) {
  const SampleSplit a = split_samples(50, 0.2, 7), b = split_samples(50, 0.2, 7), c = split_samples(50, 0.2, 8);
  EXPECT_EQ(a.validation.size(), 10u);
  EXPECT_EQ(a.train.size(), 40u);
  EXPECT_EQ(a.validation, b.validation);
  EXPECT_NE(a.validation, c.validation);
  std::vector<int64_t> all = a.train;
  all.insert(all.end(), a.validation.begin(), a.validation.end());
  std::sort(all.begin(), all.end());
  std::vector<int64_t> expected(50);
  std::iota(expected.begin(), expected.end(), 0);
  EXPECT_EQ(all, expected);
  // A positive fraction keeps at least one sample on each side.
  EXPECT_EQ(split_samples(3, 0.01, 1).validation.size(), 1u);
  EXPECT_EQ(split_samples(3, 0.9, 1).train.size(), 1u);
  EXPECT_EQ(split_samples(1, 0.5, 1).validation.size(), 0u);
  EXPECT_EQ(split_samples(10, 0, 1).train.size(), 10u);
  EXPECT_THROW(split_samples(10, 1.0, 1), std::invalid_argument);
}

TEST(SamplePlan, EpochOrdersArePermutationsThatChangeEveryEpoch) {
  const SampleSplit split = split_samples(40, 0.25, 3);
  const auto epoch0 = local_epoch_order(split.train, 3, 0, 0, 40);
  const auto epoch1 = local_epoch_order(split.train, 3, 1, 0, 40);
  EXPECT_EQ(epoch0, local_epoch_order(split.train, 3, 0, 0, 40));
  EXPECT_NE(epoch0, epoch1);
  std::vector<int64_t> sorted = epoch0;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(sorted, split.train);
  // Two processes holding [0, 15) and [15, 40) see the same order, filtered.
  const auto first = local_epoch_order(split.train, 3, 1, 0, 15);
  const auto second = local_epoch_order(split.train, 3, 1, 15, 25);
  std::vector<int64_t> expected_first, expected_second;
  for (int64_t g : epoch1) (g < 15 ? expected_first : expected_second).push_back(g < 15 ? g : g - 15);
  EXPECT_EQ(first, expected_first);
  EXPECT_EQ(second, expected_second);
}

TEST(SamplePlan, LocalBatchesSplitTheGlobalBatch) {
  EXPECT_EQ(local_batch_size(8, 40, 40), 8);  // one process
  EXPECT_EQ(local_batch_size(8, 20, 40), 4);  // equal halves
  EXPECT_EQ(local_batch_size(8, 13, 30), 4);  // ceil(8 * 13 / 30)
  EXPECT_EQ(local_batch_size(8, 0, 30), 0);   // no local samples
  EXPECT_EQ(local_batch_size(64, 5, 10), 5);  // never more than the local samples
  EXPECT_EQ(local_batch_size(1, 1, 100), 1);  // at least one
  EXPECT_THROW(local_batch_size(0, 1, 1), std::invalid_argument);
}

}  // namespace
}  // namespace nv::training_detail
