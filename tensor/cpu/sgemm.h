// rill CPU — rill's own float32 GEMM for the shapes a convolution gives.
//
// Why not OpenBLAS for these: its speed depends on the kernels it picks for the CPU, and
// the environment may force older ones (OPENBLAS_CORETYPE=Haswell on an AVX-512 machine
// runs 256-bit kernels: half the arithmetic per instruction). These GEMMs choose their
// micro-kernel from the CPU's own flags at run time (AVX-512, AVX2+FMA, or plain C++).
// And a convolution's operands are not plain matrices: its B is the padded image read at
// kh*kw offsets, which these GEMMs take as row pointers (BRows) instead of a copy.
//
// Two products, one per way the operands lie in memory:
//
//   gemm_nn   C [M, N] (+)= A [M, K] @ B [K, N]      A row-major (lda), B as K row pointers,
//             each row contiguous along N.           (conv forward, conv dX)
//   gemm      the same with A and B strided, either transposed            (float32 matmul)
//             Outer-product micro-kernel: a tile of MR rows x NR columns of C in
//             registers; per k, NR/16 vector loads of B and MR broadcasts of A.
//
//   gemm_nt   C [M, N] (+)= A [M, K] @ B^T,  B [N, K]  A and B both as row pointers, each row
//             contiguous along K (the sum runs along memory).            (conv dW)
//             Dot-product micro-kernel: MR x NR vector accumulators of partial sums
//             along K, reduced across lanes at the end.
//
// The readable reference both are tested against: tests/tensor/test_sgemm.cpp (float64
// loops), and the whole convolution against conv_shifted.h's BLAS path.
#pragma once

#include <cstdint>
#include <vector>

namespace rill::cpu {

enum class GemmIsa { generic, avx2, avx512 };
const char* isa_name(GemmIsa isa);
GemmIsa best_gemm_isa();        // the widest this CPU supports (cpuid flags)
bool gemm_isa_supported(GemmIsa isa);
GemmIsa gemm_isa();             // the one in use: best_gemm_isa() unless set
void set_gemm_isa(GemmIsa isa);  // tests and benchmarks; throws if the CPU lacks it

// A matrix as it lies in memory: element (i, j) at data[i * row_stride + j * col_stride]
// (row-major: col_stride 1; a transposed view: row_stride 1).
struct MatrixView {
  const float* data;
  int64_t row_stride, col_stride;
};

// Scratch floats gemm_nn and gemm need: the packed A and one packed B panel per thread.
int64_t gemm_scratch(int64_t M, int64_t K, int threads = 1);

// C [M, N] = A [M, K] @ B (+ C when accumulate). b_rows[k] points at row k of B.
// scratch: gemm_scratch(M, K, threads) floats, owned by the caller so that a loop over
// images allocates nothing. threads > 1 splits the columns of C (the pixels of a
// convolution) across that many OpenMP threads: for a batch smaller than the thread count.
void gemm_nn(int64_t M, int64_t N, int64_t K, const float* A, int64_t lda, const float* const* b_rows, float* C,
             int64_t ldc, bool accumulate, float* scratch, int threads = 1);

// gemm_nn in two parts, for an A used again and again (a convolution's weights, for every
// image): pack A once (packed_a_floats(M, K) floats; the layout belongs to the ISA in use),
// then multiply with B panels in `panels` (gemm_panel_scratch(threads) floats per caller).
int64_t packed_a_floats(int64_t M, int64_t K);
int64_t gemm_panel_scratch(int threads = 1);
void pack_a_rows(int64_t M, int64_t K, const float* A, int64_t lda, float* packed);
void gemm_nn_packed(int64_t M, int64_t N, int64_t K, const float* packed_a, const float* const* b_rows, float* C,
                    int64_t ldc, bool accumulate, float* panels, int threads = 1);

// The same product with A and B strided (either may be a transposed view): matmul.
void gemm(int64_t M, int64_t N, int64_t K, MatrixView A, MatrixView B, float* C, int64_t ldc, bool accumulate,
          float* scratch, int threads = 1);

// C [M, N] = sum_s sum_k a_rows[i][s * a_segment_stride + k] * b_rows[j][s * b_segment_stride + k]
// (+ C when accumulate), s < segments; no scratch. Segments are the images of a batch
// whose dot products add up (a convolution's dW): summed in registers, reduced once.
// threads > 1 splits the columns of C across threads.
void gemm_nt(int64_t M, int64_t N, int64_t K, const float* const* a_rows, const float* const* b_rows, float* C,
             int64_t ldc, bool accumulate, int threads = 1, int64_t segments = 1, int64_t a_segment_stride = 0,
             int64_t b_segment_stride = 0);

}  // namespace rill::cpu
