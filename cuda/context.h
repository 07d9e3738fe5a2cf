// rill CUDA — the process-wide CUDA state: one stream and one cuBLAS handle.
//
// Every kernel, copy and GEMM of the backend runs on the single stream below, in
// the order the host issues them. This is what makes the caching allocator safe
// without events: a block freed by the host is reused only by work issued later
// on the same stream, which runs after every kernel that used the block before.
#pragma once

#include <cublas_v2.h>
#include <cuda_runtime.h>

namespace rill::cuda {

cudaStream_t stream();         // created on first use (non-blocking w.r.t. the legacy stream)
cublasHandle_t cublas();       // created on first use, bound to stream()

// Threads per block for the simple one-thread-per-element kernels, and the grid
// that covers n elements (kernels loop with a grid stride, so the grid is capped).
constexpr int kThreads = 256;
inline unsigned blocks_for(int64_t n) {
  const int64_t b = (n + kThreads - 1) / kThreads;
  return static_cast<unsigned>(b < 65535 * 8 ? (b > 0 ? b : 1) : 65535 * 8);
}

}  // namespace rill::cuda
