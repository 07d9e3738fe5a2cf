// rill autograd — the backward engine.
//
// backward(loss) computes dloss/dleaf for every leaf that requires grad and adds it
// into the leaf's .grad. Step by step (engine.cpp follows these steps):
//   1. Start at the node that produced `loss`, with gradient 1 (or the given grad).
//   2. Sort the graph topologically: every node comes after all nodes that use its
//      output, so when a node runs, every gradient flowing into it has arrived.
//   3. Visit nodes in that order. Each node's incoming gradients were summed into one
//      buffer (a tensor used twice gets the sum of both gradients); the node's
//      backward turns it into one gradient per input (checked: exactly one per input,
//      each with its input's shape, dtype and device), added to the buffers of the
//      nodes that produced those inputs. AccumulateGrad nodes add into .grad. A node
//      reading a saved tensor that an in-place op has written since the forward pass
//      throws instead of computing with the new values (saved.h).
//   4. Free each node's saved tensors once it has run, unless retain_graph.
// Backward functions compute with raw ops (no graph is built while they run), so
// gradients of gradients are not available.
#pragma once

#include <vector>

#include "autograd/node.h"

namespace rill::autograd {

// Accumulates d(root)/d(leaf), contracted with `grad` (ones for a scalar root),
// into .grad of every leaf that requires grad.
void backward(const Tensor& root, const Tensor& grad = {}, bool retain_graph = false);

// Vector-Jacobian products without touching .grad: returns, for each input,
// sum_k grad_outputs[k]^T d(outputs[k])/d(input). Inputs may be leaves or
// intermediate results; an input the outputs do not depend on gets zeros. The returned
// tensors may share memory with each other or with grad_outputs (as PyTorch's may):
// clone before modifying one in place.
// retain_graph=true keeps the graph for further calls (e.g. one VJP per dimension
// for an exact divergence).
std::vector<Tensor> grad(const std::vector<Tensor>& outputs, const std::vector<Tensor>& inputs,
                         const std::vector<Tensor>& grad_outputs = {}, bool retain_graph = false);

}  // namespace rill::autograd
