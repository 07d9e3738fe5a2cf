// rill autograd — the graph.
//
// Every differentiable op that sees an input requiring gradients records a Node:
// the op's backward function together with what it saved from the forward pass.
// Nodes point to the nodes that produced their inputs, so from any result the
// graph can be walked back to the leaves (tensors the user created, such as
// parameters). Each op has exactly one output, so a node receives one gradient
// dL/d(output) and returns one gradient per input.
//
//     x (leaf) ──► AccumulateGrad ◄── MulBackward ◄── SumBackward ◄── loss
//                                        next[0]        next[0]
//
// A leaf that requires grad is represented in the graph by its AccumulateGrad node,
// which adds incoming gradients into the leaf's `.grad`. The engine (engine.h) walks
// the graph; the ops (the other files in this folder) build it.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "autograd/saved.h"
#include "tensor/tensor.h"

namespace rill {

class Node;

// What a tensor carries for autograd (the tensor layer's slot, filled here).
struct AutogradMeta {
  bool requires_grad = false;
  Tensor grad;                           // leaves: the accumulated gradient
  std::shared_ptr<Node> grad_fn;         // results of ops: the node that made them
  std::weak_ptr<Node> grad_accumulator;  // leaves: their AccumulateGrad, while a graph holds it
  Tensor tangent;                        // forward mode: dx/ds, when one is pushed (forward_ad.h)
};

// Where the gradient for one input of a node goes: the node that produced that input
// (null when the input needs no gradient) and the input's shape, dtype and device,
// against which the engine checks every gradient a backward function returns
// (dL/dx has x's shape, dtype and device).
struct Edge {
  std::shared_ptr<Node> node;
  Shape shape;
  DType dtype = DType::Float32;
  Device device = Device::cpu();
};

class Node {
 public:
  Node();
  virtual ~Node();
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  // "MulBackward", as shown in errors and when printing a graph.
  virtual std::string name() const = 0;
  // dL/d(output) -> dL/d(input_i) for each input, exactly next.size() of them, in
  // order; an undefined Tensor means zero. Tensors saved by the forward pass are read
  // through SavedTensor::unpack (saved.h), which refuses ones modified in place since.
  virtual std::vector<Tensor> backward(const Tensor& grad_output) = 0;
  // Drops what the forward pass saved (called by the engine after backward unless
  // the graph is retained). Nodes that save tensors override it.
  virtual void release_saved() {}

  std::vector<Edge> next;  // one per input, in the op's argument order
  bool released = false;   // saved tensors were freed: a second backward is an error

  // Number of nodes alive in the process: tests use it to prove graphs are freed.
  static int64_t live_count();
};

// The node that adds gradients into a leaf's .grad.
class AccumulateGrad final : public Node {
 public:
  explicit AccumulateGrad(std::shared_ptr<AutogradMeta> leaf) : leaf_(std::move(leaf)) {}
  std::string name() const override { return "AccumulateGrad"; }
  std::vector<Tensor> backward(const Tensor& grad_output) override;

 private:
  std::shared_ptr<AutogradMeta> leaf_;
};

// ---- the state of one tensor -------------------------------------------------------
bool requires_grad(const Tensor& x);
// Marks a leaf as needing gradients (returns x, so it can wrap a factory call).
// Only floating tensors can; results of ops already know whether they need them.
Tensor requires_grad_(const Tensor& x, bool on = true);
// The gradient accumulated into a leaf by backward() (undefined before).
Tensor grad_of(const Tensor& x);
// Forgets a leaf's accumulated gradient.
void zero_grad(const Tensor& x);
// A new handle to the same data that is cut off from the graph.
Tensor detach(const Tensor& x);
// The node that produced x (null for leaves and tensors outside the graph).
std::shared_ptr<Node> grad_fn(const Tensor& x);

// The node gradients for x flow into: its grad_fn, its (shared) AccumulateGrad if it
// is a leaf requiring grad, or null.
std::shared_ptr<Node> gradient_edge(const Tensor& x);

// Records node type N for an op whose result is `out` and whose inputs are `inputs`,
// if grad mode is on and any input requires grad; returns the node so the op can
// save what its backward needs, or null when nothing is recorded. Typical use
// (autograd/unary.cpp; save_for_backward is in saved.h):
//     Tensor y = ops::exp(x);
//     if (auto node = record<ExpBackward>(y, {x})) node->saved = save_for_backward(y);
template <typename N>
std::shared_ptr<N> record(const Tensor& out, const std::vector<Tensor>& inputs);

// ---- implementation of record -------------------------------------------------------
bool any_requires_grad(const std::vector<Tensor>& inputs);
void connect(const std::shared_ptr<Node>& node, const Tensor& out, const std::vector<Tensor>& inputs);

template <typename N>
std::shared_ptr<N> record(const Tensor& out, const std::vector<Tensor>& inputs) {
  if (!any_requires_grad(inputs)) return nullptr;
  auto node = std::make_shared<N>();
  connect(node, out, inputs);
  return node;
}

}  // namespace rill
