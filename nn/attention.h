// rill nn — 2-D self-attention block (the U-Net's middle block, docs/models.md):
//   h = GroupNorm(x);  [q | k | v] = Conv1x1(c, 3c)(h), each split into `heads`
//   contiguous heads of d = c / heads channels;
//   out_head = softmax(q^T k / sqrt(d)) v^T over the H*W positions;
//   y = x + Conv1x1(c, c)(out)
#pragma once

#include <memory>

#include "nn/conv.h"
#include "nn/norm.h"

namespace rill::nn {

class SelfAttention2d : public UnaryModule {
 public:
  SelfAttention2d(int64_t channels, int64_t heads, int64_t groups);
  Tensor forward(const Tensor& x) override;  // [N, C, H, W] -> same

  std::shared_ptr<GroupNorm> norm;
  std::shared_ptr<Conv2d> qkv, proj;
  int64_t heads;
};

}  // namespace rill::nn
