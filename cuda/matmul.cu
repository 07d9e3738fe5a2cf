// rill CUDA — matrix multiplication through cuBLAS (strided batched GEMM).
//
// out[b] = a[b] @ b[b] for each batch b, with a: [B, n, k], b: [B, k, m], out: [B, n, m].
//
// cuBLAS is column-major; rill is row-major. The bridge: the memory of a row-major
// matrix X with row stride ld is exactly the column-major matrix X^T with leading
// dimension ld. So the row-major product out = a @ b is computed as the column-major
// product out^T = b^T @ a^T, i.e. cuBLAS gets (b, a) in that order and m, n swapped,
// and writes out^T column-major = out row-major. No data moves.
//
// Each operand is passed as it lies in memory when it has a layout cuBLAS reads
// (tensor/matrix_layout.h): a row-major view as CUBLAS_OP_N (it already is the
// transposed matrix cuBLAS wants), a column-major one such as ops::transpose(w) as
// CUBLAS_OP_T. Only a view that is neither (e.g. every other column) is copied. A
// broadcast batch (batch stride 0, e.g. one weight for all images) is passed with stride 0.
#include <atomic>

#include "cuda/check.h"
#include "cuda/context.h"
#include "cuda/cuda_backend.h"
#include "cuda/runtime.h"
#include "tensor/matrix_layout.h"

namespace rill::cuda {
namespace {

// set_allow_tf32's switch. Atomic, because any thread may flip it while another runs a
// matmul (e.g. a data-loading or evaluation thread): a plain bool read and written from two
// threads is a data race, undefined behaviour. Relaxed order is enough: the flag guards no
// other data, and a matmul issued while it changes may use either setting.
std::atomic<bool> tf32_allowed{false};

// The cuBLAS flag for an operand of the column-major product out^T = b^T a^T: a
// row-major matrix X already is X^T column-major (N); a column-major one is X (T).
cublasOperation_t op(const MatrixLayout& l) { return l.order == MatrixOrder::RowMajor ? CUBLAS_OP_N : CUBLAS_OP_T; }

// out^T [m, n] = b^T [m, k] @ a^T [k, n], column-major, for every batch.
void gemm(const MatrixLayout& la, const MatrixLayout& lb, int n, int m, int k, const float* a, long long stride_a,
          const float* b, long long stride_b, float* c, int batches) {
  const float one = 1.0f, zero = 0.0f;
  const bool tf32 = tf32_allowed.load(std::memory_order_relaxed);
  RILL_CUDA_CHECK(cublasSetMathMode(cublas(), tf32 ? CUBLAS_TF32_TENSOR_OP_MATH : CUBLAS_DEFAULT_MATH), "matmul");
  RILL_CUDA_CHECK(
      cublasSgemmStridedBatched(cublas(), op(lb), op(la), m, n, k, &one, b, static_cast<int>(lb.ld), stride_b, a,
                                static_cast<int>(la.ld), stride_a, &zero, c, m, static_cast<long long>(n) * m, batches),
      "matmul");
}
void gemm(const MatrixLayout& la, const MatrixLayout& lb, int n, int m, int k, const double* a, long long stride_a,
          const double* b, long long stride_b, double* c, int batches) {
  const double one = 1.0, zero = 0.0;
  RILL_CUDA_CHECK(
      cublasDgemmStridedBatched(cublas(), op(lb), op(la), m, n, k, &one, b, static_cast<int>(lb.ld), stride_b, a,
                                static_cast<int>(la.ld), stride_a, &zero, c, m, static_cast<long long>(n) * m, batches),
      "matmul");
}

}  // namespace

void set_allow_tf32(bool allow) { tf32_allowed.store(allow, std::memory_order_relaxed); }
bool allow_tf32() { return tf32_allowed.load(std::memory_order_relaxed); }

void CudaBackend::matmul(const Tensor& a_in, const Tensor& b_in, const Tensor& out) {
  const int64_t B = out.shape()[0], n = out.shape()[1], m = out.shape()[2], k = a_in.shape()[2];
  if (out.numel() == 0) return;
  if (k == 0) return fill(out, 0.0);
  MatrixLayout la{}, lb{};
  const Tensor a = gemm_operand(a_in, la);
  const Tensor b = gemm_operand(b_in, lb);
  RILL_CHECK(B < INT32_MAX && n < INT32_MAX && m < INT32_MAX && k < INT32_MAX && la.ld < INT32_MAX && lb.ld < INT32_MAX,
             "matmul: sizes {} x ({} x {}) @ ({} x {}) exceed what cuBLAS (32-bit ints) takes", B, n, k, k, m);
  dispatch_float(out.dtype(), "matmul", [&]<typename T>() {
    gemm(la, lb, static_cast<int>(n), static_cast<int>(m), static_cast<int>(k), static_cast<const T*>(a.raw_data()),
         a.strides()[0], static_cast<const T*>(b.raw_data()), b.strides()[0], static_cast<T*>(out.raw_data()),
         static_cast<int>(B));
  });
}

}  // namespace rill::cuda
