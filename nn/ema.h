// rill nn — exponential moving average of a model's parameters:
//   shadow = decay * shadow + (1 - decay) * parameter     after every optimizer step.
// Sampling from the averaged weights gives smoother, usually better, generative models.
#pragma once

#include "nn/module.h"

namespace rill::nn {

class EMA {
 public:
  EMA(const Module& model, double decay = 0.999);
  void update(const Module& model);
  // Loads the averaged weights into `model` (a second instance, or the same one for evaluation).
  void copy_to(Module& model) const;

  const StateDict& state_dict() const { return shadow_; }
  // Throws unless `state` holds exactly the average's names, each with its shape and dtype.
  void check_state_dict(const StateDict& state) const;
  // Copies the values in after check_state_dict (all or nothing).
  void load_state_dict(const StateDict& state);
  double decay() const { return decay_; }

 private:
  StateDict shadow_;  // parameter name -> averaged copy
  double decay_;
};

}  // namespace rill::nn
