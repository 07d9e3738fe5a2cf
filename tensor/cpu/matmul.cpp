// rill CPU — matrix multiplication through BLAS (cblas_sgemm / cblas_dgemm).
//
// out[b] = a[b] @ b[b] for each batch b, with a: [B, n, k], b: [B, k, m], out: [B, n, m].
// Each operand is passed to BLAS as it lies in memory when it has a layout BLAS reads
// (tensor/matrix_layout.h): a row-major view as is, a column-major one such as
// ops::transpose(w) with the transpose flag. Only other views are copied first.
#include <cblas.h>

#include <cstdint>

#include "tensor/cpu/cpu_backend.h"
#include "tensor/matrix_layout.h"

namespace rill {
namespace {

CBLAS_TRANSPOSE trans(const MatrixLayout& l) { return l.order == MatrixOrder::RowMajor ? CblasNoTrans : CblasTrans; }

void gemm(const MatrixLayout& la, const MatrixLayout& lb, int64_t n, int64_t m, int64_t k, const float* a,
          const float* b, float* c) {
  cblas_sgemm(CblasRowMajor, trans(la), trans(lb), n, m, k, 1.0f, a, la.ld, b, lb.ld, 0.0f, c, m);
}
void gemm(const MatrixLayout& la, const MatrixLayout& lb, int64_t n, int64_t m, int64_t k, const double* a,
          const double* b, double* c) {
  cblas_dgemm(CblasRowMajor, trans(la), trans(lb), n, m, k, 1.0, a, la.ld, b, lb.ld, 0.0, c, m);
}

}  // namespace

void CpuBackend::matmul(const Tensor& a_in, const Tensor& b_in, const Tensor& out) {
  const int64_t B = out.shape()[0], n = out.shape()[1], m = out.shape()[2], k = a_in.shape()[2];
  if (out.numel() == 0) return;
  RILL_CHECK(n < INT32_MAX && m < INT32_MAX && k < INT32_MAX,
             "matmul: sizes {} x {} x {} exceed what BLAS (32-bit ints) takes", n, k, m);
  if (k == 0) return fill(out, 0.0);
  MatrixLayout la{}, lb{};
  const Tensor a = gemm_operand(a_in, la);
  const Tensor b = gemm_operand(b_in, lb);
  dispatch_float(out.dtype(), "matmul", [&]<typename T>() {
    const T* pa = static_cast<const T*>(a.raw_data());
    const T* pb = static_cast<const T*>(b.raw_data());
    T* pc = static_cast<T*>(out.raw_data());
    // The batch stride of a broadcast operand is 0: every batch reads the same matrix.
    for (int64_t i = 0; i < B; ++i)
      gemm(la, lb, n, m, k, pa + i * a.strides()[0], pb + i * b.strides()[0], pc + i * n * m);
  });
}

}  // namespace rill
