// The trainer's sample order: split, per-epoch shuffle, and each process's
// part of every global batch.
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
  const auto epoch0 = epoch_order(split.train, 3, 0);
  const auto epoch1 = epoch_order(split.train, 3, 1);
  EXPECT_EQ(epoch0, epoch_order(split.train, 3, 0));
  EXPECT_NE(epoch0, epoch1);
  std::vector<int64_t> sorted = epoch0;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(sorted, split.train);
}

TEST(SamplePlan, StepsCoverTheTrainingSetWithAPartialLastBatch) {
  EXPECT_EQ(steps_per_epoch(40, 8), 5);
  EXPECT_EQ(steps_per_epoch(29, 8), 4);
  EXPECT_EQ(steps_per_epoch(3, 8), 1);
  EXPECT_EQ(steps_per_epoch(0, 8), 0);
  EXPECT_THROW(steps_per_epoch(10, 0), std::invalid_argument);
}

// Processes holding [bounds[r], bounds[r + 1]) of the global numbers.
std::vector<LocalSteps> steps_of_processes(const std::vector<int64_t>& order, int64_t batch,
                                           const std::vector<int64_t>& bounds) {
  std::vector<LocalSteps> result;
  for (size_t r = 0; r + 1 < bounds.size(); ++r)
    result.emplace_back(order, batch, bounds[r], bounds[r + 1] - bounds[r]);
  return result;
}

TEST(SamplePlan, ProcessesSplitEveryGlobalBatchExactly) {
  // 43 samples, 9 for validation: 34 training samples in batches of 8, so 5
  // steps, the last one of 2 samples.
  const SampleSplit split = split_samples(43, 0.2, 5);
  ASSERT_EQ(split.train.size(), 34u);
  const int64_t batch = 8;
  const auto order = epoch_order(split.train, 5, 2);
  for (const std::vector<int64_t>& bounds :
       std::vector<std::vector<int64_t>>{{0, 43}, {0, 20, 43}, {0, 5, 30, 43}, {0, 0, 43, 43}, {0, 11, 11, 43}}) {
    SCOPED_TRACE("processes " + std::to_string(bounds.size() - 1) + ", second holds from " + std::to_string(bounds[1]));
    const auto processes = steps_of_processes(order, batch, bounds);
    for (const LocalSteps& p : processes) ASSERT_EQ(p.steps(), 5);
    for (int64_t step = 0; step < 5; ++step) {
      // The global batch, reassembled from every process's part, in order.
      std::vector<int64_t> expected(order.begin() + step * batch,
                                    order.begin() + std::min<int64_t>((step + 1) * batch, 34));
      std::vector<int64_t> reassembled;
      for (size_t r = 0; r < processes.size(); ++r) {
        const int64_t* samples = processes[r].samples(step);
        for (int64_t i = 0; i < processes[r].count(step); ++i) {
          ASSERT_GE(samples[i], 0);
          ASSERT_LT(samples[i], bounds[r + 1] - bounds[r]);
          reassembled.push_back(samples[i] + bounds[r]);
        }
        // Local samples keep the order of the global batch.
        EXPECT_TRUE(std::is_sorted(samples, samples + processes[r].count(step), [&](int64_t a, int64_t b) {
          return std::find(order.begin(), order.end(), a + bounds[r]) <
                 std::find(order.begin(), order.end(), b + bounds[r]);
        }));
      }
      std::sort(reassembled.begin(), reassembled.end());
      std::sort(expected.begin(), expected.end());
      EXPECT_EQ(reassembled, expected) << "step " << step;
    }
    int64_t total = 0;
    for (const LocalSteps& p : processes) total += p.total();
    EXPECT_EQ(total, 34);
  }
  // One process runs the batches in the shuffled order itself.
  const LocalSteps single(order, batch, 0, 43);
  EXPECT_EQ(std::vector<int64_t>(single.samples(1), single.samples(1) + 8),
            std::vector<int64_t>(order.begin() + 8, order.begin() + 16));
  EXPECT_EQ(single.count(4), 2);
  EXPECT_EQ(single.largest(), 8);
  EXPECT_THROW(single.count(5), std::out_of_range);
}

TEST(SamplePlan, LocalBatchesVaryAndMayBeEmpty) {
  // Two equal halves: the share of a global batch of 4 varies
  // (hypergeometric), and is 0 or all 4 with probability about 1/16 each.
  const SampleSplit split = split_samples(400, 0, 1);
  std::set<int64_t> sizes;
  for (int64_t epoch = 0; epoch < 5; ++epoch) {
    const LocalSteps half(epoch_order(split.train, 1, epoch), 4, 0, 200);
    for (int64_t step = 0; step < half.steps(); ++step) sizes.insert(half.count(step));
  }
  EXPECT_EQ(sizes, (std::set<int64_t>{0, 1, 2, 3, 4})) << "500 steps";
}

TEST(SamplePlan, LargestLocalBatchIsTheMaximumOverAllEpochs) {
  const SampleSplit split = split_samples(60, 0.25, 9);  // 45 training samples
  for (const auto& [offset, count] : std::vector<std::pair<int64_t, int64_t>>{{0, 20}, {20, 7}, {27, 33}}) {
    int64_t expected = 0;
    for (int64_t epoch = 0; epoch < 3; ++epoch)
      expected = std::max(expected, LocalSteps(epoch_order(split.train, 9, epoch), 16, offset, count).largest());
    EXPECT_EQ(largest_local_batch(split.train, 9, 3, 16, offset, count), expected) << "offset " << offset;
    EXPECT_LT(expected, 16) << "here no process ever holds a whole global batch";
    // Over budget: the bound min(batch, local training samples) instead.
    const int64_t local_train = std::count_if(split.train.begin(), split.train.end(),
                                              [&](int64_t g) { return g >= offset && g < offset + count; });
    EXPECT_EQ(largest_local_batch(split.train, 9, 3, 16, offset, count, 10), std::min<int64_t>(16, local_train));
  }
  EXPECT_EQ(largest_local_batch(split.train, 9, 3, 16, 0, 60), 16);  // one process: full batches
  EXPECT_EQ(largest_local_batch(split.train, 9, 3, 64, 0, 60), 45);  // batch larger than the training set
  EXPECT_EQ(largest_local_batch(split.train, 9, 3, 16, 60, 0), 0);   // no samples
  EXPECT_EQ(largest_local_batch(split.train, 9, 0, 16, 0, 60), 0);   // no epochs
  EXPECT_THROW(largest_local_batch(split.train, 9, 3, 0, 0, 60), std::invalid_argument);
}

}  // namespace
}  // namespace nv::training_detail
