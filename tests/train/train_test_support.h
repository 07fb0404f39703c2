// Shared helpers of the training tests: the Python oracle, JSON conversion,
// an in-process communicator for data-parallel tests, and synthetic datasets.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "neuralview/communicator.h"
#include "neuralview/dataset.h"
#include "neuralview/tensor.h"

namespace nv::test {

// True when the oracle interpreter (Debian's python3 with torch and sklearn) exists.
bool oracle_available();
// Runs train_oracle.py on `request` and returns its reply; throws on failure.
nlohmann::json run_oracle(const nlohmann::json& request);

nlohmann::json to_json(const Tensor& tensor);
std::vector<double> doubles(const nlohmann::json& array);

// Uniform random tensor in [low, high).
Tensor random_tensor(const Shape& shape, std::mt19937_64& rng, float low = -1.0f, float high = 1.0f);
// Random class ids in [0, classes) as floats.
Tensor random_labels(const Shape& shape, int64_t classes, std::mt19937_64& rng);

// Relative difference with an absolute floor: |a - b| / max(|b|, floor).
double relative_error(double actual, double expected, double floor = 1e-6);

// Communicators for `size` threads of one process; collectives rendezvous
// through shared buffers. Create one group, hand member(r) to thread r.
class ThreadGroup {
 public:
  explicit ThreadGroup(int size);
  ~ThreadGroup();
  Communicator& member(int rank);

 private:
  class Member;
  friend class Member;
  template <typename T, typename Combine>
  void collective(int rank, T* values, size_t count, Combine combine, bool broadcast_from_root, int root);

  int size_;
  std::vector<std::unique_ptr<Member>> members_;
  std::mutex mutex_;
  std::condition_variable changed_;
  int arrived_ = 0, departed_ = 0;
  uint64_t generation_ = 0;
  std::vector<double> accumulator_;
};

// 16x16 single-channel images: class 0 a bright Gaussian blob, class 1 a
// ring, at random positions and radii with noise. Targets are class ids.
InMemoryDataset blob_ring_images(int64_t count, uint64_t seed);

// 16x16 two-channel images with 1-3 bright discs; the target marks disc
// pixels 1, background 0 (segmentation).
InMemoryDataset disc_segmentation(int64_t count, uint64_t seed);

}  // namespace nv::test
