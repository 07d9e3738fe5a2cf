// rill CUDA — random fills. The same Philox4x32-10 code as the CPU (tensor/philox.h,
// compiled for host and device), the same block per element and the same
// transforms as tensor/cpu/random.cpp: element i is a function of (seed, offset, i)
// only, so a CUDA tensor holds the CPU's numbers for the same generator state.
// (Uniform and integer draws are bit-identical; normals go through the device's
// log/sin/cos, which may differ from the host's libm in the last bit of a double.)
#include <type_traits>

#include "cuda/cuda_backend.h"
#include "cuda/loops.cuh"
#include "tensor/philox.h"

namespace rill::cuda {
namespace {

template <typename T>
__global__ void uniform_kernel(T* out, int64_t n, uint64_t seed, uint64_t offset) {
  RILL_CUDA_FOR(i, n) {
    const philox::Block b = philox::block(seed, offset + static_cast<uint64_t>(i));
    if constexpr (std::is_same_v<T, float>)
      out[i] = philox::uniform24(b.x[0]);
    else
      out[i] = philox::uniform53(b.x[0], b.x[1]);
  }
}

template <typename T>
__global__ void normal_kernel(T* out, int64_t n, uint64_t seed, uint64_t offset) {
  RILL_CUDA_FOR(i, n) {
    // Box-Muller on block i/2: (r cos theta, r sin theta) feed elements 2j and 2j+1.
    const philox::Block b = philox::block(seed, offset + static_cast<uint64_t>(i / 2));
    const double u1 = 1.0 - philox::uniform53(b.x[0], b.x[1]);  // (0, 1]: log is finite
    const double u2 = philox::uniform53(b.x[2], b.x[3]);
    const double r = sqrt(-2.0 * log(u1));
    const double theta = 2.0 * 3.14159265358979323846 * u2;
    out[i] = static_cast<T>(i % 2 == 0 ? r * cos(theta) : r * sin(theta));
  }
}

template <typename T>
__global__ void int_kernel(T* out, int64_t n, int64_t low, int64_t high, uint64_t seed, uint64_t offset) {
  RILL_CUDA_FOR(i, n) {
    out[i] = static_cast<T>(philox::int_in_range(philox::block(seed, offset + static_cast<uint64_t>(i)), low, high));
  }
}

}  // namespace

void CudaBackend::random_uniform(const Tensor& out, uint64_t seed, uint64_t offset) {
  const int64_t n = out.numel();
  if (n == 0) return;
  dispatch_float(out.dtype(), "rand", [&]<typename T>() {
    uniform_kernel<T><<<blocks_for(n), kThreads, 0, stream()>>>(ptr<T>(out), n, seed, offset);
    RILL_CUDA_CHECK_LAUNCH("rand");
  });
}

void CudaBackend::random_normal(const Tensor& out, uint64_t seed, uint64_t offset) {
  const int64_t n = out.numel();
  if (n == 0) return;
  dispatch_float(out.dtype(), "randn", [&]<typename T>() {
    normal_kernel<T><<<blocks_for(n), kThreads, 0, stream()>>>(ptr<T>(out), n, seed, offset);
    RILL_CUDA_CHECK_LAUNCH("randn");
  });
}

void CudaBackend::random_int(const Tensor& out, int64_t low, int64_t high, uint64_t seed, uint64_t offset) {
  const int64_t n = out.numel();
  if (n == 0) return;
  dispatch(out.dtype(), "randint", [&]<typename T>() {
    int_kernel<T><<<blocks_for(n), kThreads, 0, stream()>>>(ptr<T>(out), n, low, high, seed, offset);
    RILL_CUDA_CHECK_LAUNCH("randint");
  });
}

}  // namespace rill::cuda
