#include "nvDistributedQuantile.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "neuralview/communicator.h"

namespace nv {

namespace {

double global_count_at_most(const std::vector<double>& sorted, double x, Communicator& comm) {
  double count = static_cast<double>(std::upper_bound(sorted.begin(), sorted.end(), x) - sorted.begin());
  comm.allreduce_sum(&count, 1);
  return count;
}

// The smallest value of all ranks strictly above x (+inf when none).
double global_next_above(const std::vector<double>& sorted, double x, Communicator& comm) {
  auto it = std::upper_bound(sorted.begin(), sorted.end(), x);
  double negated = it == sorted.end() ? -std::numeric_limits<double>::infinity() : -*it;
  comm.allreduce_max(&negated, 1);
  return -negated;
}

}  // namespace

double distributed_order_statistic(const std::vector<double>& sorted, double k, Communicator& comm) {
  double range[2] = {sorted.empty() ? -std::numeric_limits<double>::infinity() : -sorted.front(),
                     sorted.empty() ? -std::numeric_limits<double>::infinity() : sorted.back()};
  comm.allreduce_max(range, 2);
  // Invariant: count(<= lo) <= k < count(<= hi).
  double lo = std::nextafter(-range[0], -std::numeric_limits<double>::infinity()), hi = range[1];
  for (int step = 0; step < 64; ++step) {
    const double mid = lo + (hi - lo) / 2;
    if (!(mid > lo && mid < hi)) break;
    if (global_count_at_most(sorted, mid, comm) > k)
      hi = mid;
    else
      lo = mid;
  }
  // Step over the distinct values above lo until the count passes k.
  for (;;) {
    const double next = global_next_above(sorted, lo, comm);
    if (!std::isfinite(next) || global_count_at_most(sorted, next, comm) > k) return next;
    lo = next;
  }
}

double distributed_quantile(std::vector<double>& values, double q, Communicator& comm) {
  std::sort(values.begin(), values.end());
  double n = static_cast<double>(values.size());
  comm.allreduce_sum(&n, 1);
  if (n < 1) return std::numeric_limits<double>::quiet_NaN();
  const double position = q * (n - 1);
  const double below = std::floor(position), fraction = position - below;
  const double a = distributed_order_statistic(values, below, comm);
  if (fraction == 0.0 || below + 1 >= n) return a;
  const double b = distributed_order_statistic(values, below + 1, comm);
  return a + fraction * (b - a);
}

}  // namespace nv
