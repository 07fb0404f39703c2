// Evaluation metrics: confusion matrix with accuracy and intersection over
// union, ROC curve and area under it, and mean absolute error per output.
//
// Accumulators hold sums and counts only, so that they add across batches and
// reduce across processes (Communicator::allreduce_sum) exactly.
#pragma once

#include <cstdint>
#include <vector>

#include "neuralview/communicator.h"
#include "neuralview/tensor.h"

namespace nv {

// counts[truth * K + predicted], like sklearn.metrics.confusion_matrix
// (rows: true class, columns: predicted class).
class ConfusionMatrix {
 public:
  explicit ConfusionMatrix(int64_t classes);

  int64_t classes() const { return classes_; }
  void add(int64_t truth, int64_t predicted, double count = 1);

  // Adds the arg-max over axis 1 of scores (N, K[, spatial...]) against class
  // ids (N[, 1][, spatial...]); positions labelled ignore_label are skipped.
  // Ties go to the lowest class (like argmax). For K = 1 the scores are
  // logits of class 1 of a binary problem (predicted 1 when > 0), so the
  // matrix must have 2 classes. Throws std::invalid_argument on mismatched
  // shapes or a target that is not a class id.
  void add_predictions(const Tensor& scores, const Tensor& target, int64_t ignore_label = -1);

  double count(int64_t truth, int64_t predicted) const;
  const std::vector<double>& counts() const { return counts_; }
  double total() const;

  // Fraction of counted positions predicted correctly; NaN when empty.
  double accuracy() const;
  // Per class: TP / (TP + FP + FN). A class absent from both the truth and
  // the prediction has no defined IoU and gets NaN (sklearn's jaccard_score
  // would report 0 and warn).
  std::vector<double> class_iou() const;
  // Mean of the class IoUs that are not NaN; NaN when all are.
  double mean_iou() const;

  void merge(const ConfusionMatrix& other);
  // Sums the matrices of all processes. Every process must call it.
  void reduce(Communicator& comm);
  // Replaces the counts (K * K values), e.g. from a checkpoint.
  void set_counts(std::vector<double> counts);

 private:
  int64_t classes_;
  std::vector<double> counts_;
};

// Like sklearn.metrics.roc_curve(labels, scores, drop_intermediate): one
// threshold per distinct score, in decreasing order, preceded by +infinity
// (the point (0, 0)); collinear intermediate points are dropped when asked.
// labels are 0 (negative) or 1 (positive).
struct RocCurve {
  std::vector<double> false_positive_rate;
  std::vector<double> true_positive_rate;
  std::vector<double> thresholds;
};
RocCurve roc_curve(const std::vector<double>& scores, const std::vector<int>& labels, bool drop_intermediate = true);

// Trapezoidal area under the ROC curve, equal to sklearn's roc_auc_score
// (tied scores count one half). NaN when only one class is present.
double roc_auc(const std::vector<double>& scores, const std::vector<int>& labels);

// Scores in [0, 1] binned by class, for an AUC that reduces across processes
// without gathering every score. Tied within a bin counts one half, so the
// result differs from the exact AUC by at most the fraction of
// positive/negative pairs that share a bin.
class ScoreHistogram {
 public:
  explicit ScoreHistogram(size_t bins = 16384);
  void add(double score, bool positive);
  size_t bins() const { return positives_.size(); }
  double auc() const;  // NaN when either class is missing
  void reduce(Communicator& comm);
  // All counts as one vector (positives then negatives) and back, for checkpoints.
  std::vector<double> state() const;
  void set_state(const std::vector<double>& state);

 private:
  std::vector<double> positives_, negatives_;
};

// Sums of |prediction - target| per channel (axis 1) for the mean absolute
// error per output; targets have the prediction's shape (or its element count
// and batch size).
class AbsoluteErrorAccumulator {
 public:
  explicit AbsoluteErrorAccumulator(int64_t channels);
  void add(const Tensor& prediction, const Tensor& target);
  std::vector<double> mean() const;  // per channel; NaN for an empty accumulator
  void reduce(Communicator& comm);
  // Sums per channel followed by the count, for checkpoints.
  std::vector<double> state() const;
  void set_state(const std::vector<double>& state);

 private:
  std::vector<double> sums_;
  double count_per_channel_ = 0;
};

// Convenience: the mean absolute error per channel of one batch.
std::vector<double> mean_absolute_error(const Tensor& prediction, const Tensor& target);

}  // namespace nv
