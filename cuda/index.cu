// rill CUDA — indexing kernels: index_select, gather, scatter_add.
// Index values were bounds-checked by the ops layer (tensor/index.cpp).
// Algorithms: tensor/cpu/index.cpp; one thread per output (or source) element.
#include <type_traits>

#include "cuda/cuda_backend.h"
#include "cuda/loops.cuh"

namespace rill::cuda {
namespace {

// x: [outer, n, inner], index: [m] -> out[o, i, r] = x[o, index[i], r]; thread = element of out.
template <typename T>
__global__ void index_select_kernel(const T* x, const int64_t* index, T* out, int64_t outer, int64_t n, int64_t m,
                                    int64_t inner) {
  RILL_CUDA_FOR(e, outer * m * inner) {
    const int64_t r = e % inner, i = e / inner % m, o = e / (inner * m);
    out[e] = x[(o * n + index[i]) * inner + r];
  }
}

// out[..., i, ...] = x[..., index[..., i, ...], ...] along dim. Operand offsets come from
// a StridedIndex over index's shape: (out, index, x with stride 0 along dim); the kernel
// then steps index * x.stride(dim) along dim.
template <typename T>
struct GatherF {
  T* out;
  const int64_t* index;
  const T* x;
  int64_t step;
  __device__ void operator()(const int64_t (&o)[3]) const { out[o[0]] = x[o[2] + index[o[1]] * step]; }
};

// out[..., index[..., i, ...], ...] += src[..., i, ...]. Several threads may hit the same
// element of out, so the addition is atomic. (The order of the additions, and so the
// float rounding, varies from run to run, unlike the CPU's one-thread loop.)
template <typename T>
__device__ void atomic_add(T* address, T value) {
  if constexpr (std::is_same_v<T, int64_t>)
    // Two's complement addition is the same on signed and unsigned 64-bit integers.
    atomicAdd(reinterpret_cast<unsigned long long*>(address), static_cast<unsigned long long>(value));
  else
    atomicAdd(address, value);
}

template <typename T>
struct ScatterAddF {
  T* out;
  const int64_t* index;
  const T* src;
  int64_t step;
  __device__ void operator()(const int64_t (&o)[3]) const { atomic_add<T>(out + o[0] + index[o[1]] * step, src[o[2]]); }
};

// Element strides of t with the stride along dim set to 0 (see GatherF).
Strides strides_without(const Tensor& t, int64_t dim) {
  Strides s = t.strides();
  s[dim] = 0;
  return s;
}

}  // namespace

void CudaBackend::index_select(const Tensor& x, const Tensor& index, const Tensor& out, int64_t outer, int64_t n,
                               int64_t inner) {
  const int64_t m = index.numel();
  if (outer * m * inner == 0) return;
  dispatch(x.dtype(), "index_select", [&]<typename T>() {
    index_select_kernel<T><<<blocks_for(outer * m * inner), kThreads, 0, stream()>>>(ptr<T>(x), ptr<int64_t>(index),
                                                                                     ptr<T>(out), outer, n, m, inner);
    RILL_CUDA_CHECK_LAUNCH("index_select");
  });
}

void CudaBackend::gather(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& out) {
  dispatch(x.dtype(), "gather", [&]<typename T>() {
    for_each_element<3>("gather", index.shape(), {out.strides(), index.strides(), strides_without(x, dim)},
                        GatherF<T>{ptr<T>(out), ptr<int64_t>(index), ptr<T>(x), x.strides()[dim]});
  });
}

void CudaBackend::scatter_add(const Tensor& out, int64_t dim, const Tensor& index, const Tensor& src) {
  dispatch(out.dtype(), "scatter_add", [&]<typename T>() {
    for_each_element<3>("scatter_add", index.shape(), {strides_without(out, dim), index.strides(), src.strides()},
                        ScatterAddF<T>{ptr<T>(out), ptr<int64_t>(index), ptr<T>(src), out.strides()[dim]});
  });
}

}  // namespace rill::cuda
