// rill CUDA — the strided indexing every elementwise kernel is built on.
//
// The GPU counterpart of tensor/cpu/loops.h. A kernel runs one thread per element
// i of the output's shape (row-major order); StridedIndex<N> turns i into the
// element offset of each of N operands (operand 0 is usually the output):
//     offset_k(i) = sum_d index_d(i) * strides[k][d]
// Axes are coalesced first with the CPU's cpu::coalesce (size-1 axes vanish,
// axes that step like one long axis merge), so a contiguous tensor is a single axis
// and the unravelling loop runs once. Strides are in elements, not bytes.
#pragma once

#include <array>
#include <cstdint>

#include "cuda/check.h"
#include "cuda/context.h"
#include "tensor/cpu/coalesce.h"
#include "tensor/tensor.h"

namespace rill::cuda {

constexpr int kMaxDims = 12;

template <int N>
struct StridedIndex {
  int ndim = 0;
  int64_t size[kMaxDims];
  int64_t stride[N][kMaxDims];

  // The element offsets of all N operands for output element i.
  __device__ void offsets(int64_t i, int64_t (&off)[N]) const {
    for (int k = 0; k < N; ++k) off[k] = 0;
    for (int d = ndim - 1; d >= 0; --d) {
      const int64_t idx = i % size[d];
      i /= size[d];
      for (int k = 0; k < N; ++k) off[k] += idx * stride[k][d];
    }
  }
};

// The index for operands of one common `shape`, each with its own element strides.
template <int N>
StridedIndex<N> strided_index(const char* op, const Shape& shape, const std::array<Strides, N>& strides) {
  const cpu::Coalesced<N> c = cpu::coalesce<N>(shape, strides);
  RILL_CHECK(c.shape.size() <= static_cast<size_t>(kMaxDims),
             "{}: {} non-mergeable dimensions, the CUDA backend handles at most {}", op, c.shape.size(), kMaxDims);
  StridedIndex<N> index;
  index.ndim = static_cast<int>(c.shape.size());
  for (int d = 0; d < index.ndim; ++d) {
    index.size[d] = c.shape[d];
    for (int k = 0; k < N; ++k) index.stride[k][d] = c.strides[k][d];
  }
  return index;
}

// Typed pointer to element [0, 0, ...] of t (which lives on the device).
template <typename T>
T* ptr(const Tensor& t) {
  return static_cast<T*>(t.raw_data());
}

// Grid-stride loop over n elements: each thread handles i, i + gridDim*blockDim, ...
#define RILL_CUDA_FOR(i, n)                                                              \
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < (n); \
       i += static_cast<int64_t>(gridDim.x) * blockDim.x)

}  // namespace rill::cuda

namespace rill::cuda {

// One thread per element: f(offsets) with the N operands' element offsets.
template <int N, typename F>
__global__ void for_each_element_kernel(StridedIndex<N> index, int64_t n, F f) {
  RILL_CUDA_FOR(i, n) {
    int64_t off[N];
    index.offsets(i, off);
    f(off);
  }
}

// Runs f over every element of `shape` (the host side of the kernel above).
template <int N, typename F>
void for_each_element(const char* op, const Shape& shape, const std::array<Strides, N>& strides, F f) {
  const int64_t n = numel(shape);
  if (n == 0) return;
  const StridedIndex<N> index = strided_index<N>(op, shape, strides);
  for_each_element_kernel<N><<<blocks_for(n), kThreads, 0, stream()>>>(index, n, f);
  RILL_CUDA_CHECK_LAUNCH(op);
}

}  // namespace rill::cuda
