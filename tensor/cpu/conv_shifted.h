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

// Stride 1 in both directions (any padding, dilation and kernel size).
inline bool shifted_conv_applies(const Window2d& w) { return w.stride_h == 1 && w.stride_w == 1; }

// The Backend::conv2d / conv2d_backward contracts (tensor/backend.h), images split into
// `teams` threads as in conv.cpp.
void shifted_conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias, const Window2d& w, const Tensor& y,
                    int teams);
void shifted_conv2d_backward(const Tensor& grad_y, const Tensor& x, const Tensor& weight, const Window2d& w,
                             const Tensor& grad_x, const Tensor& grad_weight, const Tensor& grad_bias, int teams);

}  // namespace rill::cpu
