// Learning-rate schedules as closed-form functions of the epoch (or step).
//
// learning_rate_at(t) is the rate used during epoch t (0-based), which is what
// torch.optim.lr_scheduler reports from get_last_lr() after t calls of
// scheduler.step(). A linear warm-up composes with every schedule: during the
// first `warmup` epochs the rate rises as base * (t + 1) / (warmup + 1)
// (torch's LinearLR with start_factor 1 / (warmup + 1), total_iters warmup);
// afterwards the main schedule runs on t - warmup (torch's SequentialLR with
// milestone `warmup`).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

namespace nv {

class LearningRateSchedule {
 public:
  virtual ~LearningRateSchedule();
  virtual double learning_rate_at(int64_t step_or_epoch) const = 0;
};

class ConstantSchedule final : public LearningRateSchedule {
 public:
  explicit ConstantSchedule(double base);
  double learning_rate_at(int64_t) const override { return base_; }

 private:
  double base_;
};

// torch StepLR: base * gamma^floor(t / step_size).
class StepDecaySchedule final : public LearningRateSchedule {
 public:
  StepDecaySchedule(double base, int64_t step_size, double gamma);
  double learning_rate_at(int64_t t) const override;

 private:
  double base_;
  int64_t step_size_;
  double gamma_;
};

// torch CosineAnnealingLR: minimum + (base - minimum) (1 + cos(pi t / period)) / 2
// for t <= period; it stays at the minimum afterwards (torch would rise again).
class CosineSchedule final : public LearningRateSchedule {
 public:
  CosineSchedule(double base, int64_t period, double minimum);
  double learning_rate_at(int64_t t) const override;

 private:
  double base_;
  int64_t period_;
  double minimum_;
};

// Linear warm-up in front of another schedule (see the file comment).
class WarmupSchedule final : public LearningRateSchedule {
 public:
  WarmupSchedule(double base, int64_t warmup, std::unique_ptr<LearningRateSchedule> after);
  double learning_rate_at(int64_t t) const override;

 private:
  double base_;
  int64_t warmup_;
  std::unique_ptr<LearningRateSchedule> after_;
};

struct ScheduleOptions {
  std::string kind = "constant";  // "constant" | "step" | "cosine"
  double base_learning_rate = 1e-3;
  int64_t warmup = 0;                // linear warm-up length, composed with any kind
  int64_t step_size = 10;            // "step": epochs between decays
  double gamma = 0.1;                // "step": decay factor
  int64_t period = 0;                // "cosine": epochs from the end of warm-up to the minimum
  double minimum_learning_rate = 0;  // "cosine"
};

// Throws std::invalid_argument for an unknown kind or invalid parameters.
std::unique_ptr<LearningRateSchedule> make_schedule(const ScheduleOptions& options);

}  // namespace nv
