// rill CPU — coalescing the axes of N operands that are walked together.
//
// An axis d merges into d+1 when every operand steps over it exactly as if the two were
// one long axis; size-1 axes vanish. So a contiguous tensor becomes one axis, and a
// strided loop over the result runs as few, as long, inner runs as possible. Used by
// the CPU's strided loop (loops.h) and by the CUDA backend's index arithmetic
// (cuda/loops.cuh), which includes this header alone: it has no OpenMP in it.
#pragma once

#include <array>
#include <cstddef>

#include "tensor/shape.h"

namespace rill::cpu {

// shape: the common shape; strides[k]: operand k's strides (in any unit, bytes or elements).
template <size_t N>
struct Coalesced {
  Shape shape;                     // after merging, outermost first
  std::array<Strides, N> strides;  // in the unit given (loops.h: bytes; cuda/loops.cuh: elements)
};

template <size_t N>
Coalesced<N> coalesce(const Shape& shape, const std::array<Strides, N>& strides) {
  Coalesced<N> c;
  for (size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] == 1) continue;
    const bool mergeable = !c.shape.empty() && [&] {
      for (size_t k = 0; k < N; ++k)
        if (c.strides[k].back() != strides[k][d] * shape[d]) return false;
      return true;
    }();
    if (mergeable) {
      c.shape.back() *= shape[d];
      for (size_t k = 0; k < N; ++k) c.strides[k].back() = strides[k][d];
    } else {
      c.shape.push_back(shape[d]);
      for (size_t k = 0; k < N; ++k) c.strides[k].push_back(strides[k][d]);
    }
  }
  return c;
}

}  // namespace rill::cpu
