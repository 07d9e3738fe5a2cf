// rill CPU — convolution, lowered to GEMM one image at a time.
//
// Stride-1 windows (the U-Net's 3x3 convolutions) go to conv_shifted.h, which needs no
// columns at all (float32 on rill's own GEMMs, conv_shifted_fast.cpp); this file's im2col
// lowering serves strided windows (downsampling), and 1x1 windows use the input itself
// as the columns. Its GEMMs are rill's own for float32 and BLAS for float64 (lowered_gemm).
//
// For image n, with cols = im2col(x[n]): [CK, L] (CK = C*kh*kw, L = Ho*Wo) and
// Wm = weight viewed as [F, CK]:
//   forward    y[n]   = Wm @ cols + bias                     GEMM [F, CK] x [CK, L]
//   backward   dW    += g[n] @ cols^T                        GEMM [F, L] x [L, CK]
//              db    += row sums of g[n]                     ([F, L] -> [F])
//              dcols  = Wm^T @ g[n],  dx[n] = col2im(dcols)  GEMM [CK, F] x [F, L]
// Why one image at a time rather than im2col of the whole batch and one batched GEMM
// (Backend's default): the columns of one image (a few MB at most) are still in cache
// when the GEMM reads them, and the batch's columns, kh*kw times the input, never exist
// at once. Images are split across threads, each with its own column buffer and
// single-threaded GEMMs (BLAS inside an OpenMP parallel region runs single-threaded too),
// so the threads do not oversubscribe, and a whole image per thread scales better than
// threading each small GEMM; a single image splits its GEMMs' columns across threads.
// A 1x1 window with stride 1 and no padding needs no columns: cols = x[n]. dW and db are
// accumulated per thread and the partial sums added in thread order, so results are
// reproducible at a fixed thread count.
#include <omp.h>

#include <algorithm>
#include <type_traits>
#include <vector>

#include "tensor/cpu/blas.h"
#include "tensor/cpu/conv_shifted.h"
#include "tensor/cpu/cpu_backend.h"
#include "tensor/cpu/im2col.h"
#include "tensor/cpu/parallel.h"
#include "tensor/cpu/sgemm.h"

namespace rill {
namespace {

struct ConvShape {
  int64_t N, C, H, W, F, CK, L;
  bool pointwise;  // 1x1, stride 1, no padding: im2col is the identity
};

ConvShape conv_shape(const Tensor& x, const Tensor& weight, const Window2d& w) {
  const int64_t N = x.shape()[0], C = x.shape()[1], H = x.shape()[2], W = x.shape()[3], F = weight.shape()[0];
  const bool pointwise =
      w.kernel_h == 1 && w.kernel_w == 1 && w.stride_h == 1 && w.stride_w == 1 && w.pad_h == 0 && w.pad_w == 0;
  return {N, C, H, W, F, C * w.kernel_h * w.kernel_w, w.out_h(H) * w.out_w(W), pointwise};
}

// Threads that share the images: one per image at most, and one (BLAS then threads each
// GEMM itself) when the batch is a single image.
int conv_teams(int64_t N) { return static_cast<int>(std::clamp<int64_t>(N, 1, get_num_threads())); }

// The images of team `t` out of `teams`: a contiguous static block.
std::pair<int64_t, int64_t> images_of(int t, int teams, int64_t N) { return {N * t / teams, N * (t + 1) / teams}; }

// C [M, N] (+)= op(A) [M, K] @ op(B) [K, N], row-major, for this file's lowering: float32 on
// rill's own GEMM (sgemm.h) unless the BLAS reference is asked for (conv_shifted.h), float64
// on BLAS. `scratch`: cpu::gemm_scratch(M, K, threads) floats (unused by BLAS); threads > 1
// splits the columns of C (one image and several threads: BLAS then threads itself).
template <typename T>
void lowered_gemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, const T* a, int64_t lda, const T* b,
                  int64_t ldb, bool accumulate, T* c, int64_t ldc, float* scratch, int threads) {
  if constexpr (std::is_same_v<T, float>) {
    if (cpu::conv_gemm() == cpu::ConvGemm::rill) {
      const cpu::MatrixView va = trans_a ? cpu::MatrixView{a, 1, lda} : cpu::MatrixView{a, lda, 1};
      const cpu::MatrixView vb = trans_b ? cpu::MatrixView{b, 1, ldb} : cpu::MatrixView{b, ldb, 1};
      return cpu::gemm(M, N, K, va, vb, c, ldc, accumulate, scratch, threads);
    }
  }
  cpu::gemm(trans_a ? CblasTrans : CblasNoTrans, trans_b ? CblasTrans : CblasNoTrans, M, N, K, T(1), a, lda, b, ldb,
            T(accumulate ? 1 : 0), c, ldc);
}

// Floats of lowered_gemm scratch for the largest of the three GEMMs of a convolution.
int64_t gemm_scratch_floats(const ConvShape& s, int threads) {
  return std::max({cpu::gemm_scratch(s.F, s.CK, threads), cpu::gemm_scratch(s.F, s.L, threads),
                   cpu::gemm_scratch(s.CK, s.F, threads)});
}

template <typename T>
void im2col_image(const T* x, const ConvShape& s, const Window2d& w, T* cols) {
  const int64_t rows = w.kernel_h * w.kernel_w * s.L;  // per channel
  for (int64_t c = 0; c < s.C; ++c) cpu::im2col_plane(x + c * s.H * s.W, s.H, s.W, w, cols + c * rows);
}

template <typename T>
void col2im_image(const T* cols, const ConvShape& s, const Window2d& w, T* x) {
  const int64_t rows = w.kernel_h * w.kernel_w * s.L;
  std::fill(x, x + s.C * s.H * s.W, T(0));
  for (int64_t c = 0; c < s.C; ++c) cpu::col2im_plane(cols + c * rows, s.H, s.W, w, x + c * s.H * s.W);
}

}  // namespace

