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

std::vector<int64_t> epoch_order(const std::vector<int64_t>& train, uint64_t seed, int64_t epoch) {
  std::vector<int64_t> order = train;
  std::mt19937_64 rng(seed + static_cast<uint64_t>(epoch));
  fisher_yates(order, rng);
  return order;
}

int64_t steps_per_epoch(int64_t train_count, int64_t batch) {
  if (batch < 1) throw std::invalid_argument("batch size must be at least 1, got " + std::to_string(batch));
  if (train_count <= 0) return 0;
  return (train_count + batch - 1) / batch;
}

LocalSteps::LocalSteps(const std::vector<int64_t>& order, int64_t batch, int64_t offset, int64_t count) {
  const int64_t steps = steps_per_epoch(static_cast<int64_t>(order.size()), batch);
  starts_.reserve(static_cast<size_t>(steps) + 1);
  starts_.push_back(0);
  for (int64_t step = 0; step < steps; ++step) {
    const size_t first = static_cast<size_t>(step * batch);
    const size_t last = std::min(order.size(), first + static_cast<size_t>(batch));
    for (size_t i = first; i < last; ++i)
      if (order[i] >= offset && order[i] < offset + count) indices_.push_back(order[i] - offset);
    starts_.push_back(static_cast<int64_t>(indices_.size()));
  }
}

int64_t LocalSteps::count(int64_t step) const {
  if (step < 0 || step >= steps()) throw std::out_of_range("step " + std::to_string(step) + " outside the epoch");
  return starts_[static_cast<size_t>(step) + 1] - starts_[static_cast<size_t>(step)];
}

const int64_t* LocalSteps::samples(int64_t step) const {
  if (step < 0 || step >= steps()) throw std::out_of_range("step " + std::to_string(step) + " outside the epoch");
  return indices_.data() + starts_[static_cast<size_t>(step)];
}

int64_t LocalSteps::largest() const {
  int64_t most = 0;
  for (int64_t step = 0; step < steps(); ++step) most = std::max(most, count(step));
  return most;
}

int64_t largest_local_batch(const std::vector<int64_t>& train, uint64_t seed, int64_t epochs, int64_t batch,
                            int64_t offset, int64_t count, int64_t scan_budget) {
  if (batch < 1) throw std::invalid_argument("batch size must be at least 1, got " + std::to_string(batch));
  const auto mine_begin = std::lower_bound(train.begin(), train.end(), offset);
  const auto mine_end = std::lower_bound(train.begin(), train.end(), offset + count);
  const int64_t bound = std::min<int64_t>(batch, mine_end - mine_begin);
  if (bound == 0 || epochs <= 0) return 0;
  // Every step holds `batch` samples but the last, so a process holding all
  // training samples (one process) always reaches the bound in epoch 0.
  if (static_cast<double>(epochs) * static_cast<double>(train.size()) > static_cast<double>(scan_budget)) return bound;
  int64_t most = 0;
  for (int64_t epoch = 0; epoch < epochs; ++epoch) {
    const std::vector<int64_t> order = epoch_order(train, seed, epoch);
    int64_t in_step = 0;
    for (size_t i = 0; i < order.size(); ++i) {
      if (i % static_cast<size_t>(batch) == 0) in_step = 0;
      if (order[i] >= offset && order[i] < offset + count) most = std::max(most, ++in_step);
    }
    if (most == bound) break;
  }
  return most;
}

}  // namespace nv::training_detail
