// rill autograd — group norm, layer norm and RMSNorm with their fused backward (tensor/norm.h).
#pragma once

#include "tensor/tensor.h"

namespace rill {

// x: [N, C, *]; statistics over each group of C/groups channels (and all positions);
// weight, bias: [C] or undefined.
Tensor group_norm(const Tensor& x, int64_t groups, const Tensor& weight = {}, const Tensor& bias = {},
                  double eps = 1e-5);
// silu(group_norm(x, ...)) as one op: one pass forward and one backward instead of
// two each (the U-Net's ResBlocks normalise and activate together).
Tensor group_norm_silu(const Tensor& x, int64_t groups, const Tensor& weight = {}, const Tensor& bias = {},
                       double eps = 1e-5);
// Statistics over the trailing axes normalized_shape; weight, bias: normalized_shape or undefined.
Tensor layer_norm(const Tensor& x, const Shape& normalized_shape, const Tensor& weight = {}, const Tensor& bias = {},
                  double eps = 1e-5);
// RMSNorm over the last axis: y = x / sqrt(mean(x^2) + eps) * weight; weight: [D] or undefined.
Tensor rms_norm(const Tensor& x, const Tensor& weight = {}, double eps = 1e-6);

}  // namespace rill
