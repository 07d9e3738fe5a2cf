// rill CPU — matrix multiplication through BLAS (cblas_sgemm / cblas_dgemm).
//
// out[b] = a[b] @ b[b] for each batch b, with a: [B, n, k], b: [B, k, m], out: [B, n, m].
// BLAS reads a matrix given a pointer, a "leading dimension" (the stride between
// rows in row-major order) and a transpose flag. A row-major view (column stride
// 1) is passed as is; a transposed view (row stride 1), such as ops::transpose(w),
// is passed with the transpose flag: no copy. Only a view that is neither (e.g.
// every other column) is copied into contiguous memory first.
#include <cblas.h>

#include <cstdint>
#include <optional>

#include "tensor/cpu/cpu_backend.h"
#include "tensor/view.h"

namespace rill {
namespace {

struct BlasMatrix {
  CBLAS_TRANSPOSE trans;
  int64_t ld;
};

// How BLAS can read a rows x cols matrix with strides (row_stride, col_stride), if at all.
std::optional<BlasMatrix> blas_layout(int64_t rows, int64_t cols, int64_t rs, int64_t cs) {
  // The stride of a size-1 axis is never used, so it cannot disqualify a layout.
  // Row-major ("NoTrans"): element (i, j) at i * ld + j.
  if ((cols == 1 || cs == 1) && (rows == 1 || rs >= cols))
    return BlasMatrix{CblasNoTrans, rows == 1 ? std::max<int64_t>(cols, 1) : rs};
  // Column-major ("Trans"): element (i, j) at j * ld + i.
  if ((rows == 1 || rs == 1) && (cols == 1 || cs >= rows))
    return BlasMatrix{CblasTrans, cols == 1 ? std::max<int64_t>(rows, 1) : cs};
  return std::nullopt;
}

// Every batch element of x must be readable by BLAS; otherwise use a contiguous copy.
Tensor blas_ready(const Tensor& x, std::optional<BlasMatrix>& layout) {
  layout = blas_layout(x.shape()[1], x.shape()[2], x.strides()[1], x.strides()[2]);
  if (layout) return x;
  Tensor c = ops::contiguous(x);
  layout = blas_layout(c.shape()[1], c.shape()[2], c.strides()[1], c.strides()[2]);
  return c;
}

void gemm(const BlasMatrix& la, const BlasMatrix& lb, int64_t n, int64_t m, int64_t k, const float* a,
          const float* b, float* c) {
  cblas_sgemm(CblasRowMajor, la.trans, lb.trans, n, m, k, 1.0f, a, la.ld, b, lb.ld, 0.0f, c, m);
}
void gemm(const BlasMatrix& la, const BlasMatrix& lb, int64_t n, int64_t m, int64_t k, const double* a,
          const double* b, double* c) {
  cblas_dgemm(CblasRowMajor, la.trans, lb.trans, n, m, k, 1.0, a, la.ld, b, lb.ld, 0.0, c, m);
}

}  // namespace

void CpuBackend::matmul(const Tensor& a_in, const Tensor& b_in, const Tensor& out) {
  const int64_t B = out.shape()[0], n = out.shape()[1], m = out.shape()[2], k = a_in.shape()[2];
  if (out.numel() == 0) return;
  RILL_CHECK(n < INT32_MAX && m < INT32_MAX && k < INT32_MAX, "matmul: sizes {} x {} x {} exceed what BLAS (32-bit ints) takes", n, k, m);
  if (k == 0) return fill(out, 0.0);
  std::optional<BlasMatrix> la, lb;
  const Tensor a = blas_ready(a_in, la);
  const Tensor b = blas_ready(b_in, lb);
  dispatch_float(out.dtype(), "matmul", [&]<typename T>() {
    const T* pa = static_cast<const T*>(a.raw_data());
    const T* pb = static_cast<const T*>(b.raw_data());
    T* pc = static_cast<T*>(out.raw_data());
    // The batch stride of a broadcast operand is 0: every batch reads the same matrix.
    for (int64_t i = 0; i < B; ++i)
      gemm(*la, *lb, n, m, k, pa + i * a.strides()[0], pb + i * b.strides()[0], pc + i * n * m);
  });
}

}  // namespace rill
