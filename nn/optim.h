// rill nn — optimizers: SGD (momentum, Nesterov, weight decay), Adam, AdamW.
//
// An optimizer holds (name, parameter) pairs, normally model.named_parameters(), and
// on step() updates each parameter that has a gradient, in place, exactly as
// PyTorch's torch.optim does (formulas at each class). In place means the parameters'
// versions move: a graph recorded before step() can no longer be backpropagated
// (autograd/saved.h), as in PyTorch. Its state (momentum buffers,
// moment estimates, the step count) is a StateDict keyed by parameter name, e.g.
// "exp_avg.net.0.weight", so it can be saved in a checkpoint and restored.
#pragma once

#include <map>
#include <vector>

#include "nn/module.h"

namespace rill::nn {

class Optimizer {
 public:
  Optimizer(std::vector<NamedTensor> params, double lr);
  virtual ~Optimizer() = default;

  virtual void step() = 0;
  void zero_grad();

  double lr() const { return lr_; }
  void set_lr(double lr) { lr_ = lr; }
  int64_t steps_taken() const { return steps_; }

  // The optimizer's state. Like Module::state_dict (and torch.optim), the dict shares
  // the state's tensors, which step() updates in place: clone them for a snapshot.
  StateDict state_dict() const;
  // Throws unless `state` is a complete state of this optimizer: "step" (int64, one
  // element, >= 0), and for each parameter either no state at all (it has never had a
  // gradient) or every kind state_kinds() lists, each "kind.<parameter name>" with the
  // parameter's shape and dtype, except Adam's per-parameter step count "step.<name>",
  // a float64 scalar holding a whole number in [1, step]. Nothing else. Changes nothing.
  void check_state_dict(const StateDict& state) const;
  // Takes copies of the state after check_state_dict (all or nothing): buffers on their
  // parameter's device, step counts on the CPU.
  void load_state_dict(const StateDict& state);

 protected:
  // Per-parameter buffer `kind` (e.g. "exp_avg"), created as zeros on first use.
  Tensor& buffer(const std::string& kind, size_t param_index);
  // Per-parameter step count (a float64 scalar in the state, "step.<name>"), always on
  // the CPU, also for parameters on a GPU and after load_state_dict.
  Tensor& step_count(size_t param_index);
  // The buffer kinds this optimizer keeps; load_state_dict refuses others.
  virtual std::vector<std::string> state_kinds() const = 0;

  std::vector<NamedTensor> params_;
  double lr_;
  int64_t steps_ = 0;
  std::map<std::string, Tensor> state_;  // "kind.param_name" -> tensor (references stay valid)
};

struct SGDOptions {
  double lr = 1e-2, momentum = 0, dampening = 0, weight_decay = 0;
  bool nesterov = false;
};

// d = g + wd p;  with momentum: b = mu b + (1 - dampening) d (b = d on the first step),
// d = nesterov ? d + mu b : b;   p -= lr d
class SGD : public Optimizer {
 public:
  SGD(std::vector<NamedTensor> params, SGDOptions options);
  void step() override;
  std::vector<std::string> state_kinds() const override { return {"momentum"}; }
  SGDOptions options;
};

struct AdamOptions {
  double lr = 1e-3, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weight_decay = 0;
};

// Adam (Kingma & Ba, 2015), with L2 weight decay folded into the gradient:
//   g += wd p;  m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2
//   p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
// AdamW (Loshchilov & Hutter, 2019) decouples the decay: p *= 1 - lr wd first, and
// the gradient is left alone.
class Adam : public Optimizer {
 public:
  Adam(std::vector<NamedTensor> params, AdamOptions options, bool decoupled_weight_decay = false);
  void step() override;
  std::vector<std::string> state_kinds() const override { return {"exp_avg", "exp_avg_sq", "step"}; }
  AdamOptions options;

 private:
  bool decoupled_;
};

class AdamW : public Adam {
 public:
  // PyTorch's AdamW default weight decay is 0.01.
  AdamW(std::vector<NamedTensor> params, AdamOptions opts = {1e-3, 0.9, 0.999, 1e-8, 1e-2})
      : Adam(std::move(params), opts, true) {}
};

// Scales all gradients so their joint L2 norm is at most max_norm; returns the norm
// before clipping. (scale = max_norm / (norm + 1e-6), applied only when it is < 1.)
double clip_grad_norm_(const std::vector<Tensor>& params, double max_norm);

}  // namespace rill::nn
