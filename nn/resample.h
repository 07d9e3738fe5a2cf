// rill nn — Upsample (nearest) and AvgPool2d as modules; no parameters.
#pragma once

#include "autograd/image.h"
#include "nn/module.h"

namespace rill::nn {

class Upsample : public UnaryModule {
 public:
  explicit Upsample(int64_t scale_factor = 2) : scale(scale_factor) {}
  Tensor forward(const Tensor& x) override { return upsample_nearest2d(x, scale); }
  int64_t scale;
};

class AvgPool2d : public UnaryModule {
 public:
  explicit AvgPool2d(int64_t kernel_size, int64_t stride_ = -1, int64_t padding_ = 0)
      : kernel(kernel_size), stride(stride_), padding(padding_) {}
  Tensor forward(const Tensor& x) override { return avg_pool2d(x, kernel, stride, padding); }
  int64_t kernel, stride, padding;
};

}  // namespace rill::nn