void CpuBackend::conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias, const Window2d& w, const Tensor& y) {
  const ConvShape s = conv_shape(x, weight, w);
  const int teams = conv_teams(s.N);
  if (!s.pointwise && cpu::shifted_conv_applies(w)) {
    if (x.dtype() == DType::Float32 && cpu::conv_gemm() == cpu::ConvGemm::rill) {
      if (cpu::winograd_enabled() && cpu::winograd_applies(w))
        return cpu::winograd_conv2d(x, weight, bias, w, y, get_num_threads());
      return cpu::shifted_conv2d_fast(x, weight, bias, w, y, get_num_threads());
    }
    return cpu::shifted_conv2d(x, weight, bias, w, y, teams);
  }
  dispatch_float(x.dtype(), "conv2d", [&]<typename T>() {
    const T* px = static_cast<const T*>(x.raw_data());
    const T* pw = static_cast<const T*>(weight.raw_data());
    const T* pb = bias.defined() ? static_cast<const T*>(bias.raw_data()) : nullptr;
    T* py = static_cast<T*>(y.raw_data());
    // One column buffer per team, from the caching allocator (no page faults per step),
    // and the packing space of rill's GEMM.
    const Tensor scratch = Tensor::empty({s.pointwise ? 0 : teams * s.CK * s.L}, x.options());
    const int inner = teams == 1 ? get_num_threads() : 1;  // threads inside each GEMM
    const int64_t packing = gemm_scratch_floats(s, inner);
    const Tensor gemm_space = Tensor::empty({teams * packing}, DType::Float32);
#pragma omp parallel num_threads(teams) if (teams > 1)
    {
      const int t = teams > 1 ? omp_get_thread_num() : 0;
      T* cols = static_cast<T*>(scratch.raw_data()) + t * s.CK * s.L;
      float* ps = static_cast<float*>(gemm_space.raw_data()) + t * packing;
      const auto [first, last] = images_of(t, teams, s.N);
      for (int64_t n = first; n < last; ++n) {
        const T* xn = px + n * s.C * s.H * s.W;
        if (!s.pointwise) im2col_image(xn, s, w, cols);
        T* yn = py + n * s.F * s.L;
        lowered_gemm(false, false, s.F, s.L, s.CK, pw, s.CK, s.pointwise ? xn : cols, s.L, false, yn, s.L, ps, inner);
        if (pb)
          for (int64_t f = 0; f < s.F; ++f)
            for (int64_t l = 0; l < s.L; ++l) yn[f * s.L + l] += pb[f];
      }
    }
  });
}

