// rill nn — learning-rate schedules: the rate to use at step s (0-based).
//   constant:       lr
//   linear warm-up: lr * min(1, (s + 1) / warmup)
//   cosine:         warm-up as above, then min_lr + (lr - min_lr) (1 + cos(pi p)) / 2,
//                   p = (s - warmup) / (total - warmup) clamped to [0, 1]
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace rill::nn {

class LRSchedule {
 public:
  static LRSchedule constant(double lr);
  static LRSchedule warmup(double lr, int64_t warmup_steps);
  static LRSchedule cosine(double lr, int64_t total_steps, int64_t warmup_steps = 0, double min_lr = 0);
  // By name, as a --schedule flag gives it: "constant", "warmup", "cosine".
  static LRSchedule parse(const std::string& name, double lr, int64_t total_steps, int64_t warmup_steps);
  static const std::vector<std::string>& names();  // constant, warmup, cosine

  double at(int64_t step) const;

 private:
  enum class Kind { Constant, Warmup, Cosine } kind_ = Kind::Constant;
  double lr_ = 0, min_lr_ = 0;
  int64_t total_ = 0, warmup_ = 0;
};

}  // namespace rill::nn
