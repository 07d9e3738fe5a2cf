// rill — normalisation kernels (raw: no gradients): group norm, layer norm and RMSNorm,
// forward and the fused backward.
//
// Both normalise groups of elements to zero mean and unit variance, then apply a
// per-channel (group norm) or per-element (layer norm) scale gamma and shift beta:
//     xhat = (x - mean) * rstd,   rstd = 1 / sqrt(var + eps)   (biased variance)
//     y    = xhat * gamma + beta
// The backward is fused, as in PyTorch's kernels: with m elements per group and
// dxhat = dy * gamma,
//     dx     = rstd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat))
//     dgamma = sum dy * xhat,   dbeta = sum dy     (over everything but the channel)
// One pass over the data instead of the dozen ops of the composite version;
// tests check the two agree.
#pragma once

#include "tensor/tensor.h"

namespace rill::ops {

struct NormForward {
  Tensor y;     // x's shape
  Tensor mean;  // per group: [N, G] (group norm) or [R] (layer norm)
  Tensor rstd;  // same shape as mean
};

struct NormBackward {
  Tensor grad_x, grad_gamma, grad_beta;  // grad_gamma/beta undefined when gamma/beta are
};

// x: [N, C, *], groups divides C; gamma, beta: [C] or undefined (no affine).
NormForward group_norm(const Tensor& x, int64_t groups, const Tensor& gamma, const Tensor& beta, double eps = 1e-5);
NormBackward group_norm_backward(const Tensor& grad_y, const Tensor& x, const NormForward& saved, int64_t groups,
                                 const Tensor& gamma);

// silu(group_norm(x)) in one pass, and its backward (which also needs beta). `y` of the
// result is the activation; mean and rstd are group norm's. The backward returns
// grad_beta whenever beta is defined (the plain one only alongside grad_gamma).
NormForward group_norm_silu(const Tensor& x, int64_t groups, const Tensor& gamma, const Tensor& beta,
                            double eps = 1e-5);
NormBackward group_norm_silu_backward(const Tensor& grad_y, const Tensor& x, const NormForward& saved, int64_t groups,
                                      const Tensor& gamma, const Tensor& beta);

// Normalises over the trailing axes `normalized_shape` of x; gamma, beta: normalized_shape or undefined.
NormForward layer_norm(const Tensor& x, const Shape& normalized_shape, const Tensor& gamma, const Tensor& beta,
                       double eps = 1e-5);
NormBackward layer_norm_backward(const Tensor& grad_y, const Tensor& x, const NormForward& saved, const Tensor& gamma);

// RMSNorm (Zhang & Sennrich 2019) over the last axis (length D): no centring, no shift,
//     rstd = 1 / sqrt(mean(x^2) + eps),   y = x * rstd * gamma
// and, with xhat = x * rstd and dxhat = dy * gamma (derivation: docs/adding-a-layer.md),
//     dx = rstd * (dxhat - xhat * mean(dxhat * xhat)),   dgamma = sum over rows of dy * xhat.
// x: [..., D]; gamma: [D] or undefined. `mean` of the result is undefined, rstd is [rows].
NormForward rms_norm(const Tensor& x, const Tensor& gamma, double eps = 1e-6);
NormBackward rms_norm_backward(const Tensor& grad_y, const Tensor& x, const NormForward& saved, const Tensor& gamma);

}  // namespace rill::ops
