// rill nn — exponential moving average of a model's parameters:
//   shadow = decay * shadow + (1 - decay) * parameter     after every optimizer step.
// Sampling from the averaged weights gives smoother, usually better, generative models.
//
// Warm-up: with decay 0.999 the average still holds 0.999^n of the initial weights after n
// steps (37% after 1,000), so a short run's average is stuck near the untrained network.
// With warmup the decay after optimizer step n (0-based) is
//   min(decay, (1 + n) / (10 + n))        (0.1 at the first step, 0.9 at n = 80, 0.99 at n = 890)
// as TensorFlow's ExponentialMovingAverage with num_updates and many diffusion codebases do.
// The decay depends only on n, so a resumed run averages exactly as an uninterrupted one.
#pragma once

#include "nn/module.h"

namespace rill::nn {

class EMA {
 public:
  EMA(const Module& model, double decay = 0.999, bool warmup = false);
  // After optimizer step `step` (0-based): shadow = d shadow + (1 - d) parameter, d = decay_at(step).
  void update(const Module& model, int64_t step);
  void update(const Module& model) { update(model, INT64_MAX / 2); }  // the full decay
  double decay_at(int64_t step) const;
  // Loads the averaged weights into `model` (a second instance, or the same one for evaluation).
  void copy_to(Module& model) const;

  const StateDict& state_dict() const { return shadow_; }
  // Throws unless `state` holds exactly the average's names, each with its shape and dtype.
  void check_state_dict(const StateDict& state) const;
  // Copies the values in after check_state_dict (all or nothing).
  void load_state_dict(const StateDict& state);
  double decay() const { return decay_; }
  bool warmup() const { return warmup_; }

 private:
  StateDict shadow_;  // parameter name -> averaged copy
  double decay_;
  bool warmup_;
};

}  // namespace rill::nn
