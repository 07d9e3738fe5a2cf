// rill CUDA — combining one value per thread into one value per warp or per block.
//
// Both are fixed trees: the order of the combinations depends only on the group's size,
// never on timing, so results are the same on every run. Every thread of the group gets
// the result.
#pragma once

#include "cuda/context.h"

namespace rill::cuda {

constexpr int kWarp = 32;  // threads of a warp (every NVIDIA GPU so far)

// v of the lane `lane ^ mask` of this warp (all 32 lanes must call it together). Types
// other than the built-in ones (int, long, float, double, ...) add an overload next to
// their definition, shuffling each member (reduce.cu does it for its Best<T>).
template <typename T>
__device__ T shuffle_xor(T v, int mask) {
  return __shfl_xor_sync(0xffffffffu, v, mask);
}

// Combines v over the 32 lanes of a warp, in registers (no shared memory, no barrier):
// a butterfly, lane i meeting lane i ^ 16, then i ^ 8, ... Lanes i and i ^ m compute
// combine(a, b) and combine(b, a), which are equal for the commutative combinations used
// here (+ and the max/min choices), so every lane ends with the same bits.
template <typename T, typename Combine>
__device__ T warp_reduce(T v, Combine combine) {
  for (int mask = kWarp / 2; mask > 0; mask /= 2) v = combine(v, shuffle_xor(v, mask));
  return v;
}

// Combines v over all threads of the block (blockDim.x must be kThreads): a tree over
// kThreads shared-memory slots. T must be trivially constructible (it sits in __shared__).
// Contains __syncthreads: every thread of the block must call it.
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

// A warp (kGroup == kWarp) or the whole block (kGroup == kThreads): the kernels that
// give a row to a group of threads choose the group's size by the row's length.
template <int kGroup, typename T, typename Combine>
__device__ T group_reduce(T v, Combine combine) {
  static_assert(kGroup == kWarp || kGroup == kThreads, "a group is a warp or a block");
  if constexpr (kGroup == kWarp)
    return warp_reduce(v, combine);
  else
    return block_reduce(v, combine);
}

template <typename T>
__device__ T block_sum(T v) {
  return block_reduce(v, [](T a, T b) { return a + b; });
}

template <int kGroup, typename T>
__device__ T group_sum(T v) {
  return group_reduce<kGroup>(v, [](T a, T b) { return a + b; });
}

}  // namespace rill::cuda
