// rill CPU — indexing kernels: index_select, gather, scatter_add.
// Index values were bounds-checked by the ops layer (tensor/index.cpp).
#include <cstring>

#include "tensor/cpu/cpu_backend.h"
#include "tensor/cpu/loops.h"

namespace rill {

using cpu::byte_strides;
using cpu::for_each_row;

void CpuBackend::index_select(const Tensor& x, const Tensor& index, const Tensor& out, int64_t outer, int64_t n,
                              int64_t inner) {
  // x: [outer, n, inner] contiguous, index: [m] contiguous -> out[o, i, :] = x[o, index[i], :]
  const int64_t m = index.numel();
  const int64_t row_bytes = inner * static_cast<int64_t>(x.element_size());
  const char* px = static_cast<const char*>(x.raw_data());
  const int64_t* pi = index.data<int64_t>();
  char* po = static_cast<char*>(out.raw_data());
#pragma omp parallel for schedule(static) if (outer * m * inner >= kParallelGrain)
  for (int64_t om = 0; om < outer * m; ++om) {
    const int64_t o = om / m, i = om % m;
    std::memcpy(po + om * row_bytes, px + (o * n + pi[i]) * row_bytes, static_cast<size_t>(row_bytes));
  }
}

namespace {
// x viewed with index's shape and stride 0 along `dim`: for each index position it
// points at x[..., 0, ...]; the kernel then adds index * x.stride(dim).
Strides gather_strides(const Tensor& x, int64_t dim) {
  Strides s = byte_strides(x);
  s[dim] = 0;
  return s;
}
}  // namespace

void CpuBackend::gather(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& out) {
  // out[..., i, ...] = x[..., index[..., i, ...], ...]  (position i along dim)
  const int64_t step = x.strides()[dim] * static_cast<int64_t>(x.element_size());
  dispatch(x.dtype(), "gather", [&]<typename T>() {
    for_each_row<3>(
        index.shape(),
        {static_cast<char*>(out.raw_data()), static_cast<char*>(index.raw_data()), static_cast<char*>(x.raw_data())},
        {byte_strides(out), byte_strides(index), gather_strides(x, dim)}, [&](auto p, auto s, int64_t n) {
          for (int64_t i = 0; i < n; ++i) {
            const int64_t j = *reinterpret_cast<const int64_t*>(p[1] + i * s[1]);
            *reinterpret_cast<T*>(p[0] + i * s[0]) = *reinterpret_cast<const T*>(p[2] + i * s[2] + j * step);
          }
        });
  });
}

void CpuBackend::scatter_add(const Tensor& out, int64_t dim, const Tensor& index, const Tensor& src) {
  // out[..., index[..., i, ...], ...] += src[..., i, ...]
  // Several positions may hit the same element of out, so this runs on one thread
  // (which also keeps the summation order, and thus the result, deterministic).
  const int64_t step = out.strides()[dim] * static_cast<int64_t>(out.element_size());
  dispatch(out.dtype(), "scatter_add", [&]<typename T>() {
    for_each_row<3>(
        index.shape(),
        {static_cast<char*>(out.raw_data()), static_cast<char*>(index.raw_data()), static_cast<char*>(src.raw_data())},
        {gather_strides(out, dim), byte_strides(index), byte_strides(src)},
        [&](auto p, auto s, int64_t n) {
          for (int64_t i = 0; i < n; ++i) {
            const int64_t j = *reinterpret_cast<const int64_t*>(p[1] + i * s[1]);
            *reinterpret_cast<T*>(p[0] + i * s[0] + j * step) += *reinterpret_cast<const T*>(p[2] + i * s[2]);
          }
        },
        /*parallel=*/false);
  });
}

}  // namespace rill
