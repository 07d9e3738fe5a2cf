#include "nn/ema.h"

#include <algorithm>
#include <cstdint>
#include <map>

#include "autograd/node.h"
#include "tensor/ops.h"

namespace rill::nn {

EMA::EMA(const Module& model, double decay, bool warmup) : decay_(decay), warmup_(warmup) {
  RILL_CHECK(decay >= 0 && decay <= 1, "EMA: decay must be in [0, 1], got {}", decay);
  for (const auto& [name, p] : model.named_parameters()) shadow_.emplace_back(name, ops::clone(detach(p)));
}

double EMA::decay_at(int64_t step) const {
  RILL_CHECK(step >= 0, "EMA: step must be >= 0, got {}", step);
  if (!warmup_) return decay_;
  const double n = static_cast<double>(step);
  return std::min(decay_, (1 + n) / (10 + n));
}

void EMA::update(const Module& model, int64_t step) {
  const double decay = decay_at(step);
  const auto params = model.named_parameters();
  RILL_CHECK(params.size() == shadow_.size(), "EMA::update: model has {} parameters, the average {}", params.size(),
             shadow_.size());
  for (size_t i = 0; i < params.size(); ++i) {
    RILL_CHECK(params[i].first == shadow_[i].first, "EMA::update: parameter {} is '{}', the average has '{}'", i,
               params[i].first, shadow_[i].first);
    // s = decay s + (1 - decay) p, in one pass (tensor/optim.h)
    ops::ema_update_(shadow_[i].second, detach(params[i].second), decay);
  }
}

void EMA::copy_to(Module& model) const {
  // The model's buffers are kept: only parameters are averaged.
  StateDict state = shadow_;
  for (const auto& b : model.named_buffers()) state.push_back(b);
  model.load_state_dict(state);
}

void EMA::check_state_dict(const StateDict& state) const {
  // Matched by name (a file may list tensors in any order).
  std::map<std::string, Tensor> given;
  for (const auto& [name, t] : state)
    RILL_CHECK(given.emplace(name, t).second, "EMA::load_state_dict: '{}' is given twice", name);
  for (const auto& [name, s] : shadow_) {
    auto it = given.find(name);
    RILL_CHECK(it != given.end(), "EMA::load_state_dict: '{}' is missing", name);
    RILL_CHECK(it->second.shape() == s.shape() && it->second.dtype() == s.dtype(),
               "EMA::load_state_dict: '{}' is {} {}, expected {} {}", name, it->second.dtype(),
               shape_str(it->second.shape()), s.dtype(), shape_str(s.shape()));
    given.erase(it);
  }
  RILL_CHECK(given.empty(), "EMA::load_state_dict: '{}' is no parameter of the averaged model", given.begin()->first);
}

void EMA::load_state_dict(const StateDict& state) {
  check_state_dict(state);  // all or nothing
  std::map<std::string, Tensor> given(state.begin(), state.end());
  for (auto& [name, s] : shadow_) ops::copy_(s, ops::to(given.at(name), s.device()));
}

}  // namespace rill::nn
