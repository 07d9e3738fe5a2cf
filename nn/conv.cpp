#include "nn/conv.h"

#include <cmath>

#include "nn/init.h"
#include "tensor/factory.h"

namespace rill::nn {

Conv2d::Conv2d(int64_t in_channels, int64_t out_channels, int64_t kernel_size, Conv2dOptions opts, bool has_bias)
    : options(opts) {
  RILL_CHECK(in_channels > 0 && out_channels > 0 && kernel_size > 0,
             "Conv2d: channels and kernel size must be positive, got in={}, out={}, kernel={}", in_channels,
             out_channels, kernel_size);
  weight = register_parameter("weight", empty({out_channels, in_channels, kernel_size, kernel_size}));
  init::kaiming_uniform_(weight, std::sqrt(5.0));
  if (has_bias) {
    bias = register_parameter("bias", empty({out_channels}));
    const double bound = 1.0 / std::sqrt(static_cast<double>(in_channels * kernel_size * kernel_size));
    init::uniform_(bias, -bound, bound);
  }
}

Tensor Conv2d::forward(const Tensor& x) { return conv2d(x, weight, bias, options); }

}  // namespace rill::nn
