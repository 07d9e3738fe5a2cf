// rill CPU — the strided loop every elementwise kernel is built on.
//
// for_each_row<N>(shape, ptrs, strides, body) visits all elements of `shape` for N
// operands at once (operand 0 is usually the output). Operand k's element at
// index (i0, i1, ...) is at byte address ptrs[k] + sum_d i_d * strides[k][d].
// It calls body(p, s, n) once per innermost run of n elements, where p[k] points at
// the run's first element of operand k and s[k] is its byte stride along the run.
//
// Before looping, axes are "coalesced" (tensor/cpu/coalesce.h): a contiguous tensor
// becomes a single run; a broadcast over the last axis becomes runs with stride 0. Rows are split across OpenMP threads
// when the loop is large (and `parallel` is true: kernels whose rows write to shared places, like scatter_add, pass
// false); rows are independent, so results do not depend on the thread count.
#pragma once

#include <array>
#include <cstdint>

#include "tensor/cpu/coalesce.h"
#include "tensor/cpu/parallel.h"
#include "tensor/shape.h"

namespace rill::cpu {

template <size_t N, typename Body>
void for_each_row(const Shape& shape, const std::array<char*, N>& ptrs, const std::array<Strides, N>& byte_strides,
                  Body&& body, bool parallel = true) {
  if (numel(shape) == 0) return;
  const Coalesced<N> c = coalesce<N>(shape, byte_strides);
  if (c.shape.empty()) {  // a single element
    std::array<int64_t, N> zero{};
    body(ptrs, zero, int64_t{1});
    return;
  }
  const int64_t ndim = static_cast<int64_t>(c.shape.size());
  const int64_t inner = c.shape.back();
  const int64_t rows = numel(c.shape) / inner;
  std::array<int64_t, N> inner_stride;
  for (size_t k = 0; k < N; ++k) inner_stride[k] = c.strides[k].back();

#pragma omp parallel for schedule(static) if (parallel && rows > 1 && rows * inner >= kParallelGrain)
  for (int64_t row = 0; row < rows; ++row) {
    // Unravel the row number into indices of the outer axes to find each operand's start.
    std::array<char*, N> p = ptrs;
    int64_t rest = row;
    for (int64_t d = ndim - 2; d >= 0; --d) {
      const int64_t i = rest % c.shape[d];
      rest /= c.shape[d];
      for (size_t k = 0; k < N; ++k) p[k] += i * c.strides[k][d];
    }
    body(p, inner_stride, inner);
  }
}

// Byte strides of a tensor (element strides times element size).
template <typename TensorT>
Strides byte_strides(const TensorT& t) {
  Strides s = t.strides();
  for (auto& v : s) v *= static_cast<int64_t>(t.element_size());
  return s;
}

}  // namespace rill::cpu
