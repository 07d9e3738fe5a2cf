// rill autograd — differentiable image ops (tensor/image.h).
#pragma once

#include "tensor/tensor.h"

namespace rill {

// [N, C, H, W] -> [N, C, H*scale, W*scale], nearest neighbour.
Tensor upsample_nearest2d(const Tensor& x, int64_t scale);
// Mean over kernel x kernel windows; stride defaults to kernel.
Tensor avg_pool2d(const Tensor& x, int64_t kernel, int64_t stride = -1, int64_t padding = 0);

}  // namespace rill
