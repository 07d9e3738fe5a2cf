// rill nn — normalisation layers (weight = 1, bias = 0 at init, as in PyTorch).
#pragma once

#include "nn/module.h"

namespace rill::nn {

// GroupNorm(groups, channels): x [N, C, *] normalised over each group of C/groups channels.
class GroupNorm : public UnaryModule {
 public:
  GroupNorm(int64_t groups, int64_t channels, double eps = 1e-5);
  Tensor forward(const Tensor& x) override;
  // silu(forward(x)) as one fused op (autograd/norm.h, group_norm_silu): the same
  // numbers, one pass instead of two each way.
  Tensor forward_silu(const Tensor& x);

  Tensor weight, bias;  // [C]
  int64_t groups;
  double eps;
};

// LayerNorm(shape): normalised over the trailing axes `shape`.
class LayerNorm : public UnaryModule {
 public:
  explicit LayerNorm(Shape normalized_shape, double eps = 1e-5);
  Tensor forward(const Tensor& x) override;

  Tensor weight, bias;  // normalized_shape
  Shape normalized_shape;
  double eps;
};

// RMSNorm(D) (Zhang & Sennrich 2019): x [..., D] divided by its root mean square over the
// last axis, then scaled per element; no centring and no shift (a LayerNorm without the
// mean), as in Llama and many recent transformers. weight: [D], ones at init.
class RMSNorm : public UnaryModule {
 public:
  explicit RMSNorm(int64_t dim, double eps = 1e-6);
  Tensor forward(const Tensor& x) override;

  Tensor weight;  // [D]
  double eps;
};

}  // namespace rill::nn
