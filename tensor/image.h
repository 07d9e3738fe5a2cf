// rill — image ops on [N, C, H, W] tensors (raw: no gradients).
//
// Convolution is lowered to GEMM: im2col unrolls every kernel-sized window of the
// input into a column, so that
//     conv2d(x, w)[n] = w.view(Cout, C*kh*kw) @ im2col(x)[n]     ([Cout, Ho*Wo])
// and col2im, its adjoint, carries column gradients back to the image.
#pragma once

#include "tensor/backend.h"
#include "tensor/tensor.h"

namespace rill::ops {

// x: [N, C, H, W] -> [N, C*kh*kw, Ho*Wo]
Tensor im2col(const Tensor& x, const Window2d& window);
// cols: [N, C*kh*kw, Ho*Wo] -> [N, C, H, W] (sums overlapping windows)
Tensor col2im(const Tensor& cols, const Window2d& window, int64_t channels, int64_t height, int64_t width);

// Convolution (cross-correlation, as PyTorch's conv2d), computed by the backend as GEMMs:
//   x: [N, C, H, W], weight: [F, C, kh, kw], bias: [F] or undefined -> [N, F, Ho, Wo]
Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias, const Window2d& window);
// Gradients of conv2d for grad_y [N, F, Ho, Wo]: {grad_x, grad_weight, grad_bias}, each
// computed only if its flag is set (else undefined).
struct Conv2dGrads {
  Tensor x, weight, bias;
};
Conv2dGrads conv2d_backward(const Tensor& grad_y, const Tensor& x, const Tensor& weight, const Window2d& window,
                            bool need_x, bool need_weight, bool need_bias);

// x: [N, C, H, W] -> [N, C, H*scale, W*scale], each pixel repeated in a scale x scale block.
Tensor upsample_nearest2d(const Tensor& x, int64_t scale);
// grad_out: [N, C, H*scale, W*scale] -> [N, C, H, W], each block summed.
Tensor upsample_nearest2d_backward(const Tensor& grad_out, int64_t scale);

// Mean over kernel x kernel windows (zero padding counted in the divisor, as PyTorch's
// default count_include_pad=True). stride defaults to the kernel size.
Tensor avg_pool2d(const Tensor& x, int64_t kernel, int64_t stride = -1, int64_t padding = 0);
// Gradient of avg_pool2d w.r.t. its input of shape input_shape.
Tensor avg_pool2d_backward(const Tensor& grad_out, const Shape& input_shape, int64_t kernel, int64_t stride = -1,
                           int64_t padding = 0);

}  // namespace rill::ops
