#include "neuralview/schedule.h"

#include <cmath>
#include <stdexcept>

namespace nv {

namespace {
void check_rate(double rate, const char* what) {
  if (!(rate >= 0) || !std::isfinite(rate))
    throw std::invalid_argument(std::string(what) + " must be finite and non-negative, got " + std::to_string(rate));
}
void check_time(int64_t t) {
  if (t < 0) throw std::invalid_argument("learning-rate schedule asked for negative epoch " + std::to_string(t));
}
}  // namespace

LearningRateSchedule::~LearningRateSchedule() = default;

ConstantSchedule::ConstantSchedule(double base) : base_(base) { check_rate(base, "learning rate"); }

StepDecaySchedule::StepDecaySchedule(double base, int64_t step_size, double gamma)
    : base_(base), step_size_(step_size), gamma_(gamma) {
  check_rate(base, "learning rate");
  if (step_size < 1) throw std::invalid_argument("step schedule: step size must be at least 1");
  check_rate(gamma, "step schedule gamma");
}

double StepDecaySchedule::learning_rate_at(int64_t t) const {
  check_time(t);
  return base_ * std::pow(gamma_, static_cast<double>(t / step_size_));
}

CosineSchedule::CosineSchedule(double base, int64_t period, double minimum)
    : base_(base), period_(period), minimum_(minimum) {
  check_rate(base, "learning rate");
  check_rate(minimum, "minimum learning rate");
  if (period < 1) throw std::invalid_argument("cosine schedule: period must be at least 1 epoch");
}

double CosineSchedule::learning_rate_at(int64_t t) const {
  check_time(t);
  if (t >= period_) return minimum_;
  const double pi = std::acos(-1.0);
  return minimum_ + (base_ - minimum_) * (1 + std::cos(pi * static_cast<double>(t) / static_cast<double>(period_))) / 2;
}

WarmupSchedule::WarmupSchedule(double base, int64_t warmup, std::unique_ptr<LearningRateSchedule> after)
    : base_(base), warmup_(warmup), after_(std::move(after)) {
  check_rate(base, "learning rate");
  if (warmup < 0) throw std::invalid_argument("warm-up length must be non-negative");
  if (!after_) throw std::invalid_argument("warm-up needs a schedule to hand over to");
}

double WarmupSchedule::learning_rate_at(int64_t t) const {
  check_time(t);
  if (t < warmup_) return base_ * static_cast<double>(t + 1) / static_cast<double>(warmup_ + 1);
  return after_->learning_rate_at(t - warmup_);
}

std::unique_ptr<LearningRateSchedule> make_schedule(const ScheduleOptions& options) {
  std::unique_ptr<LearningRateSchedule> main;
  const double base = options.base_learning_rate;
  if (options.kind == "constant") {
    main = std::make_unique<ConstantSchedule>(base);
  } else if (options.kind == "step") {
    main = std::make_unique<StepDecaySchedule>(base, options.step_size, options.gamma);
  } else if (options.kind == "cosine") {
    main = std::make_unique<CosineSchedule>(base, options.period, options.minimum_learning_rate);
  } else {
    throw std::invalid_argument("unknown learning-rate schedule '" + options.kind +
                                "' (known: constant, step, cosine)");
  }
  if (options.warmup < 0) throw std::invalid_argument("warm-up length must be non-negative");
  if (options.warmup == 0) return main;
  return std::make_unique<WarmupSchedule>(base, options.warmup, std::move(main));
}

}  // namespace nv
