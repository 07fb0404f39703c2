#include "neuralview/channel_statistics.h"

#include <cmath>
#include <limits>
#include <stdexcept>

namespace nv {

ChannelStatisticsAccumulator::ChannelStatisticsAccumulator(size_t channels)
    : channels_(channels),
      mean_(channels, 0.0),
      m2_(channels, 0.0),
      min_(channels, std::numeric_limits<double>::infinity()),
      max_(channels, -std::numeric_limits<double>::infinity()) {
  if (channels == 0) throw std::invalid_argument("channel statistics need at least one channel");
}

template <typename T>
void ChannelStatisticsAccumulator::add(const T* values, size_t count) {
  if (count == 0) return;
  // Statistics of this chunk first, then Chan's merge into the running ones:
  // one pass per chunk and no catastrophic cancellation.
  for (size_t c = 0; c < channels_; ++c) {
    double chunk_mean = 0.0;
    for (size_t i = 0; i < count; ++i) {
      const double v = static_cast<double>(values[i * channels_ + c]);
      if (!std::isfinite(v))
        throw std::invalid_argument("channel " + std::to_string(c) + " holds a NaN or infinite value at tuple " +
                                    std::to_string(i));
      chunk_mean += v;
      min_[c] = std::min(min_[c], v);
      max_[c] = std::max(max_[c], v);
    }
    chunk_mean /= static_cast<double>(count);
    double chunk_m2 = 0.0;
    for (size_t i = 0; i < count; ++i) {
      const double d = static_cast<double>(values[i * channels_ + c]) - chunk_mean;
      chunk_m2 += d * d;
    }
    const double n_a = count_, n_b = static_cast<double>(count), n = n_a + n_b;
    const double delta = chunk_mean - mean_[c];
    mean_[c] += delta * n_b / n;
    m2_[c] += chunk_m2 + delta * delta * n_a * n_b / n;
  }
  count_ += static_cast<double>(count);
}

void ChannelStatisticsAccumulator::add_interleaved(const float* values, size_t count) { add(values, count); }
void ChannelStatisticsAccumulator::add_interleaved(const double* values, size_t count) { add(values, count); }

ChannelStatistics ChannelStatisticsAccumulator::reduce(Communicator& comm) const {
  const size_t n = channels_;
  // Step 1: global count and mean from count-weighted local means.
  std::vector<double> weighted(n + 1);
  for (size_t c = 0; c < n; ++c) weighted[c] = mean_[c] * count_;
  weighted[n] = count_;
  comm.allreduce_sum(weighted.data(), weighted.size());
  const double total = weighted[n];

  ChannelStatistics stats;
  stats.count = total;
  stats.mean.resize(n);
  for (size_t c = 0; c < n; ++c) stats.mean[c] = total > 0 ? weighted[c] / total : 0.0;

  // Step 2: squared deviations about the global mean (Chan's merge), and the
  // extrema; maxima of negated minima give the minima.
  std::vector<double> m2(n);
  for (size_t c = 0; c < n; ++c) {
    const double d = mean_[c] - stats.mean[c];
    m2[c] = count_ > 0 ? m2_[c] + d * d * count_ : 0.0;
  }
  comm.allreduce_sum(m2.data(), n);
  std::vector<double> extrema(2 * n);
  for (size_t c = 0; c < n; ++c) {
    extrema[c] = max_[c];
    extrema[n + c] = -min_[c];
  }
  comm.allreduce_max(extrema.data(), extrema.size());

  stats.stddev.resize(n);
  stats.minimum.resize(n);
  stats.maximum.resize(n);
  for (size_t c = 0; c < n; ++c) {
    // Population standard deviation, as used for input normalisation.
    stats.stddev[c] = total > 0 ? std::sqrt(m2[c] / total) : 0.0;
    stats.maximum[c] = extrema[c];
    stats.minimum[c] = -extrema[n + c];
  }
  return stats;
}

void normalize_to_planar(const float* interleaved, size_t count, const ChannelStatistics& stats, float* planar) {
  const size_t channels = stats.channels();
  for (size_t c = 0; c < channels; ++c) {
    const double scale = stats.stddev[c] > 0 ? 1.0 / stats.stddev[c] : 1.0;
    const double mean = stats.mean[c];
    float* out = planar + c * count;
    for (size_t i = 0; i < count; ++i)
      out[i] = static_cast<float>((static_cast<double>(interleaved[i * channels + c]) - mean) * scale);
  }
}

}  // namespace nv
