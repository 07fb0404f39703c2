// Per-channel mean and standard deviation of a multi-channel field, computed
// over all processes, and the normalisation that uses them.
//
// Networks are trained on normalised channels; the statistics are stored in
// the model so that inference applies exactly the same transform.
#pragma once

#include <string>
#include <vector>

#include "neuralview/communicator.h"
#include "neuralview/tensor.h"

namespace nv {

struct ChannelStatistics {
  std::vector<double> mean;
  std::vector<double> stddev;
  std::vector<double> minimum;
  std::vector<double> maximum;
  double count = 0;  // values per channel over all processes

  size_t channels() const { return mean.size(); }
};

// Accumulates statistics over any number of local chunks, then reduces them
// across processes. Uses Welford's running mean and squared deviations (and
// Chan's merge across processes), so that fields with a large offset
// (pressure near 1e5 Pa) keep their variance to full precision.
class ChannelStatisticsAccumulator {
 public:
  explicit ChannelStatisticsAccumulator(size_t channels);

  // values: `count` tuples of `channels` interleaved components (VTK layout).
  // Throws std::invalid_argument when a value is NaN or infinite, naming the
  // channel, because such a value would silently poison every statistic.
  void add_interleaved(const float* values, size_t count);
  void add_interleaved(const double* values, size_t count);

  // Combines all processes' partial sums. Every process must call it.
  ChannelStatistics reduce(Communicator& comm) const;

 private:
  template <typename T>
  void add(const T* values, size_t count);

  size_t channels_;
  std::vector<double> mean_, m2_, min_, max_;
  double count_ = 0;
};

// Maps interleaved tuples (count x channels) to planar channels-first layout
// (channels x count) with (x - mean) / stddev. A channel with zero spread is
// only centred, so a constant channel becomes zeros rather than NaN.
void normalize_to_planar(const float* interleaved, size_t count, const ChannelStatistics& stats, float* planar);

}  // namespace nv
