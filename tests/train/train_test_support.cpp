#include "train_test_support.h"

#include <unistd.h>

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>

namespace nv::test {

namespace {

std::string oracle_python() { return NV_TRAIN_ORACLE_PYTHON; }

std::string quoted(const std::string& text) { return "'" + text + "'"; }

}  // namespace

bool oracle_available() {
  const std::string python = oracle_python();
  return !python.empty() && python.find("NOTFOUND") == std::string::npos && std::filesystem::exists(python);
}

nlohmann::json run_oracle(const nlohmann::json& request) {
  static std::atomic<int> counter{0};
  const auto folder = std::filesystem::temp_directory_path() /
                      ("nv_train_oracle_" + std::to_string(getpid()) + "_" + std::to_string(counter++));
  std::filesystem::create_directories(folder);
  const auto input = folder / "request.json", output = folder / "reply.json";
  {
    std::ofstream out(input);
    out << request.dump();
  }
  const std::string command =
      quoted(oracle_python()) + " " + quoted(NV_TRAIN_ORACLE_SCRIPT) + " " + quoted(input) + " " + quoted(output);
  const int status = std::system(command.c_str());
  if (status != 0) throw std::runtime_error("oracle failed (" + std::to_string(status) + "): " + command);
  std::ifstream in(output);
  nlohmann::json reply = nlohmann::json::parse(in);
  std::filesystem::remove_all(folder);
  return reply;
}

nlohmann::json to_json(const Tensor& tensor) { return {{"shape", tensor.shape()}, {"values", tensor.values()}}; }

std::vector<double> doubles(const nlohmann::json& array) {
  std::vector<double> values;
  for (const auto& v : array) values.push_back(v.is_null() ? NAN : v.get<double>());
  return values;
}

Tensor random_tensor(const Shape& shape, std::mt19937_64& rng, float low, float high) {
  Tensor t(shape);
  std::uniform_real_distribution<float> uniform(low, high);
  for (float& v : t.values()) v = uniform(rng);
  return t;
}

Tensor random_labels(const Shape& shape, int64_t classes, std::mt19937_64& rng) {
  Tensor t(shape);
  std::uniform_int_distribution<int64_t> pick(0, classes - 1);
  for (float& v : t.values()) v = static_cast<float>(pick(rng));
  return t;
}

double relative_error(double actual, double expected, double floor) {
  return std::fabs(actual - expected) / std::max(std::fabs(expected), floor);
}

// --- in-process communicator ------------------------------------------------

class ThreadGroup::Member final : public Communicator {
 public:
  Member(ThreadGroup& group, int rank) : group_(group), rank_(rank) {}
  int rank() const override { return rank_; }
  int size() const override { return group_.size_; }
  void allreduce_sum(double* values, size_t count) override {
    group_.collective(
        rank_, values, count, [](double a, double b) { return a + b; }, false, 0);
  }
  void allreduce_sum(float* values, size_t count) override {
    group_.collective(
        rank_, values, count, [](double a, double b) { return a + b; }, false, 0);
  }
  void allreduce_max(double* values, size_t count) override {
    group_.collective(
        rank_, values, count, [](double a, double b) { return std::max(a, b); }, false, 0);
  }
  void broadcast(float* values, size_t count, int root) override {
    group_.collective(
        rank_, values, count, [](double a, double) { return a; }, true, root);
  }

