// rill CUDA — the process-wide CUDA state: one stream and one cuBLAS handle.
//
// Every kernel, copy and GEMM of the backend runs on the single stream below, in
// the order the host issues them. This is what makes the caching allocator safe
// without events: a block freed by the host is reused only by work issued later
// on the same stream, which runs after every kernel that used the block before.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

#include <cublas_v2.h>

namespace rill::cuda {

cudaStream_t stream();    // created on first use (non-blocking w.r.t. the legacy stream)
cublasHandle_t cublas();  // created on first use, bound to stream()

// Threads per block for every kernel of the backend.
constexpr int kThreads = 256;

// A grid of `blocks` blocks, capped: every kernel loops with a grid stride (over elements,
// rows or groups), so a grid smaller than the work is still correct. The cap, 524280
// blocks of 256 threads, is far more than a GPU runs at once (an H200: 132 SMs x 8 blocks)
// and far below CUDA's limit for gridDim.x (2^31 - 1), which an unsigned cast of a larger
// count would overflow.
inline unsigned grid_of(int64_t blocks) {
  constexpr int64_t kMaxBlocks = 65535 * 8;
  return static_cast<unsigned>(blocks < kMaxBlocks ? (blocks > 0 ? blocks : 1) : kMaxBlocks);
}

// The grid for one thread per element of n elements.
inline unsigned blocks_for(int64_t n) { return grid_of((n + kThreads - 1) / kThreads); }

}  // namespace rill::cuda
