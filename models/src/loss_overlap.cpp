// Soft Dice and soft Jaccard losses on softmax probabilities.
#include <cmath>
#include <stdexcept>

#include "loss_common.h"
#include "neuralview/loss.h"

namespace nv {

using namespace loss_detail;

namespace {

enum class Overlap { dice, jaccard };

const char* overlap_name(Overlap kind) { return kind == Overlap::dice ? "dice" : "jaccard"; }

ClassLayout overlap_layout(Overlap kind, const Tensor& prediction, const Tensor& target, int64_t ignore_label) {
  const ClassLayout layout = class_layout(overlap_name(kind), prediction, target);
  if (layout.classes < 2)
    throw std::invalid_argument(std::string(overlap_name(kind)) +
                                ": needs at least 2 output channels (softmax over classes); for one channel use "
                                "bce_with_logits");
  validate_class_targets(overlap_name(kind), target, layout.classes, ignore_label);
  return layout;
}

// Per class c: sums[3c] = I_c = sum p_c t_c, sums[3c+1] = P_c = sum p_c, sums[3c+2] = T_c = sum t_c.
std::vector<double> overlap_sums(Overlap kind, const Tensor& prediction, const Tensor& target, int64_t ignore) {
  const ClassLayout layout = overlap_layout(kind, prediction, target, ignore);
  const float* logits = prediction.data();
  const float* labels = target.data();
  const int64_t classes = layout.classes;
  return blockwise_sums(layout.positions(), 3 * static_cast<size_t>(classes),
                        [&](int64_t begin, int64_t end, double* out) {
                          std::vector<double> probabilities(static_cast<size_t>(classes));
                          for (int64_t p = begin; p < end; ++p) {
                            const int64_t y = class_of(overlap_name(kind), labels[p], classes, ignore);
                            if (y < 0) continue;
                            softmax_at(logits, layout, p, probabilities.data());
                            for (int64_t k = 0; k < classes; ++k) out[3 * k + 1] += probabilities[k];
                            out[3 * y] += probabilities[y];
                            out[3 * y + 2] += 1.0;
                          }
                        });
}

double overlap_value(Overlap kind, const std::vector<double>& sums, double smooth) {
  if (sums.size() % 3 != 0 || sums.empty())
    throw std::invalid_argument(std::string(overlap_name(kind)) + ": " + std::to_string(sums.size()) +
                                " partial sums are not 3 per class");
  const size_t classes = sums.size() / 3;
  double mean = 0;
  for (size_t c = 0; c < classes; ++c) {
    const double intersection = sums[3 * c], predicted = sums[3 * c + 1], truth = sums[3 * c + 2];
    if (predicted + truth + smooth <= 0) {  // nothing counted and no smoothing: perfect agreement
      mean += 1.0;
      continue;
    }
    mean += kind == Overlap::dice ? (2 * intersection + smooth) / (predicted + truth + smooth)
                                  : (intersection + smooth) / (predicted + truth - intersection + smooth);
  }
  return 1.0 - mean / static_cast<double>(classes);
}

Tensor overlap_gradient(Overlap kind, const Tensor& prediction, const Tensor& target, const std::vector<double>& sums,
                        int64_t ignore, double smooth) {
  const ClassLayout layout = overlap_layout(kind, prediction, target, ignore);
  const int64_t classes = layout.classes;
  check_sums(overlap_name(kind), sums, 3 * static_cast<size_t>(classes));
  // dLoss/dp_c(x) = a_c + b_c * t_c(x): the coefficients per class.
  std::vector<double> a(static_cast<size_t>(classes)), b(static_cast<size_t>(classes));
  for (int64_t c = 0; c < classes; ++c) {
    const double intersection = sums[3 * c], predicted = sums[3 * c + 1], truth = sums[3 * c + 2];
    const double scale = -1.0 / static_cast<double>(classes);
    if (predicted + truth + smooth <= 0) continue;  // constant coefficient: zero gradient
    if (kind == Overlap::dice) {
      // D = (2I + s) / (U + s), U = P + T: dD/dp = (2t (U + s) - (2I + s)) / (U + s)^2.
      const double denominator = predicted + truth + smooth;
      a[c] = scale * -(2 * intersection + smooth) / (denominator * denominator);
      b[c] = scale * 2.0 / denominator;
    } else {
      // J = (I + s) / (U - I + s): dJ/dp = (t (U - I + s) - (I + s)(1 - t)) / (U - I + s)^2.
      const double denominator = predicted + truth - intersection + smooth;
      const double numerator = intersection + smooth;
      a[c] = scale * -numerator / (denominator * denominator);
      b[c] = scale * (denominator + numerator) / (denominator * denominator);
    }
  }
  Tensor result(prediction.shape());
  const float* logits = prediction.data();
  const float* labels = target.data();
  float* out = result.data();
  blockwise_for(layout.positions(), [&](int64_t begin, int64_t end) {
    std::vector<double> probabilities(static_cast<size_t>(classes)), dp(static_cast<size_t>(classes));
    for (int64_t p = begin; p < end; ++p) {
      const int64_t y = class_of(overlap_name(kind), labels[p], classes, ignore);
      if (y < 0) continue;
      softmax_at(logits, layout, p, probabilities.data());
      // Chain rule through the softmax: dz_k = p_k (dp_k - sum_j p_j dp_j).
      double weighted = 0;
      for (int64_t k = 0; k < classes; ++k) {
        dp[k] = a[k] + (k == y ? b[k] : 0.0);
        weighted += probabilities[k] * dp[k];
      }
      for (int64_t k = 0; k < classes; ++k)
        out[layout.logit_offset(p, k)] = static_cast<float>(probabilities[k] * (dp[k] - weighted));
    }
  });
  return result;
}

}  // namespace

SoftDice::SoftDice(LossOptions options) : options_(std::move(options)) {
  if (!(options_.smooth >= 0)) throw std::invalid_argument("dice: smooth must be non-negative");
}

std::vector<double> SoftDice::partial_sums(const Tensor& prediction, const Tensor& target) const {
  return overlap_sums(Overlap::dice, prediction, target, options_.ignore_label);
}

double SoftDice::value_from_sums(const std::vector<double>& sums) const {
  return overlap_value(Overlap::dice, sums, options_.smooth);
}

Tensor SoftDice::gradient(const Tensor& prediction, const Tensor& target,
                          const std::vector<double>& global_sums) const {
  return overlap_gradient(Overlap::dice, prediction, target, global_sums, options_.ignore_label, options_.smooth);
}

SoftJaccard::SoftJaccard(LossOptions options) : options_(std::move(options)) {
  if (!(options_.smooth >= 0)) throw std::invalid_argument("jaccard: smooth must be non-negative");
}

std::vector<double> SoftJaccard::partial_sums(const Tensor& prediction, const Tensor& target) const {
  return overlap_sums(Overlap::jaccard, prediction, target, options_.ignore_label);
}

double SoftJaccard::value_from_sums(const std::vector<double>& sums) const {
  return overlap_value(Overlap::jaccard, sums, options_.smooth);
}

Tensor SoftJaccard::gradient(const Tensor& prediction, const Tensor& target,
                             const std::vector<double>& global_sums) const {
  return overlap_gradient(Overlap::jaccard, prediction, target, global_sums, options_.ignore_label, options_.smooth);
}

}  // namespace nv
