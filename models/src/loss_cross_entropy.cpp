// Softmax cross-entropy with class weights and an ignore label.
#include <cmath>
#include <stdexcept>

#include "loss_common.h"
#include "neuralview/loss.h"

namespace nv {

using namespace loss_detail;

namespace {

const char* const kName = "cross_entropy";

std::vector<double> class_weight_table(const LossOptions& options, int64_t classes) {
  if (options.class_weights.empty()) return std::vector<double>(static_cast<size_t>(classes), 1.0);
  if (static_cast<int64_t>(options.class_weights.size()) != classes)
    throw std::invalid_argument(std::string(kName) + ": " + std::to_string(options.class_weights.size()) +
                                " class weights given for a prediction with " + std::to_string(classes) + " classes");
  return options.class_weights;
}

}  // namespace

SoftmaxCrossEntropy::SoftmaxCrossEntropy(LossOptions options) : options_(std::move(options)) {
  for (double w : options_.class_weights)
    if (!(w >= 0) || !std::isfinite(w))
      throw std::invalid_argument(std::string(kName) + ": class weights must be finite and non-negative");
}

std::vector<double> SoftmaxCrossEntropy::partial_sums(const Tensor& prediction, const Tensor& target) const {
  const ClassLayout layout = class_layout(kName, prediction, target);
  const std::vector<double> weights = class_weight_table(options_, layout.classes);
  validate_class_targets(kName, target, layout.classes, options_.ignore_label);
  const float* logits = prediction.data();
  const float* labels = target.data();
  const int64_t classes = layout.classes;
  const int64_t ignore = options_.ignore_label;
  // sums[0] = sum of w[y] * nll, sums[1] = sum of w[y].
  return blockwise_sums(layout.positions(), 2, [&](int64_t begin, int64_t end, double* out) {
    for (int64_t p = begin; p < end; ++p) {
      const int64_t y = class_of(kName, labels[p], classes, ignore);
      if (y < 0) continue;
      double maximum = -INFINITY;
      for (int64_t k = 0; k < classes; ++k) maximum = std::fmax(maximum, logits[layout.logit_offset(p, k)]);
      double total = 0;
      for (int64_t k = 0; k < classes; ++k) total += std::exp(logits[layout.logit_offset(p, k)] - maximum);
      const double nll = std::log(total) + maximum - logits[layout.logit_offset(p, y)];
      out[0] += weights[static_cast<size_t>(y)] * nll;
      out[1] += weights[static_cast<size_t>(y)];
    }
  });
}

double SoftmaxCrossEntropy::value_from_sums(const std::vector<double>& sums) const {
  check_sums(kName, sums, 2);
  return sums[1] > 0 ? sums[0] / sums[1] : 0.0;
}

Tensor SoftmaxCrossEntropy::gradient(const Tensor& prediction, const Tensor& target,
                                     const std::vector<double>& global_sums) const {
  check_sums(kName, global_sums, 2);
  const ClassLayout layout = class_layout(kName, prediction, target);
  const std::vector<double> weights = class_weight_table(options_, layout.classes);
  validate_class_targets(kName, target, layout.classes, options_.ignore_label);
  Tensor result(prediction.shape());
  if (!(global_sums[1] > 0)) return result;
  const double normaliser = 1.0 / global_sums[1];
  const float* logits = prediction.data();
  const float* labels = target.data();
  float* out = result.data();
  const int64_t classes = layout.classes;
  const int64_t ignore = options_.ignore_label;
  blockwise_for(layout.positions(), [&](int64_t begin, int64_t end) {
    std::vector<double> probabilities(static_cast<size_t>(classes));
    for (int64_t p = begin; p < end; ++p) {
      const int64_t y = class_of(kName, labels[p], classes, ignore);
      if (y < 0) continue;
      softmax_at(logits, layout, p, probabilities.data());
      const double scale = weights[static_cast<size_t>(y)] * normaliser;
      for (int64_t k = 0; k < classes; ++k)
        out[layout.logit_offset(p, k)] =
            static_cast<float>(scale * (probabilities[static_cast<size_t>(k)] - (k == y ? 1.0 : 0.0)));
    }
  });
  return result;
}

}  // namespace nv
