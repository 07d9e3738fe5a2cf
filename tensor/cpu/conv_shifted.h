// rill CPU — stride-1 convolution as kh*kw shifted GEMMs on a padded image (no im2col).
//
// Pad image n to xp [C, Hp, Wp] (Hp = H + 2 ph, Wp = W + 2 pw) and compute the output
// on "wide" rows of Wp columns: y_wide [F, Ho*Wp], whose columns wo >= Wo are junk and
// dropped at the end. For a stride-1 window, output (ho, wo) reads input
// (ho + i*dh, wo + j*dw) of xp for kernel tap (i, j); on the flattened padded image that
// is xp_flat[ho*Wp + wo + shift(i, j)], shift = i*dh*Wp + j*dw. So tap (i, j) is one
// GEMM with a shifted view of xp, a plain [C, Ho*Wp] matrix with row stride plane:
//   forward   y_wide      += W(i,j) [F, C]   @ xp[:, shift : shift + Ho*Wp]
//   backward  dW(i,j)     += g_wide [F, Ho*Wp] @ xp[:, shift : ...]^T
//             dxp[:, shift : ...] += W(i,j)^T [C, F] @ g_wide     (g_wide: junk columns 0)
// Why: im2col writes kh*kw copies of the image (9x the memory traffic of 3x3), which
// cost as much as the GEMM itself; here the GEMMs read the padded image directly.
// Measured on the U-Net's 3x3 shapes: 150-210 GFLOP/s against 50-100 for im2col + GEMM.
// Each plane gets (kw-1)*dw spare zeros at its end, read by the junk columns of the last row.
#pragma once

#include "tensor/backend.h"

namespace rill::cpu {

// The sizes both paths (BLAS and rill's own GEMM) work with.
struct Geometry {
  int64_t N, C, H, W, F, kh, kw, ph, pw, dh, dw;
  int64_t Hp, Wp, Ho, Wo;
  int64_t plane;  // elements per padded channel: Hp*Wp + (kw-1)*dw spare zeros
  int64_t Lw;     // wide output length Ho*Wp
  int64_t KK;     // kernel taps kh*kw
  int64_t shift(int64_t k) const { return k / kw * dh * Wp + k % kw * dw; }
};

inline Geometry geometry(const Tensor& x, const Tensor& weight, const Window2d& w) {
  Geometry g{};
  g.N = x.shape()[0], g.C = x.shape()[1], g.H = x.shape()[2], g.W = x.shape()[3], g.F = weight.shape()[0];
  g.kh = w.kernel_h, g.kw = w.kernel_w, g.ph = w.pad_h, g.pw = w.pad_w, g.dh = w.dilation_h, g.dw = w.dilation_w;
  g.Hp = g.H + 2 * g.ph, g.Wp = g.W + 2 * g.pw;
  g.Ho = w.out_h(g.H), g.Wo = w.out_w(g.W);
  g.plane = g.Hp * g.Wp + (g.kw - 1) * g.dw;
  g.Lw = g.Ho * g.Wp;
  g.KK = g.kh * g.kw;
  return g;
}

// x [C, H, W] -> the interior of xp [C, plane]. The border and the spare zeros are
// never written, so they stay zero from the team's one clearing of xp.
template <typename T>
void pad_image(const T* x, const Geometry& g, T* xp) {
  for (int64_t c = 0; c < g.C; ++c)
    for (int64_t y = 0; y < g.H; ++y) {
      const T* __restrict src = x + (c * g.H + y) * g.W;
      T* __restrict dst = xp + c * g.plane + (y + g.ph) * g.Wp + g.pw;
      for (int64_t i = 0; i < g.W; ++i) dst[i] = src[i];
    }
}

// Which GEMM the float32 shifted convolutions use: rill's own (sgemm.h, the default) or
// OpenBLAS through the per-tap GEMMs below, the readable reference the own path is
// tested against (float64 always takes the reference).
enum class ConvGemm { rill, blas };
ConvGemm conv_gemm();
void set_conv_gemm(ConvGemm which);

// The forward pass of float32 3x3 stride-1 convolutions by Winograd's F(2x2, 3x3)
// (conv_winograd.cpp) instead of the direct GEMM below, when set_winograd(true). Off by
// default: measured 0.5-0.8x the direct GEMM's speed on the U-Net's shapes (bench_conv;
// 2.25x fewer multiplications, but 16 GEMMs with K = C and the transforms cost more).
bool winograd_enabled();
void set_winograd(bool on);
bool winograd_applies(const Window2d& w);  // 3x3, stride 1, dilation 1 (any padding)
void winograd_conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias, const Window2d& w, const Tensor& y,
                     int threads);

// Stride 1 in both directions (any padding, dilation and kernel size).
inline bool shifted_conv_applies(const Window2d& w) { return w.stride_h == 1 && w.stride_w == 1; }

// The Backend::conv2d / conv2d_backward contracts (tensor/backend.h), images split into
// `teams` threads as in conv.cpp.
void shifted_conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias, const Window2d& w, const Tensor& y,
                    int teams);
void shifted_conv2d_backward(const Tensor& grad_y, const Tensor& x, const Tensor& weight, const Window2d& w,
                             const Tensor& grad_x, const Tensor& grad_weight, const Tensor& grad_bias, int teams);

// The same two on rill's own GEMMs (conv_shifted_fast.cpp), float32 only:
//   forward  y_wide [F, Lw]    = Wf [F, KK*C] @ B,  B row (k, c) = xp[c] shifted by shift(k)
//   dX       dxp_wide [C, H*Wp] = Wt [C, KK*F] @ B', B' row (k, f) = g_wide[f] shifted back
//   dW       dW [F, KK*C]       = g_wide [F, Lw] @ B^T (dot products along the pixels)
// All kh*kw taps are one GEMM (K = kh*kw*C) whose B rows point into the padded image.
// threads: OpenMP threads in all; images are split over min(N, threads) teams, and a
// batch smaller than the thread count splits each image's pixels instead.
void shifted_conv2d_fast(const Tensor& x, const Tensor& weight, const Tensor& bias, const Window2d& w,
                         const Tensor& y, int threads);
void shifted_conv2d_backward_fast(const Tensor& grad_y, const Tensor& x, const Tensor& weight, const Window2d& w,
                                  const Tensor& grad_x, const Tensor& grad_weight, const Tensor& grad_bias,
                                  int threads);

}  // namespace rill::cpu
