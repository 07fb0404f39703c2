// Sample ordering for the trainer (private to models/src): the seeded
// train/validation split, the per-epoch shuffle, and which samples of each
// global batch a process runs.
#pragma once

#include <cstdint>
#include <random>
#include <vector>

namespace nv::training_detail {

// Uniform integer in [0, bound) by rejection of masked draws: unbiased, no
// modulo, and independent of the standard library's distributions.
uint64_t bounded_random(std::mt19937_64& rng, uint64_t bound);

// In-place Fisher–Yates shuffle (Durstenfeld, from the back).
void fisher_yates(std::vector<int64_t>& items, std::mt19937_64& rng);

// SplitMix64 finaliser: decorrelates derived seeds.
uint64_t mix_seed(uint64_t value);

struct SampleSplit {
  std::vector<int64_t> train;       // global sample numbers, ascending
  std::vector<int64_t> validation;  // global sample numbers, ascending
};

// round(total * fraction) validation samples (at least 1 and at most
// total - 1 when fraction > 0 and total >= 2), drawn by a permutation seeded
// from `seed`. Throws std::invalid_argument for a fraction outside [0, 1).
SampleSplit split_samples(int64_t total, double validation_fraction, uint64_t seed);

// The global training order of epoch `epoch`: the training numbers shuffled
// by std::mt19937_64(seed + epoch). Identical on every process.
std::vector<int64_t> epoch_order(const std::vector<int64_t>& train, uint64_t seed, int64_t epoch);

// Steps of an epoch: ceil(train_count / batch), the last one partial.
// Throws std::invalid_argument for batch < 1.
int64_t steps_per_epoch(int64_t train_count, int64_t batch);

// One process's part of every step of an epoch. Step k's global batch is
// order[k * batch, min((k + 1) * batch, order.size())); the process runs the
// members it holds (global numbers in [offset, offset + count)), as local
// indices in the order they appear in the global batch: 0 to `batch` of them.
class LocalSteps {
 public:
  LocalSteps(const std::vector<int64_t>& order, int64_t batch, int64_t offset, int64_t count);
  int64_t steps() const { return static_cast<int64_t>(starts_.size()) - 1; }
  int64_t count(int64_t step) const;           // local samples in `step`
  const int64_t* samples(int64_t step) const;  // count(step) local indices
  int64_t largest() const;                     // max over steps of count(step)
  int64_t total() const { return static_cast<int64_t>(indices_.size()); }

 private:
  std::vector<int64_t> indices_;  // all steps' local indices, step after step
  std::vector<int64_t> starts_;   // step k: indices_[starts_[k], starts_[k + 1])
};

// The most samples the process holding [offset, offset + count) runs in one
// step over epochs [0, epochs): the batch its network is compiled for. At most
// min(batch, local training samples); when scanning the epochs would visit
// more than `scan_budget` samples, that bound itself (the answer must not
// depend on where a run resumes, so it is never computed from a suffix).
int64_t largest_local_batch(const std::vector<int64_t>& train, uint64_t seed, int64_t epochs, int64_t batch,
                            int64_t offset, int64_t count, int64_t scan_budget = 50'000'000);

}  // namespace nv::training_detail
