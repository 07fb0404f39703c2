// Loss base class, the sum of losses, and the factory.
#include "neuralview/loss.h"

#include <algorithm>
#include <cctype>
#include <stdexcept>

#include "loss_common.h"

namespace nv {

Loss::~Loss() = default;

LossValue Loss::evaluate(const Tensor& prediction, const Tensor& target) const {
  const std::vector<double> sums = partial_sums(prediction, target);
  LossValue result;
  result.value = value_from_sums(sums);
  result.gradient = gradient(prediction, target, sums);
  return result;
}

SumOfLosses::SumOfLosses(std::vector<std::unique_ptr<Loss>> parts) : parts_(std::move(parts)) {
  if (parts_.empty()) throw std::invalid_argument("a sum of losses needs at least one loss");
}

std::string SumOfLosses::name() const {
  std::string joined;
  for (const auto& part : parts_) joined += (joined.empty() ? "" : "+") + part->name();
  return joined;
}

size_t SumOfLosses::statistics_size(int64_t channels) const {
  size_t total = 0;
  for (const auto& part : parts_) total += part->statistics_size(channels);
  return total;
}

std::vector<size_t> SumOfLosses::part_offsets(size_t total_size) const {
  // Each part's size is a + b * channels; recover the channel count.
  size_t constant = 0, per_channel = 0;
  for (const auto& part : parts_) {
    constant += part->statistics_size(0);
    per_channel += part->statistics_size(1) - part->statistics_size(0);
  }
  int64_t channels = 0;
  if (per_channel > 0) {
    if (total_size < constant || (total_size - constant) % per_channel != 0)
      throw std::invalid_argument(name() + ": " + std::to_string(total_size) +
                                  " partial sums do not fit the parts of this loss");
    channels = static_cast<int64_t>((total_size - constant) / per_channel);
  }
  std::vector<size_t> offsets{0};
  for (const auto& part : parts_) offsets.push_back(offsets.back() + part->statistics_size(channels));
  if (offsets.back() != total_size)
    throw std::invalid_argument(name() + ": expected " + std::to_string(offsets.back()) + " partial sums, got " +
                                std::to_string(total_size));
  return offsets;
}

std::vector<double> SumOfLosses::partial_sums(const Tensor& prediction, const Tensor& target) const {
  std::vector<double> all;
  for (const auto& part : parts_) {
    std::vector<double> sums = part->partial_sums(prediction, target);
    all.insert(all.end(), sums.begin(), sums.end());
  }
  return all;
}

double SumOfLosses::value_from_sums(const std::vector<double>& sums) const {
  const std::vector<size_t> offsets = part_offsets(sums.size());
  double total = 0;
  for (size_t i = 0; i < parts_.size(); ++i)
    total += parts_[i]->value_from_sums(std::vector<double>(sums.begin() + offsets[i], sums.begin() + offsets[i + 1]));
  return total;
}

Tensor SumOfLosses::gradient(const Tensor& prediction, const Tensor& target,
                             const std::vector<double>& global_sums) const {
  const std::vector<size_t> offsets = part_offsets(global_sums.size());
  Tensor total(prediction.shape());
  for (size_t i = 0; i < parts_.size(); ++i) {
    const Tensor part = parts_[i]->gradient(
        prediction, target,
        std::vector<double>(global_sums.begin() + offsets[i], global_sums.begin() + offsets[i + 1]));
    for (int64_t j = 0; j < total.size(); ++j) total[j] += part[j];
  }
  return total;
}

namespace {

std::string normalized(std::string name) {
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
  name.erase(std::remove_if(name.begin(), name.end(), [](unsigned char c) { return std::isspace(c); }), name.end());
  return name;
}

std::unique_ptr<Loss> make_single_loss(const std::string& name, const LossOptions& options) {
  const bool class_loss = name == "cross_entropy" || name == "ce" || name == "softmax_cross_entropy" ||
                          name == "dice" || name == "jaccard" || name == "iou";
  if (!class_loss && !options.class_weights.empty())
    throw std::invalid_argument("loss '" + name + "' does not take class weights");
  if ((name == "dice" || name == "jaccard" || name == "iou") && !options.class_weights.empty())
    throw std::invalid_argument("loss '" + name + "' does not take class weights (only cross_entropy does)");
  if (name == "cross_entropy" || name == "ce" || name == "softmax_cross_entropy")
    return std::make_unique<SoftmaxCrossEntropy>(options);
  if (name == "dice") return std::make_unique<SoftDice>(options);
  if (name == "jaccard" || name == "iou") return std::make_unique<SoftJaccard>(options);
  if (name == "mse" || name == "l2") return std::make_unique<MeanSquaredError>();
  if (name == "mae" || name == "l1") return std::make_unique<MeanAbsoluteError>();
  if (name == "bce_with_logits" || name == "bce") return std::make_unique<BinaryCrossEntropyWithLogits>();
  throw std::invalid_argument("unknown loss '" + name +
                              "' (known: cross_entropy, dice, jaccard, mse, mae, bce_with_logits, and sums like "
                              "cross_entropy+dice)");
}

}  // namespace

std::unique_ptr<Loss> make_loss(const std::string& name, const LossOptions& options) {
  const std::string key = normalized(name);
  if (key.empty()) throw std::invalid_argument("empty loss name");
  if (key.find('+') == std::string::npos) return make_single_loss(key, options);
  std::vector<std::unique_ptr<Loss>> parts;
  bool weights_used = false;
  size_t begin = 0;
  while (begin <= key.size()) {
    const size_t end = std::min(key.find('+', begin), key.size());
    const std::string part = key.substr(begin, end - begin);
    if (part.empty()) throw std::invalid_argument("loss name '" + name + "' has an empty term");
    LossOptions part_options = options;
    const bool weighted = part == "cross_entropy" || part == "ce" || part == "softmax_cross_entropy";
    if (!weighted) part_options.class_weights.clear();  // weights belong to the cross-entropy term
    weights_used = weights_used || weighted;
    parts.push_back(make_single_loss(part, part_options));
    begin = end + 1;
  }
  if (!options.class_weights.empty() && !weights_used)
    throw std::invalid_argument("loss '" + name + "' has no cross_entropy term to take the class weights");
  return std::make_unique<SumOfLosses>(std::move(parts));
}

std::string default_loss_for_task(const std::string& task) {
  if (task == "segmentation" || task == "classification") return "cross_entropy";
  if (task == "regression" || task == "autoencoder") return "mse";
  throw std::invalid_argument("unknown task '" + task +
                              "' (known: segmentation, classification, regression, autoencoder)");
}

}  // namespace nv
