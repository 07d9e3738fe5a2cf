#include "nn/optim.h"

#include <algorithm>
#include <cmath>

#include "autograd/grad_mode.h"
#include "autograd/node.h"
#include "tensor/ops.h"

namespace rill::nn {

Optimizer::Optimizer(std::vector<NamedTensor> params, double lr) : params_(std::move(params)), lr_(lr) {
  RILL_CHECK(lr >= 0, "optimizer: learning rate must be >= 0, got {}", lr);
  for (const auto& [name, p] : params_)
    RILL_CHECK(requires_grad(p), "optimizer: parameter '{}' does not require grad", name);
}

void Optimizer::zero_grad() {
  for (auto& [name, p] : params_) rill::zero_grad(p);
}

Tensor& Optimizer::buffer(const std::string& kind, size_t i) {
  auto [it, inserted] = state_.try_emplace(kind + "." + params_[i].first);
  if (inserted) it->second = zeros_like(detach(params_[i].second));
  return it->second;
}

// On the CPU whatever the parameter's device: the host reads and writes the count at
// every step (for the bias corrections), and a GPU copy would cost one device
// synchronisation per parameter per step.
Tensor& Optimizer::step_count(size_t i) {
  auto [it, inserted] = state_.try_emplace("step." + params_[i].first);
  if (inserted) it->second = zeros({}, DType::Float64);
  return it->second;
}

StateDict Optimizer::state_dict() const {
  StateDict out(state_.begin(), state_.end());
  out.emplace_back("step", tensor(std::vector<int64_t>{steps_}));
  return out;
}

void Optimizer::check_state_dict(const StateDict& state) const {
  const std::string what = "optimizer load_state_dict";
  std::map<std::string, Tensor> given;
  for (const auto& [name, t] : state) RILL_CHECK(given.emplace(name, t).second, "{}: '{}' is given twice", what, name);
  // Every entry but "step" is "kind.param_name": a kind this optimizer keeps, for one of its parameters.
  const std::vector<std::string> kinds = state_kinds();
  double max_count = 0;
  for (const auto& [name, t] : given) {
    if (name == "step") continue;
    const size_t dot = name.find('.');
    const std::string kind = name.substr(0, dot), param = dot == std::string::npos ? "" : name.substr(dot + 1);
    RILL_CHECK(std::find(kinds.begin(), kinds.end(), kind) != kinds.end(),
               "{}: '{}' is state this optimizer does not keep (a checkpoint of another optimizer?)", what, name);
    const auto match =
        std::find_if(params_.begin(), params_.end(), [&](const NamedTensor& p) { return p.first == param; });
    RILL_CHECK(match != params_.end(), "{}: '{}' names no parameter of this optimizer", what, name);
    const Tensor& p = match->second;
    if (kind == "step") {
      // Adam's per-parameter count of the updates it has had (for the bias corrections).
      RILL_CHECK(t.dtype() == DType::Float64 && t.dim() == 0, "{}: '{}' is {} {}, expected a float64 scalar", what,
                 name, t.dtype(), shape_str(t.shape()));
      // A whole number >= 1 (the count is created at the first update), at most 2^53,
      // beyond which doubles no longer hold every whole number.
      const double count = t.item();
      RILL_CHECK(count >= 1 && count <= 0x1p53 && count == std::floor(count),
                 "{}: '{}' = {} is not a whole number of steps", what, name, count);
      max_count = std::max(max_count, count);
    } else {
      RILL_CHECK(t.shape() == p.shape() && t.dtype() == p.dtype(), "{}: '{}' is {} {}, the parameter is {} {}", what,
                 name, t.dtype(), shape_str(t.shape()), p.dtype(), shape_str(p.shape()));
    }
  }
  // The optimizer's own step count, which no parameter's count can exceed.
  const auto step_it = given.find("step");
  RILL_CHECK(step_it != given.end(), "{}: the state has no 'step' entry", what);
  const Tensor& step_tensor = step_it->second;
  RILL_CHECK(step_tensor.dtype() == DType::Int64 && step_tensor.numel() == 1, "{}: 'step' is {} {}, expected one int64",
             what, step_tensor.dtype(), shape_str(step_tensor.shape()));
  const int64_t step = step_tensor.to_vector<int64_t>()[0];
  RILL_CHECK(step >= 0, "{}: 'step' is {}, negative", what, step);
  RILL_CHECK(max_count <= static_cast<double>(step),
             "{}: a parameter's step count ({}) exceeds the optimizer's step ({})", what, max_count, step);

  // Complete: a parameter has all of its state or none (an optimizer creates a
  // parameter's state on its first gradient, all kinds at once).
  for (const auto& [param, p] : params_) {
    size_t present = 0;
    for (const std::string& kind : kinds) present += given.count(kind + "." + param);
    if (present == 0 || present == kinds.size()) continue;
    for (const std::string& kind : kinds)
      RILL_CHECK(given.count(kind + "." + param), "{}: '{}.{}' is missing (parameter '{}' has other state)", what, kind,
                 param, param);
  }
}

void Optimizer::load_state_dict(const StateDict& state) {
  check_state_dict(state);  // all or nothing
  std::map<std::string, Tensor> buffers;
  int64_t step = 0;
  for (const auto& [name, t] : state) {
    if (name == "step") {
      step = t.to_vector<int64_t>()[0];
      continue;
    }
    const size_t dot = name.find('.');
    const std::string kind = name.substr(0, dot), param = name.substr(dot + 1);
    // Buffers go to their parameter's device; step counts stay on the CPU (step_count).
    for (const auto& [n, p] : params_)
      if (n == param) buffers[name] = ops::to(ops::clone(t), kind == "step" ? Device::cpu() : p.device());
  }
  state_ = std::move(buffers);
  steps_ = step;
}

SGD::SGD(std::vector<NamedTensor> params, SGDOptions o) : Optimizer(std::move(params), o.lr), options(o) {
  RILL_CHECK(!o.nesterov || (o.momentum > 0 && o.dampening == 0),
             "SGD: Nesterov momentum needs momentum > 0 and dampening 0");
}

void SGD::step() {
  no_grad guard;
  ++steps_;
  for (size_t i = 0; i < params_.size(); ++i) {
    const Tensor& p = params_[i].second;
    Tensor d = grad_of(p);
    if (!d.defined()) continue;
    if (options.weight_decay != 0) d = ops::add(d, ops::mul(detach(p), options.weight_decay));
    if (options.momentum != 0) {
      // The buffer starts as the first gradient this parameter receives (torch.optim's rule).
      const bool first = state_.count("momentum." + params_[i].first) == 0;
      Tensor& b = buffer("momentum", i);
      b = first ? ops::clone(d) : ops::add(ops::mul(b, options.momentum), ops::mul(d, 1 - options.dampening));
      d = options.nesterov ? ops::add(d, ops::mul(b, options.momentum)) : b;
    }
    ops::copy_(p, ops::sub(detach(p), ops::mul(d, lr_)));
  }
}

Adam::Adam(std::vector<NamedTensor> params, AdamOptions o, bool decoupled)
    : Optimizer(std::move(params), o.lr), options(o), decoupled_(decoupled) {
  RILL_CHECK(o.beta1 >= 0 && o.beta1 < 1 && o.beta2 >= 0 && o.beta2 < 1, "Adam: betas must be in [0, 1), got ({}, {})",
             o.beta1, o.beta2);
}

void Adam::step() {
  no_grad guard;
  ++steps_;
  for (size_t i = 0; i < params_.size(); ++i) {
    Tensor g = grad_of(params_[i].second);
    if (!g.defined()) continue;
    // Bias corrections use this parameter's own step count (it may have skipped steps
    // without a gradient), kept in its state as "step.<name>", as torch.optim does; a
    // CPU scalar, so reading it costs no device synchronisation.
    Tensor& count = step_count(i);
    const double t = count.item() + 1;
    ops::fill_(count, t);
    const double bias1 = 1 - std::pow(options.beta1, t), bias2 = 1 - std::pow(options.beta2, t);
    ops::adam_step_(params_[i].second, g, buffer("exp_avg", i), buffer("exp_avg_sq", i),
                    {lr_, options.beta1, options.beta2, options.eps, options.weight_decay, decoupled_, bias1, bias2});
  }
}

double clip_grad_norm_(const std::vector<Tensor>& params, double max_norm) {
  no_grad guard;
  // The squared norms are summed in float64 on the gradients' device and read once at
  // the end (one device-to-host copy per call on a GPU, not one per parameter).
  Tensor total;
  for (const Tensor& p : params)
    if (const Tensor g = grad_of(p); g.defined()) {
      const Tensor sq = ops::sum(ops::mul(ops::to(g, DType::Float64), ops::to(g, DType::Float64)));
      total = total.defined() ? ops::add(total, sq) : sq;
    }
  const double norm = total.defined() ? std::sqrt(total.item()) : 0.0;
  const double scale = max_norm / (norm + 1e-6);
  if (scale < 1)
    for (const Tensor& p : params)
      if (const Tensor g = grad_of(p); g.defined()) ops::copy_(g, ops::mul(g, scale));
  return norm;
}

}  // namespace rill::nn
