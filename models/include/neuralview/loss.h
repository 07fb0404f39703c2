// Training losses with analytic gradients.
//
// Every loss is written as a function of additive batch statistics
// ("partial sums"): the value of the loss over any union of batches follows
// from the element-wise sum of their partial sums. This is what makes data
// parallel training exact: each process computes the partial sums of its
// local batch, the trainer sums them over all processes, and each process
// then computes the gradient of the *global* loss with respect to its local
// predictions. Summing the parameter gradients over processes afterwards
// gives exactly the gradient a single process would compute for the whole
// global batch (up to floating-point summation order), without any further
// division by a sample count.
//
// Reductions inside a batch run over fixed-size blocks whose partial results
// are added in block order, so values and gradients do not depend on the
// number of OpenMP threads or on scheduling.
//
// Shapes: predictions are (N, K[, spatial...]). Class targets (cross-entropy,
// Dice, Jaccard) hold class ids as floats of shape (N[, spatial...]) or
// (N, 1[, spatial...]). Regression targets (MSE, MAE, BCE) have the
// prediction's shape (a target of the same element count and batch size, such
// as (N) for an (N, 1) prediction, is accepted).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "neuralview/tensor.h"

namespace nv {

struct LossValue {
  double value = 0;
  Tensor gradient;  // dLoss/dPrediction, the prediction's shape
};

struct LossOptions {
  // Cross-entropy only: one weight per class. The reduction is PyTorch's
  // weighted mean, sum(w[y] * nll) / sum(w[y]). Empty: all weights 1.
  std::vector<double> class_weights;
  // Class losses: positions whose target equals this value contribute
  // nothing (neither to the value nor to the normaliser). Any other target
  // outside [0, K) is an error.
  int64_t ignore_label = -1;
  // Dice and Jaccard: additive smoothing of numerator and denominator, which
  // keeps the ratio defined for a class absent from both prediction and truth.
  double smooth = 1.0;
};

class Loss {
 public:
  virtual ~Loss();

  virtual std::string name() const = 0;

  // Value and gradient over one batch (PyTorch's mean reduction). Equivalent
  // to value_from_sums / gradient applied to this batch's own partial sums.
  virtual LossValue evaluate(const Tensor& prediction, const Tensor& target) const;

  // --- the additive form used for data-parallel training -----------------
  // Number of partial sums for a prediction with `channels` channels (axis 1).
  virtual size_t statistics_size(int64_t channels) const = 0;
  // Additive statistics of this batch. Validates shapes and target values:
  // throws std::invalid_argument naming the problem.
  virtual std::vector<double> partial_sums(const Tensor& prediction, const Tensor& target) const = 0;
  // The loss over all batches whose partial sums were added into `sums`.
  // A loss with nothing to average over (all positions ignored) is 0.
  virtual double value_from_sums(const std::vector<double>& sums) const = 0;
  // Gradient of that loss with respect to this batch's prediction.
  virtual Tensor gradient(const Tensor& prediction, const Tensor& target,
                          const std::vector<double>& global_sums) const = 0;
};

// Softmax over axis 1 followed by the negative log-likelihood of the target
// class (PyTorch's cross_entropy with class ids).
class SoftmaxCrossEntropy final : public Loss {
 public:
  explicit SoftmaxCrossEntropy(LossOptions options = {});
  std::string name() const override { return "cross_entropy"; }
  size_t statistics_size(int64_t) const override { return 2; }
  std::vector<double> partial_sums(const Tensor& prediction, const Tensor& target) const override;
  double value_from_sums(const std::vector<double>& sums) const override;
  Tensor gradient(const Tensor& prediction, const Tensor& target,
                  const std::vector<double>& global_sums) const override;

 private:
  LossOptions options_;
};

// 1 - mean over classes of the soft Dice coefficient
// (2 I_c + s) / (P_c + T_c + s), where, over all non-ignored positions of all
// samples, I_c = sum p_c t_c, P_c = sum p_c, T_c = sum t_c, p = softmax over
// axis 1, t = one-hot target, s = smooth.
class SoftDice final : public Loss {
 public:
  explicit SoftDice(LossOptions options = {});
  std::string name() const override { return "dice"; }
  size_t statistics_size(int64_t channels) const override { return 3 * static_cast<size_t>(channels); }
  std::vector<double> partial_sums(const Tensor& prediction, const Tensor& target) const override;
  double value_from_sums(const std::vector<double>& sums) const override;
  Tensor gradient(const Tensor& prediction, const Tensor& target,
                  const std::vector<double>& global_sums) const override;

