// rill CUDA — reducing one value per thread to one value per block.
//
// A fixed tree over kThreads shared-memory slots: the order of the combinations
// depends only on the block size, so results are the same on every run.
#pragma once

#include "cuda/context.h"

namespace rill::cuda {

// Combines v over all threads of the block (blockDim.x must be kThreads); every
// thread gets the result. T must be trivially constructible (it sits in __shared__).
template <typename T, typename Combine>
__device__ T block_reduce(T v, Combine combine) {
  __shared__ T slots[kThreads];
  const unsigned t = threadIdx.x;
  slots[t] = v;
  __syncthreads();
  for (unsigned half = kThreads / 2; half > 0; half /= 2) {
    if (t < half) slots[t] = combine(slots[t], slots[t + half]);
    __syncthreads();
  }
  const T result = slots[0];
  __syncthreads();  // the slots may be reused by the next call
  return result;
}

template <typename T>
__device__ T block_sum(T v) {
  return block_reduce(v, [](T a, T b) { return a + b; });
}

}  // namespace rill::cuda
