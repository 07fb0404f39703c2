#include "trainer_plan.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <string>

namespace nv::training_detail {

uint64_t bounded_random(std::mt19937_64& rng, uint64_t bound) {
  if (bound == 0) throw std::invalid_argument("bounded_random: empty range");
  uint64_t mask = bound - 1;
  mask |= mask >> 1;
  mask |= mask >> 2;
  mask |= mask >> 4;
  mask |= mask >> 8;
  mask |= mask >> 16;
  mask |= mask >> 32;
  for (;;) {
    const uint64_t draw = rng() & mask;
    if (draw < bound) return draw;
  }
}

void fisher_yates(std::vector<int64_t>& items, std::mt19937_64& rng) {
  for (size_t i = items.size(); i > 1; --i) {
    const size_t j = static_cast<size_t>(bounded_random(rng, i));
    std::swap(items[i - 1], items[j]);
  }
}

uint64_t mix_seed(uint64_t value) {
  value += 0x9e3779b97f4a7c15ull;
  value = (value ^ (value >> 30)) * 0xbf58476d1ce4e5b9ull;
  value = (value ^ (value >> 27)) * 0x94d049bb133111ebull;
  return value ^ (value >> 31);
}

SampleSplit split_samples(int64_t total, double validation_fraction, uint64_t seed) {
  if (!(validation_fraction >= 0 && validation_fraction < 1))
    throw std::invalid_argument("validation fraction must lie in [0, 1), got " + std::to_string(validation_fraction));
  if (total < 0) throw std::invalid_argument("negative sample count");
  int64_t validation = std::llround(static_cast<double>(total) * validation_fraction);
  if (validation_fraction > 0 && total >= 2) validation = std::clamp<int64_t>(validation, 1, total - 1);
  if (total < 2) validation = 0;
  std::vector<int64_t> order(static_cast<size_t>(total));
  std::iota(order.begin(), order.end(), 0);
  std::mt19937_64 rng(mix_seed(seed ^ 0x73706c6974ull));  // "split"
  fisher_yates(order, rng);
  SampleSplit split;
  split.validation.assign(order.begin(), order.begin() + validation);
  split.train.assign(order.begin() + validation, order.end());
  std::sort(split.validation.begin(), split.validation.end());
  std::sort(split.train.begin(), split.train.end());
  return split;
}

std::vector<int64_t> local_epoch_order(const std::vector<int64_t>& train, uint64_t seed, int64_t epoch, int64_t offset,
                                       int64_t count) {
  std::vector<int64_t> order = train;
  std::mt19937_64 rng(seed + static_cast<uint64_t>(epoch));
  fisher_yates(order, rng);
  std::vector<int64_t> local;
  for (int64_t global : order)
    if (global >= offset && global < offset + count) local.push_back(global - offset);
  return local;
}

int64_t local_batch_size(int64_t batch, int64_t local_train, int64_t global_train) {
  if (batch < 1) throw std::invalid_argument("batch size must be at least 1");
  if (local_train <= 0 || global_train <= 0) return 0;
  const int64_t share = (batch * local_train + global_train - 1) / global_train;
  return std::clamp<int64_t>(share, 1, local_train);
}

}  // namespace nv::training_detail
