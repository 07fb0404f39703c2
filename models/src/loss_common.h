// Helpers shared by the loss implementations (private to models/src).
#pragma once

#include <cmath>
#include <cstdint>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "neuralview/tensor.h"

namespace nv::loss_detail {

// Positions per block of the deterministic reductions. Fixed (not derived
// from the thread count) so that results are identical for any thread count.
constexpr int64_t kBlock = 4096;

// Sums `width` quantities over positions [0, count): body(begin, end, out)
// adds the quantities of positions [begin, end) into out[0..width). Blocks
// run in parallel; their results are added in block order.
template <typename Body>
std::vector<double> blockwise_sums(int64_t count, size_t width, Body body) {
  const int64_t blocks = (count + kBlock - 1) / kBlock;
  std::vector<double> partial(static_cast<size_t>(blocks) * width, 0.0);
#pragma omp parallel for schedule(static) if (blocks > 1)
  for (int64_t b = 0; b < blocks; ++b) {
    const int64_t begin = b * kBlock;
    const int64_t end = begin + kBlock < count ? begin + kBlock : count;
    body(begin, end, partial.data() + static_cast<size_t>(b) * width);
  }
  std::vector<double> total(width, 0.0);
  for (int64_t b = 0; b < blocks; ++b)
    for (size_t i = 0; i < width; ++i) total[i] += partial[static_cast<size_t>(b) * width + i];
  return total;
}

// Runs body(begin, end) over blocks of positions in parallel.
template <typename Body>
void blockwise_for(int64_t count, Body body) {
  const int64_t blocks = (count + kBlock - 1) / kBlock;
#pragma omp parallel for schedule(static) if (blocks > 1)
  for (int64_t b = 0; b < blocks; ++b) {
    const int64_t begin = b * kBlock;
    const int64_t end = begin + kBlock < count ? begin + kBlock : count;
    body(begin, end);
  }
}

// Layout of a class prediction (N, K, S...) and its target (N[,1], S...).
struct ClassLayout {
  int64_t batch = 0;
  int64_t classes = 0;
  int64_t spatial = 1;  // product of the spatial dimensions

  int64_t positions() const { return batch * spatial; }
  // Offset of the logit of class k at position p = n * spatial + s.
  int64_t logit_offset(int64_t position, int64_t k) const {
    const int64_t n = position / spatial;
    const int64_t s = position - n * spatial;
    return (n * classes + k) * spatial + s;
  }
};

inline ClassLayout class_layout(const std::string& loss, const Tensor& prediction, const Tensor& target) {
  const Shape& p = prediction.shape();
  const Shape& t = target.shape();
  if (p.size() < 2)
    throw std::invalid_argument(loss + ": prediction must be (N, K[, spatial...]), got " + shape_to_string(p));
  Shape without_channel = p;
  without_channel.erase(without_channel.begin() + 1);
  Shape with_unit_channel = p;
  with_unit_channel[1] = 1;
  if (t != without_channel && t != with_unit_channel)
    throw std::invalid_argument(loss + ": target shape " + shape_to_string(t) + " does not match prediction " +
                                shape_to_string(p) + " (expected " + shape_to_string(without_channel) + " or " +
                                shape_to_string(with_unit_channel) + " of class ids)");
  ClassLayout layout;
  layout.batch = p[0];
  layout.classes = p[1];
  for (size_t i = 2; i < p.size(); ++i) layout.spatial *= p[i];
  if (layout.classes < 1) throw std::invalid_argument(loss + ": prediction has no channels");
  return layout;
}

// The class id of a target value, or -1 for the ignore label.
inline int64_t class_of(const std::string& loss, float value, int64_t classes, int64_t ignore_label) {
  if (value == static_cast<float>(ignore_label)) return -1;
  if (!(value >= 0.0f) || !(value < static_cast<float>(classes)) || value != std::floor(value)) {
    std::ostringstream message;
    message << loss << ": target value " << value << " is not a class id in [0, " << classes
            << ") nor the ignore label " << ignore_label;
    throw std::invalid_argument(message.str());
  }
  return static_cast<int64_t>(value);
}

// Checks every target value once (serially, for a clear first error).
inline void validate_class_targets(const std::string& loss, const Tensor& target, int64_t classes,
                                   int64_t ignore_label) {
  for (float v : target.values()) class_of(loss, v, classes, ignore_label);
}

// Softmax over the classes at one position, into probabilities[0..K).
inline void softmax_at(const float* logits, const ClassLayout& layout, int64_t position, double* probabilities) {
  double maximum = -INFINITY;
  for (int64_t k = 0; k < layout.classes; ++k)
    maximum = std::fmax(maximum, static_cast<double>(logits[layout.logit_offset(position, k)]));
  double total = 0;
  for (int64_t k = 0; k < layout.classes; ++k) {
    probabilities[k] = std::exp(static_cast<double>(logits[layout.logit_offset(position, k)]) - maximum);
    total += probabilities[k];
  }
  for (int64_t k = 0; k < layout.classes; ++k) probabilities[k] /= total;
}

// Element-wise losses accept a target of the prediction's shape, or one with
// the same batch size and element count.
inline void check_elementwise_shapes(const std::string& loss, const Tensor& prediction, const Tensor& target) {
  const bool same = prediction.shape() == target.shape();
  const bool compatible = !prediction.shape().empty() && !target.shape().empty() &&
                          prediction.shape()[0] == target.shape()[0] && prediction.size() == target.size();
  if (!same && !compatible)
    throw std::invalid_argument(loss + ": target shape " + shape_to_string(target.shape()) +
                                " does not match prediction shape " + shape_to_string(prediction.shape()));
}

inline void check_finite_target(const std::string& loss, const Tensor& target) {
  for (int64_t i = 0; i < target.size(); ++i)
    if (!std::isfinite(target[i]))
      throw std::invalid_argument(loss + ": target element " + std::to_string(i) + " is not finite");
}

inline void check_sums(const std::string& loss, const std::vector<double>& sums, size_t expected) {
  if (sums.size() != expected)
    throw std::invalid_argument(loss + ": expected " + std::to_string(expected) + " partial sums, got " +
                                std::to_string(sums.size()));
}

}  // namespace nv::loss_detail
