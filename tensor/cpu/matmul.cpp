// rill CPU — matrix multiplication: float32 on rill's own GEMM (sgemm.h: its micro-kernel
// follows the CPU's flags, not the kernels OpenBLAS was told to use), float64 through
// BLAS (cblas_dgemm).
//
// out[b] = a[b] @ b[b] for each batch b, with a: [B, n, k], b: [B, k, m], out: [B, n, m].
// Each operand is passed to BLAS as it lies in memory when it has a layout BLAS reads
// (tensor/matrix_layout.h): a row-major view as is, a column-major one such as
// ops::transpose(w) with the transpose flag. Only other views are copied first.
#include <cblas.h>

#include <cstdint>
#include <type_traits>

#include "tensor/cpu/cpu_backend.h"
#include "tensor/cpu/sgemm.h"
#include "tensor/matrix_layout.h"
#include "tensor/threads.h"

namespace rill {
namespace {

CBLAS_TRANSPOSE trans(const MatrixLayout& l) { return l.order == MatrixOrder::RowMajor ? CblasNoTrans : CblasTrans; }

cpu::MatrixView view(const MatrixLayout& l, const float* p) {
  return l.order == MatrixOrder::RowMajor ? cpu::MatrixView{p, l.ld, 1} : cpu::MatrixView{p, 1, l.ld};
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
             "matmul: sizes {} x {} x {} exceed what BLAS (32-bit ints) takes", n, k, m);  // float64's path
  if (k == 0) return fill(out, 0.0);
  MatrixLayout la{}, lb{};
  const Tensor a = gemm_operand(a_in, la);
  const Tensor b = gemm_operand(b_in, lb);
  dispatch_float(out.dtype(), "matmul", [&]<typename T>() {
    const T* pa = static_cast<const T*>(a.raw_data());
    const T* pb = static_cast<const T*>(b.raw_data());
    T* pc = static_cast<T*>(out.raw_data());
    // The batch stride of a broadcast operand is 0: every batch reads the same matrix.
    if constexpr (std::is_same_v<T, float>) {
      const int threads = get_num_threads();  // split the columns of each product
      const Tensor scratch = Tensor::empty({cpu::gemm_scratch(n, k, threads)}, DType::Float32);
      float* ps = static_cast<float*>(scratch.raw_data());
      for (int64_t i = 0; i < B; ++i)
        cpu::gemm(n, m, k, view(la, pa + i * a.strides()[0]), view(lb, pb + i * b.strides()[0]), pc + i * n * m, m,
                  false, ps, threads);
    } else {
      for (int64_t i = 0; i < B; ++i)
        gemm(la, lb, n, m, k, pa + i * a.strides()[0], pb + i * b.strides()[0], pc + i * n * m);
    }
  });
}

}  // namespace rill