 private:
  ThreadGroup& group_;
  int rank_;
};

ThreadGroup::ThreadGroup(int size) : size_(size) {
  for (int r = 0; r < size; ++r) members_.push_back(std::make_unique<Member>(*this, r));
}

ThreadGroup::~ThreadGroup() = default;

Communicator& ThreadGroup::member(int rank) { return *members_.at(static_cast<size_t>(rank)); }

// Ranks contribute in rank order (each waits for its turn), so the sums are
// deterministic like MPI's for a fixed process count. Float sums are
// accumulated in float, as MPI_SUM on MPI_FLOAT does.
template <typename T, typename Combine>
void ThreadGroup::collective(int rank, T* values, size_t count, Combine combine, bool broadcast_from_root, int root) {
  std::unique_lock<std::mutex> lock(mutex_);
  // Wait until the previous collective has been fully read by everyone.
  changed_.wait(lock, [&] { return departed_ == 0; });
  changed_.wait(lock, [&] { return arrived_ == rank; });
  if (rank == 0) accumulator_.assign(count, 0.0);
  if (accumulator_.size() != count) throw std::logic_error("collective called with different counts");
  for (size_t i = 0; i < count; ++i) {
    if (broadcast_from_root) {
      if (rank == root) accumulator_[i] = values[i];
    } else {
      accumulator_[i] = rank == 0 ? static_cast<double>(values[i])
                                  : static_cast<double>(static_cast<T>(combine(accumulator_[i], values[i])));
    }
  }
  ++arrived_;
  const uint64_t generation = generation_;
  if (arrived_ == size_) {
    ++generation_;
    changed_.notify_all();
  } else {
    changed_.notify_all();
    changed_.wait(lock, [&] { return generation_ != generation; });
  }
  for (size_t i = 0; i < count; ++i) values[i] = static_cast<T>(accumulator_[i]);
  if (++departed_ == size_) {
    arrived_ = 0;
    departed_ = 0;
    changed_.notify_all();
  }
}

// --- synthetic datasets --------------------------------------------------------

InMemoryDataset blob_ring_images(int64_t count, uint64_t seed) {
  constexpr int64_t kSize = 16;
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> centre(5.0f, 11.0f), radius(3.0f, 5.0f), noise(-0.15f, 0.15f);
  Tensor inputs({count, 1, kSize, kSize});
  Tensor targets({count});
  for (int64_t n = 0; n < count; ++n) {
    const int label = static_cast<int>(n % 2);
    const float cx = centre(rng), cy = centre(rng), r = radius(rng);
    for (int64_t y = 0; y < kSize; ++y)
      for (int64_t x = 0; x < kSize; ++x) {
        const float d = std::sqrt((x - cx) * (x - cx) + (y - cy) * (y - cy));
        const float value = label == 0 ? std::exp(-d * d / (r * r / 2)) : std::exp(-(d - r) * (d - r) / 0.8f);
        inputs[(n * kSize + y) * kSize + x] = value + noise(rng);
      }
    targets[n] = static_cast<float>(label);
  }
  return InMemoryDataset(std::move(inputs), std::move(targets));
}

InMemoryDataset disc_segmentation(int64_t count, uint64_t seed) {
  constexpr int64_t kSize = 16;
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> position(2.0f, 14.0f), radius(1.5f, 3.5f), noise(-0.2f, 0.2f);
  std::uniform_int_distribution<int> discs(1, 3);
  Tensor inputs({count, 2, kSize, kSize});
  Tensor targets({count, kSize, kSize});
  for (int64_t n = 0; n < count; ++n) {
    const int k = discs(rng);
    for (int i = 0; i < k; ++i) {
      const float cx = position(rng), cy = position(rng), r = radius(rng);
      for (int64_t y = 0; y < kSize; ++y)
        for (int64_t x = 0; x < kSize; ++x)
          if ((x - cx) * (x - cx) + (y - cy) * (y - cy) <= r * r) targets[(n * kSize + y) * kSize + x] = 1.0f;
    }
    for (int64_t y = 0; y < kSize; ++y)
      for (int64_t x = 0; x < kSize; ++x) {
        const float label = targets[(n * kSize + y) * kSize + x];
        inputs[((n * 2 + 0) * kSize + y) * kSize + x] = label + noise(rng);
        inputs[((n * 2 + 1) * kSize + y) * kSize + x] = 0.5f * label + noise(rng);
      }
  }
  return InMemoryDataset(std::move(inputs), std::move(targets));
}

}  // namespace nv::test
