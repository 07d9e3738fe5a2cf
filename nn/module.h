// rill nn — Module: the building block of networks.
//
// A Module owns named parameters (tensors trained by the optimizer), named buffers
// (state that is saved but not trained) and named child modules, all in the order
// they were registered. Names of nested entries are dotted paths, as in PyTorch:
//     down.0.blocks.1.conv1.weight
// so a state dict maps one to one onto the same network in another framework.
//
// A layer registers its tensors in its constructor and keeps a handle to each as a
// member (`weight`, `bias`); both name the same tensor, so optimizer updates and
// load_state_dict (which write in place) are seen through either.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "io/state_dict.h"
#include "tensor/tensor.h"

namespace rill::nn {

// An ordered list of (dotted name, tensor): what state_dict() returns and a checkpoint holds.
using io::NamedTensor;
using io::StateDict;

class Module {
 public:
  virtual ~Module() = default;
  Module() = default;
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  // Parameters of this module and all its children, in registration order.
  std::vector<NamedTensor> named_parameters() const;
  std::vector<Tensor> parameters() const;
  std::vector<NamedTensor> named_buffers() const;
  int64_t num_parameters() const;  // total number of elements

  // train(): dropout active, etc.; eval(): inference behaviour. Recursive.
  void train(bool on = true);
  void eval() { train(false); }
  bool is_training() const { return training_; }

  // Forgets every parameter's accumulated gradient.
  void zero_grad();
  // Moves / casts every parameter and buffer in place (handles stay valid).
  void to(Device device);
  void to(DType dtype);

  // Parameters then buffers, with dotted names (detached views of the live tensors).
  StateDict state_dict() const;
  // Throws, listing the problems, unless `state` has exactly this module's names, each
  // with its shape and dtype. Changes nothing.
  void check_state_dict(const StateDict& state) const;
  // Copies values into the live tensors after check_state_dict: a state dict that does
  // not match changes nothing.
  void load_state_dict(const StateDict& state);

  // Registers a parameter (it will require grad) and returns its handle. Public, as in
  // PyTorch's C++ API, so a container can register into a child it builds.
  Tensor register_parameter(const std::string& name, Tensor t);
  Tensor register_buffer(const std::string& name, Tensor t);
  template <typename M>
  std::shared_ptr<M> register_module(const std::string& name, std::shared_ptr<M> child) {
    add_child(name, child);
    return child;
  }

 private:
  void add_child(const std::string& name, std::shared_ptr<Module> child);
  void collect(const std::string& prefix, bool parameters, std::vector<NamedTensor>& out) const;

  std::vector<NamedTensor> parameters_, buffers_;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> children_;
  bool training_ = true;
};

// A module with one input and one output: what Sequential chains.
class UnaryModule : public Module {
 public:
  virtual Tensor forward(const Tensor& x) = 0;
  Tensor operator()(const Tensor& x) { return forward(x); }
};

}  // namespace rill::nn
