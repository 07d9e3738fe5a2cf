// rill autograd — 2-D convolution, lowered to GEMM through im2col.
#pragma once

#include "tensor/tensor.h"

namespace rill {

struct Conv2dOptions {
  int64_t stride = 1, padding = 0, dilation = 1;
};

// Cross-correlation (as PyTorch's conv2d):
//   x: [N, C, H, W], weight: [F, C, kh, kw], bias: [F] or undefined -> [N, F, Ho, Wo]
//   y[n, f] = bias[f] + sum_c,i,j weight[f, c, i, j] x[n, c, ho*s - p + i*d, wo*s - p + j*d]
Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias = {}, Conv2dOptions options = {});

}  // namespace rill
