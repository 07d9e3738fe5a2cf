#include "nn/classifier.h"

#include "autograd/autograd.h"

namespace rill::nn {

ImageClassifier::ImageClassifier(int64_t in_ch, int64_t classes, int64_t w)
    : in_channels(in_ch), num_classes(classes), width(w) {
  RILL_CHECK(in_ch > 0 && classes > 1 && w > 0 && w % 8 == 0,
             "ImageClassifier: expected channels > 0, classes > 1 and a width divisible by 8, got {}, {}, {}", in_ch,
             classes, w);
  const Conv2dOptions same{1, 1, 1};  // stride 1, padding 1: a 3x3 conv keeps the size
  conv1 = register_module("conv1", std::make_shared<Conv2d>(in_ch, w, 3, same));
  norm1 = register_module("norm1", std::make_shared<GroupNorm>(8, w));
  conv2 = register_module("conv2", std::make_shared<Conv2d>(w, 2 * w, 3, same));
  norm2 = register_module("norm2", std::make_shared<GroupNorm>(8, 2 * w));
  conv3 = register_module("conv3", std::make_shared<Conv2d>(2 * w, 4 * w, 3, same));
  norm3 = register_module("norm3", std::make_shared<GroupNorm>(8, 4 * w));
  head = register_module("head", std::make_shared<Linear>(4 * w, classes));
}

Tensor ImageClassifier::features(const Tensor& x) {
  RILL_CHECK(x.dim() == 4 && x.size(1) == in_channels && x.size(2) % 4 == 0 && x.size(3) % 4 == 0,
             "ImageClassifier: expected x [N, {}, H, W] with H and W divisible by 4, got shape {}", in_channels,
             shape_str(x.shape()));
  Tensor h = avg_pool2d(silu(norm1->forward(conv1->forward(x))), 2);  // [N, w, H/2, W/2]
  h = avg_pool2d(silu(norm2->forward(conv2->forward(h))), 2);        // [N, 2w, H/4, W/4]
  h = silu(norm3->forward(conv3->forward(h)));                         // [N, 4w, H/4, W/4]
  return mean(h, {2, 3});                                              // [N, 4w]
}

Tensor ImageClassifier::forward(const Tensor& x) { return head->forward(features(x)); }

}  // namespace rill::nn
