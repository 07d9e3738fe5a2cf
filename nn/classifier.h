// rill nn — a small image classifier: the judge of generated images.
//
// Inception weights cannot be downloaded here, so rill trains its own judge on the real
// training split (examples/judge.cpp) and measures samples in its feature space: a
// Frechet distance to real test images (the FID recipe with a domain-specific network)
// and, for class-conditional samples, the accuracy of its predictions.
//
//   x [N, C, H, W]
//   Conv3x3(C, w)    GroupNorm(8) SiLU  AvgPool 2       -> [N, w, H/2, W/2]
//   Conv3x3(w, 2w)   GroupNorm(8) SiLU  AvgPool 2       -> [N, 2w, H/4, W/4]
//   Conv3x3(2w, 4w)  GroupNorm(8) SiLU  mean over H, W  -> features [N, 4w]
//   Linear(4w, classes)                                  -> logits [N, classes]
// Default w = 32: 128 features; 1 channel, 10 classes: 94,410 parameters.
#pragma once

#include <memory>

#include "nn/conv.h"
#include "nn/linear.h"
#include "nn/norm.h"

namespace rill::nn {

class ImageClassifier : public Module {
 public:
  ImageClassifier(int64_t in_channels, int64_t num_classes, int64_t width = 32);
  // The penultimate features [N, 4w]: what the Frechet distance compares.
  Tensor features(const Tensor& x);
  // Class logits [N, classes].
  Tensor forward(const Tensor& x);
  Tensor operator()(const Tensor& x) { return forward(x); }

  std::shared_ptr<Conv2d> conv1, conv2, conv3;
  std::shared_ptr<GroupNorm> norm1, norm2, norm3;
  std::shared_ptr<Linear> head;
  int64_t in_channels, num_classes, width;
};

}  // namespace rill::nn
