// rill CUDA — every CUDA runtime and cuBLAS call goes through one of these checks.
//
// A failed call becomes a rill::Error whose message names the op that made it, the
// call and CUDA's own description, e.g.
//   "matmul: cublasSgemmStridedBatched failed: CUBLAS_STATUS_INVALID_VALUE"
// Kernel launches report configuration errors through cudaGetLastError, and errors
// inside a kernel surface at the next synchronising call (a host copy): so an
// asynchronous failure is named by that later call. Run with CUDA_LAUNCH_BLOCKING=1
// to make every launch synchronous and pin the error on the kernel that caused it.
#pragma once

#include <cuda_runtime.h>

#include "tensor/error.h"
#include <cublas_v2.h>

namespace rill::cuda {

inline void check(cudaError_t status, const char* call, const char* op) {
  if (status != cudaSuccess) {
    cudaGetLastError();  // clear a non-sticky error so that later calls can proceed
    throw Error(fmt::format("{}: {} failed: {} ({})", op, call, cudaGetErrorString(status), cudaGetErrorName(status)));
  }
}

inline void check(cublasStatus_t status, const char* call, const char* op) {
  if (status != CUBLAS_STATUS_SUCCESS)
    throw Error(fmt::format("{}: {} failed: {}", op, call, cublasGetStatusString(status)));
}

}  // namespace rill::cuda

// RILL_CUDA_CHECK(cudaMemcpy(...), "copy_to_host"): the call's source text names it.
#define RILL_CUDA_CHECK(call, op) ::rill::cuda::check((call), #call, (op))

// After a kernel launch: configuration errors (bad grid, no device) are reported here.
#define RILL_CUDA_CHECK_LAUNCH(op) ::rill::cuda::check(cudaGetLastError(), "kernel launch", (op))
