// rill examples — training progress.
//
// On a terminal: one line redrawn in place,
//   [=========>          ]  1200/3000  loss 0.8123  412.5 it/s  ETA 0:04
// Otherwise (a log file, CI): a plain line every `every` steps and at the end.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace rill::examples {

class Progress {
 public:
  Progress(int64_t total, int64_t first_step = 0, int64_t every = 100);
  // After step `step` (0-based) with this loss; the loss shown is an exponential moving average.
  void update(int64_t step, double loss);
  void finish();
  double smoothed_loss() const { return smoothed_; }
  double elapsed_seconds() const;

 private:
  int64_t total_, first_, every_;
  bool tty_;
  double smoothed_ = 0;
  bool has_loss_ = false;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
};

}  // namespace rill::examples
