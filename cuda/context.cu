#include "cuda/check.h"
#include "cuda/context.h"
#include "cuda/runtime.h"

namespace rill::cuda {

// Both objects live until the process ends: destroying them from a static
// destructor could run after the CUDA runtime has shut down.
cudaStream_t stream() {
  static cudaStream_t s = [] {
    cudaStream_t created = nullptr;
    RILL_CUDA_CHECK(cudaStreamCreateWithFlags(&created, cudaStreamNonBlocking), "cuda stream");
    return created;
  }();
  return s;
}

cublasHandle_t cublas() {
  static cublasHandle_t h = [] {
    cublasHandle_t created = nullptr;
    RILL_CUDA_CHECK(cublasCreate(&created), "cublas");
    RILL_CUDA_CHECK(cublasSetStream(created, stream()), "cublas");
    return created;
  }();
  return h;
}

void synchronize() { RILL_CUDA_CHECK(cudaStreamSynchronize(stream()), "synchronize"); }

}  // namespace rill::cuda