 private:
  LossOptions options_;
};

// 1 - mean over classes of the soft Jaccard index (I_c + s) / (P_c + T_c - I_c + s),
// with the quantities of SoftDice.
class SoftJaccard final : public Loss {
 public:
  explicit SoftJaccard(LossOptions options = {});
  std::string name() const override { return "jaccard"; }
  size_t statistics_size(int64_t channels) const override { return 3 * static_cast<size_t>(channels); }
  std::vector<double> partial_sums(const Tensor& prediction, const Tensor& target) const override;
  double value_from_sums(const std::vector<double>& sums) const override;
  Tensor gradient(const Tensor& prediction, const Tensor& target,
                  const std::vector<double>& global_sums) const override;

 private:
  LossOptions options_;
};

// Mean over all elements of (prediction - target)^2.
class MeanSquaredError final : public Loss {
 public:
  std::string name() const override { return "mse"; }
  size_t statistics_size(int64_t) const override { return 2; }
  std::vector<double> partial_sums(const Tensor& prediction, const Tensor& target) const override;
  double value_from_sums(const std::vector<double>& sums) const override;
  Tensor gradient(const Tensor& prediction, const Tensor& target,
                  const std::vector<double>& global_sums) const override;
};

// Mean over all elements of |prediction - target| (PyTorch's L1Loss; the
// gradient at zero difference is 0, like torch.sign).
class MeanAbsoluteError final : public Loss {
 public:
  std::string name() const override { return "mae"; }
  size_t statistics_size(int64_t) const override { return 2; }
  std::vector<double> partial_sums(const Tensor& prediction, const Tensor& target) const override;
  double value_from_sums(const std::vector<double>& sums) const override;
  Tensor gradient(const Tensor& prediction, const Tensor& target,
                  const std::vector<double>& global_sums) const override;
};

// Mean over all elements of the binary cross-entropy of sigmoid(prediction)
// against targets in [0, 1] (PyTorch's binary_cross_entropy_with_logits),
// computed in the overflow-free form max(z,0) - z t + log(1 + exp(-|z|)).
class BinaryCrossEntropyWithLogits final : public Loss {
 public:
  std::string name() const override { return "bce_with_logits"; }
  size_t statistics_size(int64_t) const override { return 2; }
  std::vector<double> partial_sums(const Tensor& prediction, const Tensor& target) const override;
  double value_from_sums(const std::vector<double>& sums) const override;
  Tensor gradient(const Tensor& prediction, const Tensor& target,
                  const std::vector<double>& global_sums) const override;
};

// The sum of several losses ("cross_entropy+dice"); its partial sums are the
// concatenation of the parts' partial sums. (Every statistics_size is affine
// in the channel count, which lets value_from_sums split the concatenation.)
class SumOfLosses final : public Loss {
 public:
  explicit SumOfLosses(std::vector<std::unique_ptr<Loss>> parts);
  std::string name() const override;
  size_t statistics_size(int64_t channels) const override;
  std::vector<double> partial_sums(const Tensor& prediction, const Tensor& target) const override;
  double value_from_sums(const std::vector<double>& sums) const override;
  Tensor gradient(const Tensor& prediction, const Tensor& target,
                  const std::vector<double>& global_sums) const override;

 private:
  std::vector<size_t> part_offsets(size_t total_size) const;

  std::vector<std::unique_ptr<Loss>> parts_;
};

// Names: "cross_entropy" (aliases "ce", "softmax_cross_entropy"), "dice",
// "jaccard" ("iou"), "mse" ("l2"), "mae" ("l1"), "bce_with_logits" ("bce"),
// and sums of these joined by '+', e.g. "cross_entropy+dice".
// Throws std::invalid_argument for an unknown name or options that the loss
// cannot use (class weights on a regression loss).
std::unique_ptr<Loss> make_loss(const std::string& name, const LossOptions& options = {});

// The loss a task trains with when none is named: "cross_entropy" for
// segmentation and classification, "mse" for regression and autoencoder.
std::string default_loss_for_task(const std::string& task);

}  // namespace nv
