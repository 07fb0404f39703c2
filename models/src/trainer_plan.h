// Sample ordering for the trainer (private to models/src): the seeded
// train/validation split, the per-epoch shuffle, and the per-process batches.
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

// The training samples of this process in the order of epoch `epoch`: the
// global training numbers shuffled by std::mt19937_64(seed + epoch), keeping
// those in [offset, offset + count), as local indices.
std::vector<int64_t> local_epoch_order(const std::vector<int64_t>& train, uint64_t seed, int64_t epoch, int64_t offset,
                                       int64_t count);

// Local samples per step: ceil(batch * local_train / global_train), at least
// 1 when the process has training samples, at most local_train.
int64_t local_batch_size(int64_t batch, int64_t local_train, int64_t global_train);

}  // namespace nv::training_detail
