// rill autograd — a tensor saved for backward, with the version it was saved at.
//
// exp's backward computes dx = g * y from the y the forward pass returned. If y is
// then overwritten in place (ops::fill_(y, 0), an optimizer step on a weight that a
// matmul saved, load_state_dict, ...), backward would silently use the new values and
// return a wrong gradient. So, as in PyTorch, every storage counts its in-place writes
// (its version, tensor/storage.h), a saved tensor remembers the version at save time,
// and unpacking it in backward checks that nothing has written to it since:
//
//     struct ExpBackward : Node {
//       SavedTensor saved_y;
//       std::vector<Tensor> backward(const Tensor& g) override {  // dx = g * y
//         return {ops::mul(g, saved_y.unpack(*this, "its output"))};
//       }
//       void release_saved() override { saved_y.reset(); }
//     };
//     if (auto node = record<ExpBackward>(y, {x})) node->saved_y = save_for_backward(y);
//
// (autograd/unary.cpp writes the same with the SavesOutput base: y() unpacks.)
//
// The check costs one integer comparison per unpack. What a node computes for itself
// and holds alone (VarBackward's x - mean, the norms' mean and rstd) needs no version:
// nothing else can reach it to write into it.
#pragma once

#include <cstdint>

#include "tensor/tensor.h"

namespace rill {

class Node;

class SavedTensor {
 public:
  SavedTensor() = default;  // nothing saved (e.g. an optional weight that was not given)

  // The tensor's data, checked: throws rill::Error naming `node`, `which` saved tensor
  // (e.g. "its output", "its input x") and both versions if it was written in place
  // after it was saved. Undefined if nothing was saved (or it was released).
  const Tensor& unpack(const Node& node, const char* which) const;

  bool defined() const { return tensor_.defined(); }
  // Frees it (Node::release_saved).
  void reset() { tensor_ = Tensor(); }

 private:
  friend SavedTensor save_for_backward(const Tensor& t);
  Tensor tensor_;         // detached: same storage, no autograd slot, its own handle
  uint64_t version_ = 0;  // tensor_.version() when it was saved
};

// Saves t (undefined is allowed and stays undefined) for a node's backward. The saved
// handle is detached from the graph (a node holding its own output's graph slot would
// keep itself alive) and is a handle of its own, so set_data on the caller's tensor
// cannot redirect it (set_data bumps the old storage's version instead).
SavedTensor save_for_backward(const Tensor& t);

}  // namespace rill