void CpuBackend::conv2d_backward(const Tensor& grad_y, const Tensor& x, const Tensor& weight, const Window2d& w,
                                 const Tensor& grad_x, const Tensor& grad_weight, const Tensor& grad_bias) {
  const ConvShape s = conv_shape(x, weight, w);
  const int teams = conv_teams(s.N);
  if (!s.pointwise && cpu::shifted_conv_applies(w)) {
    if (x.dtype() == DType::Float32 && cpu::conv_gemm() == cpu::ConvGemm::rill)
      return cpu::shifted_conv2d_backward_fast(grad_y, x, weight, w, grad_x, grad_weight, grad_bias,
                                               get_num_threads());
    return cpu::shifted_conv2d_backward(grad_y, x, weight, w, grad_x, grad_weight, grad_bias, teams);
  }
  const bool need_cols = !s.pointwise && (grad_x.defined() || grad_weight.defined());
  dispatch_float(x.dtype(), "conv2d_backward", [&]<typename T>() {
    using Acc = acc_t<T>;
    const T* px = static_cast<const T*>(x.raw_data());
    const T* pw = static_cast<const T*>(weight.raw_data());
    const T* pg = static_cast<const T*>(grad_y.raw_data());
    const Tensor scratch = Tensor::empty({need_cols ? teams * s.CK * s.L : 0}, x.options());
    // Per-team partial dW [teams, F, CK] (team 0 writes grad_weight itself) and db [teams, F].
    const Tensor partial_dw = Tensor::empty({grad_weight.defined() ? (teams - 1) * s.F * s.CK : 0}, x.options());
    std::vector<Acc> partial_db(grad_bias.defined() ? teams * s.F : 0, Acc(0));
    const int inner = teams == 1 ? get_num_threads() : 1;  // threads inside each GEMM
    const int64_t packing = gemm_scratch_floats(s, inner);
    const Tensor gemm_space = Tensor::empty({teams * packing}, DType::Float32);
#pragma omp parallel num_threads(teams) if (teams > 1)
    {
      const int t = teams > 1 ? omp_get_thread_num() : 0;
      T* cols = static_cast<T*>(scratch.raw_data()) + t * s.CK * s.L;
      float* ps = static_cast<float*>(gemm_space.raw_data()) + t * packing;
      T* dw = !grad_weight.defined() ? nullptr
              : t == 0               ? static_cast<T*>(grad_weight.raw_data())
                                     : static_cast<T*>(partial_dw.raw_data()) + (t - 1) * s.F * s.CK;
      const auto [first, last] = images_of(t, teams, s.N);
      if (dw && first == last) std::fill(dw, dw + s.F * s.CK, T(0));
      for (int64_t n = first; n < last; ++n) {
        const T* xn = px + n * s.C * s.H * s.W;
        const T* gn = pg + n * s.F * s.L;
        if (dw) {  // dW (+)= g[n] @ cols^T: the first image of the team overwrites (beta = 0)
          if (!s.pointwise) im2col_image(xn, s, w, cols);
          lowered_gemm(false, true, s.F, s.CK, s.L, gn, s.L, s.pointwise ? xn : cols, s.L, n != first, dw, s.CK, ps, inner);
        }
        if (grad_bias.defined())
          for (int64_t f = 0; f < s.F; ++f) {
            Acc sum = 0;
            for (int64_t l = 0; l < s.L; ++l) sum += gn[f * s.L + l];
            partial_db[t * s.F + f] += sum;
          }
        if (grad_x.defined()) {  // dx[n] = col2im(Wm^T @ g[n])
          T* dxn = static_cast<T*>(grad_x.raw_data()) + n * s.C * s.H * s.W;
          lowered_gemm(true, false, s.CK, s.L, s.F, pw, s.CK, gn, s.L, false, s.pointwise ? dxn : cols, s.L, ps, inner);
          if (!s.pointwise) col2im_image(cols, s, w, dxn);
        }
      }
    }
    if (grad_weight.defined()) {  // add the other teams' partial sums, in team order
      T* dw = static_cast<T*>(grad_weight.raw_data());
      const T* part = static_cast<const T*>(partial_dw.raw_data());
      for (int t = 1; t < teams; ++t)
        for (int64_t i = 0; i < s.F * s.CK; ++i) dw[i] += part[(t - 1) * s.F * s.CK + i];
    }
    if (grad_bias.defined()) {
      T* db = static_cast<T*>(grad_bias.raw_data());
      for (int64_t f = 0; f < s.F; ++f) {
        Acc sum = 0;
        for (int t = 0; t < teams; ++t) sum += partial_db[t * s.F + f];
        db[f] = static_cast<T>(sum);
      }
    }
  });
}

}  // namespace rill
