// Channel statistics: exact values on data whose moments are known in closed
// form, precision with large offsets, merging across chunks and processes.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "neuralview/channel_statistics.h"

namespace {

TEST(ChannelStatistics, MatchesClosedFormMoments) {
  // Channel 0 holds 1..N (mean (N+1)/2, population variance (N^2-1)/12);
  // channel 1 holds the constant 5 (variance 0).
  const size_t n = 1001;
  std::vector<float> values(2 * n);
  for (size_t i = 0; i < n; ++i) {
    values[2 * i] = static_cast<float>(i + 1);
    values[2 * i + 1] = 5.0f;
  }
  nv::ChannelStatisticsAccumulator acc(2);
  acc.add_interleaved(values.data(), n);
  nv::SerialCommunicator serial;
  const nv::ChannelStatistics s = acc.reduce(serial);
  EXPECT_DOUBLE_EQ(s.count, static_cast<double>(n));
  EXPECT_NEAR(s.mean[0], (n + 1) / 2.0, 1e-9);
  EXPECT_NEAR(s.stddev[0], std::sqrt((static_cast<double>(n) * n - 1) / 12.0), 1e-9);
  EXPECT_DOUBLE_EQ(s.minimum[0], 1.0);
  EXPECT_DOUBLE_EQ(s.maximum[0], static_cast<double>(n));
  EXPECT_DOUBLE_EQ(s.mean[1], 5.0);
  EXPECT_DOUBLE_EQ(s.stddev[1], 0.0);
}

TEST(ChannelStatistics, KeepsPrecisionUnderLargeOffset) {
  // Sea-level pressure: ~1e5 Pa with a spread of ~1e3. Naive sum-of-squares in
  // double would still be fine here, but in the float data the spread of 0.5
  // around 1e5 is representable (float spacing at 1e5 is 0.0078), and the
  // variance of alternating +-0.5 must come out as 0.25.
  std::vector<float> values;
  for (int i = 0; i < 10000; ++i) values.push_back(100000.0f + (i % 2 ? 0.5f : -0.5f));
  nv::ChannelStatisticsAccumulator acc(1);
  acc.add_interleaved(values.data(), values.size());
  nv::SerialCommunicator serial;
  const auto s = acc.reduce(serial);
  EXPECT_NEAR(s.mean[0], 100000.0, 1e-9);
  EXPECT_NEAR(s.stddev[0], 0.5, 1e-9);
}

TEST(ChannelStatistics, ChunkedEqualsWhole) {
  std::mt19937 rng(7);
  std::normal_distribution<float> dist(3.0f, 2.0f);
  std::vector<float> values(3 * 5000);
  for (float& v : values) v = dist(rng);
  nv::SerialCommunicator serial;
  nv::ChannelStatisticsAccumulator whole(3), chunked(3);
  whole.add_interleaved(values.data(), 5000);
  chunked.add_interleaved(values.data(), 1234);
  chunked.add_interleaved(values.data() + 3 * 1234, 5000 - 1234);
  const auto a = whole.reduce(serial), b = chunked.reduce(serial);
  for (size_t c = 0; c < 3; ++c) {
    // Both are exact up to double rounding of sums of 5000 terms.
    EXPECT_NEAR(a.mean[c], b.mean[c], 1e-12);
    EXPECT_NEAR(a.stddev[c], b.stddev[c], 1e-12);
  }
  // And they agree with the distribution the data came from (5000 samples:
  // standard error of the mean 2/sqrt(5000) ~ 0.028, so 0.15 is > 5 sigma).
  EXPECT_NEAR(a.mean[0], 3.0, 0.15);
  EXPECT_NEAR(a.stddev[0], 2.0, 0.15);
}

TEST(ChannelStatistics, RejectsNonFiniteValuesNamingTheChannel) {
  std::vector<float> values = {1.0f, 2.0f, 3.0f, std::numeric_limits<float>::quiet_NaN()};
  nv::ChannelStatisticsAccumulator acc(2);
  try {
    acc.add_interleaved(values.data(), 2);
    FAIL() << "NaN was accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr("channel 1"));
    EXPECT_THAT(e.what(), ::testing::HasSubstr("NaN"));
  }
}

TEST(ChannelStatistics, NormalizeToPlanarGivesZeroMeanUnitVariance) {
  std::vector<float> interleaved = {1, 10, 3, 10, 5, 10};  // channel 0: 1,3,5; channel 1: constant
  nv::ChannelStatisticsAccumulator acc(2);
  acc.add_interleaved(interleaved.data(), 3);
  nv::SerialCommunicator serial;
  const auto s = acc.reduce(serial);
  std::vector<float> planar(6);
  nv::normalize_to_planar(interleaved.data(), 3, s, planar.data());
  const double sd = std::sqrt(8.0 / 3.0);
  EXPECT_NEAR(planar[0], -2.0 / sd, 1e-6);
  EXPECT_NEAR(planar[1], 0.0, 1e-6);
  EXPECT_NEAR(planar[2], 2.0 / sd, 1e-6);
  // A constant channel becomes zeros, not NaN.
  EXPECT_EQ(planar[3], 0.0f);
  EXPECT_EQ(planar[5], 0.0f);
}

}  // namespace
