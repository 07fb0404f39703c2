#include "neuralview/metrics.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <sstream>
#include <stdexcept>

namespace nv {

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
}

ConfusionMatrix::ConfusionMatrix(int64_t classes) : classes_(classes) {
  if (classes < 1) throw std::invalid_argument("confusion matrix needs at least one class");
  counts_.assign(static_cast<size_t>(classes * classes), 0.0);
}

void ConfusionMatrix::add(int64_t truth, int64_t predicted, double count) {
  if (truth < 0 || truth >= classes_ || predicted < 0 || predicted >= classes_)
    throw std::invalid_argument("confusion matrix: class pair (" + std::to_string(truth) + ", " +
                                std::to_string(predicted) + ") outside [0, " + std::to_string(classes_) + ")");
  counts_[static_cast<size_t>(truth * classes_ + predicted)] += count;
}

void ConfusionMatrix::add_predictions(const Tensor& scores, const Tensor& target, int64_t ignore_label) {
  const Shape& s = scores.shape();
  if (s.size() < 2) throw std::invalid_argument("confusion matrix: scores must be (N, K[, spatial...])");
  Shape without_channel = s;
  without_channel.erase(without_channel.begin() + 1);
  Shape unit_channel = s;
  unit_channel[1] = 1;
  if (target.shape() != without_channel && target.shape() != unit_channel)
    throw std::invalid_argument("confusion matrix: target shape " + shape_to_string(target.shape()) +
                                " does not match scores " + shape_to_string(s));
  const int64_t channels = s[1];
  const bool binary_logit = channels == 1;
  if (binary_logit ? classes_ != 2 : channels != classes_)
    throw std::invalid_argument("confusion matrix with " + std::to_string(classes_) +
                                " classes cannot take scores with " + std::to_string(channels) + " channels");
  int64_t spatial = 1;
  for (size_t i = 2; i < s.size(); ++i) spatial *= s[i];
  const int64_t positions = s[0] * spatial;
  const float* x = scores.data();
  for (int64_t p = 0; p < positions; ++p) {
    const float label = target[p];
    if (label == static_cast<float>(ignore_label)) continue;
    if (!(label >= 0) || !(label < static_cast<float>(classes_)) || label != std::floor(label)) {
      std::ostringstream message;
      message << "confusion matrix: target value " << label << " is not a class id in [0, " << classes_ << ")";
      throw std::invalid_argument(message.str());
    }
    const int64_t n = p / spatial, offset = p - n * spatial;
    int64_t best = 0;
    if (binary_logit) {
      best = x[n * spatial + offset] > 0 ? 1 : 0;
    } else {
      for (int64_t k = 1; k < channels; ++k)
        if (x[(n * channels + k) * spatial + offset] > x[(n * channels + best) * spatial + offset]) best = k;
    }
    counts_[static_cast<size_t>(static_cast<int64_t>(label) * classes_ + best)] += 1;
  }
}

double ConfusionMatrix::count(int64_t truth, int64_t predicted) const {
  if (truth < 0 || truth >= classes_ || predicted < 0 || predicted >= classes_)
    throw std::invalid_argument("confusion matrix: class index out of range");
  return counts_[static_cast<size_t>(truth * classes_ + predicted)];
}

double ConfusionMatrix::total() const { return std::accumulate(counts_.begin(), counts_.end(), 0.0); }

double ConfusionMatrix::accuracy() const {
  double correct = 0;
  for (int64_t k = 0; k < classes_; ++k) correct += count(k, k);
  const double all = total();
  return all > 0 ? correct / all : kNaN;
}

std::vector<double> ConfusionMatrix::class_iou() const {
  std::vector<double> iou(static_cast<size_t>(classes_));
  for (int64_t k = 0; k < classes_; ++k) {
    double truth = 0, predicted = 0;
    for (int64_t j = 0; j < classes_; ++j) {
      truth += count(k, j);
      predicted += count(j, k);
    }
    const double intersection = count(k, k);
    const double union_count = truth + predicted - intersection;
    iou[static_cast<size_t>(k)] = union_count > 0 ? intersection / union_count : kNaN;
  }
  return iou;
}

double ConfusionMatrix::mean_iou() const {
  double sum = 0;
  int present = 0;
  for (double v : class_iou())
    if (!std::isnan(v)) {
      sum += v;
      ++present;
    }
  return present > 0 ? sum / present : kNaN;
}

