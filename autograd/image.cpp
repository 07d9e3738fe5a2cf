#include "autograd/image.h"

#include "autograd/forward_ad.h"
#include "autograd/node.h"
#include "tensor/image.h"

namespace rill {

// ---- upsample_nearest2d: each pixel copied to a scale x scale block;
//      dx = g summed over each block;  tangent dy = upsample(dx) (linear) ----------------------------
struct UpsampleNearest2dBackward : Node {
  int64_t scale = 1;
  std::string name() const override { return "UpsampleNearest2dBackward"; }
  std::vector<Tensor> backward(const Tensor& g) override { return {ops::upsample_nearest2d_backward(g, scale)}; }
};
Tensor upsample_nearest2d(const Tensor& x, int64_t scale) {
  Tensor y = ops::upsample_nearest2d(x, scale);
  if (auto node = record<UpsampleNearest2dBackward>(y, {x})) node->scale = scale;
  if (has_tangent(x)) set_tangent(y, ops::upsample_nearest2d(tangent_of(x), scale), "upsample_nearest2d");
  return y;
}

// ---- avg_pool2d: y = window mean;  dx = g / window size, spread over each window;
//      tangent dy = avg_pool2d(dx) (linear) ---------------------
struct AvgPool2dBackward : Node {
  int64_t kernel = 1, stride = 1, padding = 0;
  std::string name() const override { return "AvgPool2dBackward"; }
  std::vector<Tensor> backward(const Tensor& g) override {
    return {ops::avg_pool2d_backward(g, next[0].shape, kernel, stride, padding)};
  }
};
Tensor avg_pool2d(const Tensor& x, int64_t kernel, int64_t stride, int64_t padding) {
  Tensor y = ops::avg_pool2d(x, kernel, stride, padding);
  if (auto node = record<AvgPool2dBackward>(y, {x}))
    node->kernel = kernel, node->stride = stride, node->padding = padding;
  if (has_tangent(x)) set_tangent(y, ops::avg_pool2d(tangent_of(x), kernel, stride, padding), "avg_pool2d");
  return y;
}

}  // namespace rill
