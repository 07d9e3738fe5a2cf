#include "nn/schedule.h"

#include <algorithm>
#include <cmath>

#include "tensor/error.h"

namespace rill::nn {

LRSchedule LRSchedule::constant(double lr) {
  LRSchedule s;
  s.lr_ = lr;
  return s;
}

LRSchedule LRSchedule::warmup(double lr, int64_t warmup_steps) {
  RILL_CHECK(warmup_steps >= 0, "LRSchedule::warmup: warmup steps must be >= 0, got {}", warmup_steps);
  LRSchedule s = constant(lr);
  s.kind_ = Kind::Warmup;
  s.warmup_ = warmup_steps;
  return s;
}

LRSchedule LRSchedule::cosine(double lr, int64_t total_steps, int64_t warmup_steps, double min_lr) {
  RILL_CHECK(total_steps > warmup_steps && warmup_steps >= 0,
             "LRSchedule::cosine: need total steps ({}) > warm-up steps ({}) >= 0", total_steps, warmup_steps);
  LRSchedule s = warmup(lr, warmup_steps);
  s.kind_ = Kind::Cosine;
  s.total_ = total_steps;
  s.min_lr_ = min_lr;
  return s;
}

const std::vector<std::string>& LRSchedule::names() {
  static const std::vector<std::string> names = {"constant", "warmup", "cosine"};
  return names;
}

LRSchedule LRSchedule::parse(const std::string& name, double lr, int64_t total_steps, int64_t warmup_steps) {
  if (name == "constant") return constant(lr);
  if (name == "warmup") return warmup(lr, warmup_steps);
  if (name == "cosine") return cosine(lr, total_steps, warmup_steps);
  throw Error(fmt::format("LRSchedule: unknown schedule '{}' (expected constant, warmup or cosine)", name));
}

double LRSchedule::at(int64_t step) const {
  if (kind_ == Kind::Constant) return lr_;
  if (step < warmup_) return lr_ * static_cast<double>(step + 1) / static_cast<double>(warmup_);
  if (kind_ == Kind::Warmup) return lr_;
  const double p = std::clamp(static_cast<double>(step - warmup_) / static_cast<double>(total_ - warmup_), 0.0, 1.0);
  return min_lr_ + (lr_ - min_lr_) * 0.5 * (1 + std::cos(M_PI * p));
}

}  // namespace rill::nn
