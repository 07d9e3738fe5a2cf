#include "nn/module.h"

#include <map>

#include "autograd/node.h"
#include "tensor/ops.h"

namespace rill::nn {

Tensor Module::register_parameter(const std::string& name, Tensor t) {
  for (const auto& [n, p] : parameters_) RILL_CHECK(n != name, "register_parameter: '{}' is already registered", name);
  requires_grad_(t);
  parameters_.emplace_back(name, t);
  return t;
}

Tensor Module::register_buffer(const std::string& name, Tensor t) {
  buffers_.emplace_back(name, t);
  return t;
}

void Module::add_child(const std::string& name, std::shared_ptr<Module> child) {
  RILL_CHECK(child != nullptr, "register_module: module '{}' is null", name);
  for (const auto& [n, c] : children_) RILL_CHECK(n != name, "register_module: '{}' is already registered", name);
  children_.emplace_back(name, std::move(child));
}

void Module::collect(const std::string& prefix, bool parameters, std::vector<NamedTensor>& out) const {
  for (const auto& [name, t] : parameters ? parameters_ : buffers_) out.emplace_back(prefix + name, t);
  for (const auto& [name, child] : children_) child->collect(prefix + name + ".", parameters, out);
}

std::vector<NamedTensor> Module::named_parameters() const {
  std::vector<NamedTensor> out;
  collect("", true, out);
  return out;
}

std::vector<Tensor> Module::parameters() const {
  std::vector<Tensor> out;
  for (auto& [name, t] : named_parameters()) out.push_back(t);
  return out;
}

std::vector<NamedTensor> Module::named_buffers() const {
  std::vector<NamedTensor> out;
  collect("", false, out);
  return out;
}

int64_t Module::num_parameters() const {
  int64_t n = 0;
  for (const Tensor& p : parameters()) n += p.numel();
  return n;
}

void Module::train(bool on) {
  training_ = on;
  for (auto& [name, child] : children_) child->train(on);
}

void Module::zero_grad() {
  for (const Tensor& p : parameters()) rill::zero_grad(p);
}

void Module::to(Device device) {
  for (auto& [name, t] : named_parameters()) t.set_data(ops::to(detach(t), device));
  for (auto& [name, t] : named_buffers()) t.set_data(ops::to(t, device));
}

void Module::to(DType dtype) {
  for (auto& [name, t] : named_parameters()) t.set_data(ops::to(detach(t), dtype));
  for (auto& [name, t] : named_buffers())
    if (is_floating(t.dtype())) t.set_data(ops::to(t, dtype));
}

StateDict Module::state_dict() const {
  StateDict out;
  for (auto& [name, t] : named_parameters()) out.emplace_back(name, detach(t));
  for (auto& [name, t] : named_buffers()) out.emplace_back(name, detach(t));
  return out;
}

void Module::load_state_dict(const StateDict& state) {
  std::map<std::string, Tensor> given(state.begin(), state.end());
  const StateDict mine = state_dict();
  // Check everything first, so that a bad state dict changes nothing.
  std::vector<std::string> missing, mismatched, unexpected;
  for (const auto& [name, t] : mine) {
    auto it = given.find(name);
    if (it == given.end()) {
      missing.push_back(name);
    } else {
      if (it->second.shape() != t.shape())
        mismatched.push_back(fmt::format("{} (checkpoint {}, model {})", name, shape_str(it->second.shape()),
                                         shape_str(t.shape())));
      given.erase(it);
    }
  }
  for (const auto& [name, t] : given) unexpected.push_back(name);
  RILL_CHECK(missing.empty() && mismatched.empty() && unexpected.empty(),
             "load_state_dict: state dict does not match the model; missing keys: [{}]; unexpected keys: [{}]; "
             "shape mismatches: [{}]",
             fmt::join(missing, ", "), fmt::join(unexpected, ", "), fmt::join(mismatched, ", "));
  std::map<std::string, Tensor> values(state.begin(), state.end());
  for (const auto& [name, t] : mine) {
    const Tensor& src = values.at(name);
    ops::copy_(t, src.device() == t.device() ? src : ops::to(src, t.device()));
  }
}

}  // namespace rill::nn
