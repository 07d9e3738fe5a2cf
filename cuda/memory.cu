// rill CUDA — memory: device memory through the caching allocator (allocator.h) and
// copies between host and device on the backend's stream; also the backend object.
#include "cuda/allocator.h"
#include "cuda/check.h"
#include "cuda/context.h"
#include "cuda/cuda_backend.h"

namespace rill::cuda {

CudaBackend& cuda_backend() {
  static CudaBackend instance;
  return instance;
}

void* CudaBackend::allocate(size_t nbytes) { return device_allocator().allocate(nbytes); }

void CudaBackend::deallocate(void* ptr, size_t nbytes) { device_allocator().deallocate(ptr, nbytes); }

// Both copies wait for the stream: the host reads the result right away (to host), or
// may free or overwrite its buffer as soon as we return (from host).
void CudaBackend::copy_to_host(void* host_dst, const void* device_src, size_t nbytes) {
  if (nbytes == 0) return;
  RILL_CUDA_CHECK(cudaMemcpyAsync(host_dst, device_src, nbytes, cudaMemcpyDeviceToHost, stream()), "copy_to_host");
  RILL_CUDA_CHECK(cudaStreamSynchronize(stream()), "copy_to_host");
}

void CudaBackend::copy_from_host(void* device_dst, const void* host_src, size_t nbytes) {
  if (nbytes == 0) return;
  RILL_CUDA_CHECK(cudaMemcpyAsync(device_dst, host_src, nbytes, cudaMemcpyHostToDevice, stream()), "copy_from_host");
  RILL_CUDA_CHECK(cudaStreamSynchronize(stream()), "copy_from_host");
}

}  // namespace rill::cuda
