// rill nn — Conv2d: [N, Cin, H, W] -> [N, Cout, Ho, Wo] (square kernels).
#pragma once

#include "autograd/conv.h"
#include "nn/module.h"

namespace rill::nn {

class Conv2d : public UnaryModule {
 public:
  // weight [out, in, k, k], bias [out]; PyTorch's default init (kaiming-uniform a = sqrt 5,
  // bias U(-1/sqrt(fan_in), 1/sqrt(fan_in)), fan_in = in * k * k).
  Conv2d(int64_t in_channels, int64_t out_channels, int64_t kernel_size, Conv2dOptions options = {}, bool bias = true);
  Tensor forward(const Tensor& x) override;

  Tensor weight, bias;
  Conv2dOptions options;
};

}  // namespace rill::nn
