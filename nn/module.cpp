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

void Module::check_state_dict(const StateDict& state) const {
  std::map<std::string, Tensor> given;
  std::vector<std::string> duplicated, missing, mismatched, unexpected;
  for (const auto& [name, t] : state)
    if (!given.emplace(name, t).second) duplicated.push_back(name);
  for (const auto& [name, t] : state_dict()) {
    auto it = given.find(name);
    if (it == given.end()) {
      missing.push_back(name);
      continue;
    }
    const Tensor& g = it->second;
    if (g.shape() != t.shape() || g.dtype() != t.dtype())
      mismatched.push_back(fmt::format("{} (checkpoint {} {}, model {} {})", name, g.dtype(), shape_str(g.shape()),
                                       t.dtype(), shape_str(t.shape())));
    given.erase(it);
  }
  for (const auto& [name, t] : given) unexpected.push_back(name);
  std::vector<std::string> problems;
  const auto list = [&](const char* what, const std::vector<std::string>& names) {
    if (!names.empty()) problems.push_back(fmt::format("{}: [{}]", what, fmt::join(names, ", ")));
  };
  list("missing keys", missing);
  list("unexpected keys", unexpected);
  list("shape or dtype mismatches", mismatched);
  list("duplicate keys", duplicated);
  RILL_CHECK(problems.empty(), "load_state_dict: state dict does not match the model; {}", fmt::join(problems, "; "));
}

void Module::load_state_dict(const StateDict& state) {
  check_state_dict(state);  // first, so that a bad state dict changes nothing
  std::map<std::string, Tensor> values(state.begin(), state.end());
  for (const auto& [name, t] : state_dict()) {
    const Tensor& src = values.at(name);
    ops::copy_(t, src.device() == t.device() ? src : ops::to(src, t.device()));
  }
}

}  // namespace rill::nn