void ConfusionMatrix::merge(const ConfusionMatrix& other) {
  if (other.classes_ != classes_) throw std::invalid_argument("cannot merge confusion matrices of different sizes");
  for (size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
}

void ConfusionMatrix::reduce(Communicator& comm) { comm.allreduce_sum(counts_.data(), counts_.size()); }

void ConfusionMatrix::set_counts(std::vector<double> counts) {
  if (counts.size() != counts_.size())
    throw std::invalid_argument("confusion matrix: " + std::to_string(counts.size()) + " counts for " +
                                std::to_string(classes_) + " classes");
  counts_ = std::move(counts);
}

namespace {

void check_roc_input(const std::vector<double>& scores, const std::vector<int>& labels) {
  if (scores.size() != labels.size())
    throw std::invalid_argument("roc: " + std::to_string(scores.size()) + " scores but " +
                                std::to_string(labels.size()) + " labels");
  for (size_t i = 0; i < scores.size(); ++i) {
    if (labels[i] != 0 && labels[i] != 1)
      throw std::invalid_argument("roc: label " + std::to_string(labels[i]) + " at " + std::to_string(i) +
                                  " is neither 0 nor 1");
    if (!std::isfinite(scores[i])) throw std::invalid_argument("roc: score at " + std::to_string(i) + " is not finite");
  }
}

// sklearn's _binary_clf_curve: cumulative false and true positives at each
// distinct score, scores in decreasing order.
void binary_counts(const std::vector<double>& scores, const std::vector<int>& labels, std::vector<double>& fps,
                   std::vector<double>& tps, std::vector<double>& thresholds) {
  std::vector<size_t> order(scores.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return scores[a] > scores[b]; });
  double tp = 0, fp = 0;
  for (size_t i = 0; i < order.size(); ++i) {
    (labels[order[i]] ? tp : fp) += 1;
    const bool last_of_value = i + 1 == order.size() || scores[order[i + 1]] != scores[order[i]];
    if (last_of_value) {
      fps.push_back(fp);
      tps.push_back(tp);
      thresholds.push_back(scores[order[i]]);
    }
  }
}

}  // namespace

RocCurve roc_curve(const std::vector<double>& scores, const std::vector<int>& labels, bool drop_intermediate) {
  check_roc_input(scores, labels);
  std::vector<double> fps, tps, thresholds;
  binary_counts(scores, labels, fps, tps, thresholds);
  if (drop_intermediate && fps.size() > 2) {
    // Keep the end points and every point where the curve bends (non-zero
    // second difference of either coordinate).
    std::vector<double> f, t, th;
    for (size_t i = 0; i < fps.size(); ++i) {
      const bool keep = i == 0 || i + 1 == fps.size() || (fps[i + 1] - 2 * fps[i] + fps[i - 1]) != 0 ||
                        (tps[i + 1] - 2 * tps[i] + tps[i - 1]) != 0;
      if (keep) {
        f.push_back(fps[i]);
        t.push_back(tps[i]);
        th.push_back(thresholds[i]);
      }
    }
    fps.swap(f);
    tps.swap(t);
    thresholds.swap(th);
  }
  RocCurve curve;
  const double negatives = fps.empty() ? 0 : fps.back();
  const double positives = tps.empty() ? 0 : tps.back();
  curve.false_positive_rate.push_back(0);
  curve.true_positive_rate.push_back(0);
  curve.thresholds.push_back(std::numeric_limits<double>::infinity());
  for (size_t i = 0; i < fps.size(); ++i) {
    curve.false_positive_rate.push_back(negatives > 0 ? fps[i] / negatives : kNaN);
    curve.true_positive_rate.push_back(positives > 0 ? tps[i] / positives : kNaN);
    curve.thresholds.push_back(thresholds[i]);
  }
  return curve;
}

double roc_auc(const std::vector<double>& scores, const std::vector<int>& labels) {
  check_roc_input(scores, labels);
  std::vector<double> fps, tps, thresholds;
  binary_counts(scores, labels, fps, tps, thresholds);
  if (fps.empty() || fps.back() == 0 || tps.back() == 0) return kNaN;
  double area = 0, previous_fp = 0, previous_tp = 0;
  for (size_t i = 0; i < fps.size(); ++i) {
    area += (fps[i] - previous_fp) * (tps[i] + previous_tp) / 2;
    previous_fp = fps[i];
    previous_tp = tps[i];
  }
  return area / (fps.back() * tps.back());
}

ScoreHistogram::ScoreHistogram(size_t bins) : positives_(bins, 0.0), negatives_(bins, 0.0) {
  if (bins < 1) throw std::invalid_argument("score histogram needs at least one bin");
}

void ScoreHistogram::add(double score, bool positive) {
  if (!std::isfinite(score)) throw std::invalid_argument("score histogram: score is not finite");
  const double clamped = std::min(1.0, std::max(0.0, score));
  size_t bin = static_cast<size_t>(clamped * static_cast<double>(bins()));
  if (bin >= bins()) bin = bins() - 1;
  (positive ? positives_ : negatives_)[bin] += 1;
}

