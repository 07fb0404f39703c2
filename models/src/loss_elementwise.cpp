// Element-wise losses: mean squared error, mean absolute error, and binary
// cross-entropy with logits. Partial sums are (sum of losses, element count).
#include <cmath>
#include <stdexcept>

#include "loss_common.h"
#include "neuralview/loss.h"

namespace nv {

using namespace loss_detail;

namespace {

template <typename ElementLoss>
std::vector<double> elementwise_sums(const std::string& name, const Tensor& prediction, const Tensor& target,
                                     ElementLoss element_loss) {
  check_elementwise_shapes(name, prediction, target);
  check_finite_target(name, target);
  const float* p = prediction.data();
  const float* t = target.data();
  std::vector<double> sums = blockwise_sums(prediction.size(), 1, [&](int64_t begin, int64_t end, double* out) {
    double total = 0;
    for (int64_t i = begin; i < end; ++i) total += element_loss(static_cast<double>(p[i]), static_cast<double>(t[i]));
    out[0] += total;
  });
  return {sums[0], static_cast<double>(prediction.size())};
}

double mean_from_sums(const std::string& name, const std::vector<double>& sums) {
  check_sums(name, sums, 2);
  return sums[1] > 0 ? sums[0] / sums[1] : 0.0;
}

// element_gradient(p, t) is d(element loss)/dp; the result is scaled by 1/count.
template <typename ElementGradient>
Tensor elementwise_gradient(const std::string& name, const Tensor& prediction, const Tensor& target,
                            const std::vector<double>& sums, ElementGradient element_gradient) {
  check_elementwise_shapes(name, prediction, target);
  check_sums(name, sums, 2);
  Tensor result(prediction.shape());
  if (!(sums[1] > 0)) return result;
  const double scale = 1.0 / sums[1];
  const float* p = prediction.data();
  const float* t = target.data();
  float* out = result.data();
  const int64_t count = prediction.size();
#pragma omp parallel for simd schedule(static) if (count > 65536)
  for (int64_t i = 0; i < count; ++i)
    out[i] = static_cast<float>(scale * element_gradient(static_cast<double>(p[i]), static_cast<double>(t[i])));
  return result;
}

}  // namespace

std::vector<double> MeanSquaredError::partial_sums(const Tensor& prediction, const Tensor& target) const {
  return elementwise_sums(name(), prediction, target, [](double p, double t) { return (p - t) * (p - t); });
}
double MeanSquaredError::value_from_sums(const std::vector<double>& sums) const { return mean_from_sums(name(), sums); }
Tensor MeanSquaredError::gradient(const Tensor& prediction, const Tensor& target,
                                  const std::vector<double>& global_sums) const {
  return elementwise_gradient(name(), prediction, target, global_sums,
                              [](double p, double t) { return 2.0 * (p - t); });
}

std::vector<double> MeanAbsoluteError::partial_sums(const Tensor& prediction, const Tensor& target) const {
  return elementwise_sums(name(), prediction, target, [](double p, double t) { return std::fabs(p - t); });
}
double MeanAbsoluteError::value_from_sums(const std::vector<double>& sums) const {
  return mean_from_sums(name(), sums);
}
Tensor MeanAbsoluteError::gradient(const Tensor& prediction, const Tensor& target,
                                   const std::vector<double>& global_sums) const {
  return elementwise_gradient(name(), prediction, target, global_sums,
                              [](double p, double t) { return p > t ? 1.0 : (p < t ? -1.0 : 0.0); });
}

std::vector<double> BinaryCrossEntropyWithLogits::partial_sums(const Tensor& prediction, const Tensor& target) const {
  for (int64_t i = 0; i < target.size(); ++i)
    if (!(target[i] >= 0.0f && target[i] <= 1.0f))
      throw std::invalid_argument(name() + ": target value " + std::to_string(target[i]) + " at element " +
                                  std::to_string(i) + " is outside [0, 1]");
  return elementwise_sums(name(), prediction, target, [](double z, double t) {
    return std::fmax(z, 0.0) - z * t + std::log1p(std::exp(-std::fabs(z)));
  });
}
double BinaryCrossEntropyWithLogits::value_from_sums(const std::vector<double>& sums) const {
  return mean_from_sums(name(), sums);
}
Tensor BinaryCrossEntropyWithLogits::gradient(const Tensor& prediction, const Tensor& target,
                                              const std::vector<double>& global_sums) const {
  return elementwise_gradient(name(), prediction, target, global_sums,
                              [](double z, double t) { return 1.0 / (1.0 + std::exp(-z)) - t; });
}

}  // namespace nv