double ScoreHistogram::auc() const {
  // Walk from the highest bin down: each negative scores below every positive
  // already seen and ties half of the positives in its own bin.
  double positives_above = 0, area = 0, total_negatives = 0;
  for (size_t b = bins(); b-- > 0;) {
    area += negatives_[b] * (positives_above + positives_[b] / 2);
    positives_above += positives_[b];
    total_negatives += negatives_[b];
  }
  if (positives_above == 0 || total_negatives == 0) return kNaN;
  return area / (positives_above * total_negatives);
}

void ScoreHistogram::reduce(Communicator& comm) {
  comm.allreduce_sum(positives_.data(), positives_.size());
  comm.allreduce_sum(negatives_.data(), negatives_.size());
}

std::vector<double> ScoreHistogram::state() const {
  std::vector<double> all = positives_;
  all.insert(all.end(), negatives_.begin(), negatives_.end());
  return all;
}

void ScoreHistogram::set_state(const std::vector<double>& state) {
  if (state.size() != 2 * bins())
    throw std::invalid_argument("score histogram: state of " + std::to_string(state.size()) + " values for " +
                                std::to_string(bins()) + " bins");
  positives_.assign(state.begin(), state.begin() + static_cast<std::ptrdiff_t>(bins()));
  negatives_.assign(state.begin() + static_cast<std::ptrdiff_t>(bins()), state.end());
}

AbsoluteErrorAccumulator::AbsoluteErrorAccumulator(int64_t channels) {
  if (channels < 1) throw std::invalid_argument("absolute error needs at least one channel");
  sums_.assign(static_cast<size_t>(channels), 0.0);
}

void AbsoluteErrorAccumulator::add(const Tensor& prediction, const Tensor& target) {
  const Shape& s = prediction.shape();
  if (s.size() < 2) throw std::invalid_argument("absolute error: prediction must be (N, C[, ...])");
  if (s[1] != static_cast<int64_t>(sums_.size()))
    throw std::invalid_argument("absolute error: prediction has " + std::to_string(s[1]) + " channels, expected " +
                                std::to_string(sums_.size()));
  const bool compatible = target.shape() == s ||
                          (!target.shape().empty() && target.shape()[0] == s[0] && target.size() == prediction.size());
  if (!compatible)
    throw std::invalid_argument("absolute error: target shape " + shape_to_string(target.shape()) +
                                " does not match prediction " + shape_to_string(s));
  const int64_t channels = s[1];
  const int64_t inner = s[0] > 0 ? prediction.size() / (s[0] * channels) : 0;
  for (int64_t n = 0; n < s[0]; ++n)
    for (int64_t c = 0; c < channels; ++c) {
      const int64_t base = (n * channels + c) * inner;
      double sum = 0;
      for (int64_t i = 0; i < inner; ++i)
        sum += std::fabs(static_cast<double>(prediction[base + i]) - target[base + i]);
      sums_[static_cast<size_t>(c)] += sum;
    }
  count_per_channel_ += static_cast<double>(s[0] * inner);
}

std::vector<double> AbsoluteErrorAccumulator::mean() const {
  std::vector<double> result(sums_.size(), kNaN);
  if (count_per_channel_ > 0)
    for (size_t c = 0; c < sums_.size(); ++c) result[c] = sums_[c] / count_per_channel_;
  return result;
}

void AbsoluteErrorAccumulator::reduce(Communicator& comm) {
  std::vector<double> buffer = sums_;
  buffer.push_back(count_per_channel_);
  comm.allreduce_sum(buffer.data(), buffer.size());
  count_per_channel_ = buffer.back();
  buffer.pop_back();
  sums_ = buffer;
}

std::vector<double> AbsoluteErrorAccumulator::state() const {
  std::vector<double> all = sums_;
  all.push_back(count_per_channel_);
  return all;
}

void AbsoluteErrorAccumulator::set_state(const std::vector<double>& state) {
  if (state.size() != sums_.size() + 1)
    throw std::invalid_argument("absolute error: state of " + std::to_string(state.size()) + " values for " +
                                std::to_string(sums_.size()) + " channels");
  sums_.assign(state.begin(), state.end() - 1);
  count_per_channel_ = state.back();
}

std::vector<double> mean_absolute_error(const Tensor& prediction, const Tensor& target) {
  if (prediction.rank() < 2) throw std::invalid_argument("absolute error: prediction must be (N, C[, ...])");
  AbsoluteErrorAccumulator accumulator(prediction.dim(1));
  accumulator.add(prediction, target);
  return accumulator.mean();
}

}  // namespace nv
