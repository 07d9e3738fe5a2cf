// rill nn — the reference U-Net velocity field for images (docs/models.md, exactly).
//
//   emb = Linear(base, E) SiLU Linear(E, E) applied to sinusoidal(t, base)  (E = 4 base)
//         (+ Embedding(num_classes + 1, E)(y) when conditional; label num_classes = "null")
//         (+ the same Linear SiLU Linear, its own weights, on sinusoidal(r - t, base) when
//            times = 2: MeanFlow's average velocity u(t, r, x), flowmatch/meanflow.h)
//   h = Conv3x3(in_ch, base)(x);  skips = [h]
//   down:   per level i: res_blocks x ResBlock(-> base*mult[i]), each output pushed;
//           then, except at the last level, a stride-2 Conv3x3, pushed
//   middle: ResBlock, SelfAttention2d, ResBlock
//   up:     per level i, deepest first: (res_blocks + 1) x ResBlock on concat([h, skips.pop()]);
//           then, except at level 0, nearest x2 upsampling and a Conv3x3
//   out = Conv3x3(base, in_ch)(SiLU(GroupNorm(h)))     (zero-initialised)
// Defaults: UNet(in_ch=1) 1,062,497 parameters; num_classes=10 adds 1,408; in_ch=3 1,063,651;
// times=2 adds 20,736 (the interval's MLP: 32*128 + 128 + 128*128 + 128).
#pragma once

#include <memory>
#include <vector>

#include "nn/attention.h"
#include "nn/conv.h"
#include "nn/dropout.h"
#include "nn/embedding.h"
#include "nn/linear.h"
#include "nn/norm.h"
#include "nn/sequential.h"

namespace rill::nn {

struct UNetConfig {
  int64_t in_ch = 1;
  int64_t base = 32;
  std::vector<int64_t> mult = {1, 2, 2};
  int64_t res_blocks = 1;
  int64_t groups = 8;
  int64_t attn_heads = 4;
  double dropout = 0.0;
  int64_t num_classes = 0;  // 0: unconditional; k > 0: labels 0..k-1 plus the null label k
  int64_t times = 1;        // 1: v(t, x); 2: u(t, r, x), the second time entering as r - t
};

// h = Conv3x3(SiLU(GroupNorm(x))) + Linear(SiLU(emb)) per channel;
// h = Conv3x3(Dropout(SiLU(GroupNorm(h))));  return h + skip(x)   (skip: Conv1x1 if cin != cout)
class ResBlock : public Module {
 public:
  ResBlock(int64_t cin, int64_t cout, int64_t emb_dim, int64_t groups, double dropout);
  Tensor forward(const Tensor& x, const Tensor& emb);  // x [N, cin, H, W], emb [N, E] -> [N, cout, H, W]

  std::shared_ptr<GroupNorm> norm1, norm2;
  std::shared_ptr<Conv2d> conv1, conv2, skip;  // skip null when cin == cout
  std::shared_ptr<Linear> emb_proj;
  std::shared_ptr<Dropout> drop;
};

class UNet : public Module {
 public:
  explicit UNet(UNetConfig config = {});
  // t: [N] in [0, 1], x: [N, in_ch, H, W], labels: [N] int64 (undefined = all null) -> [N, in_ch, H, W]
  // (time first, as every field and model in rill; a UNet is a flowmatch::Model as it is)
  Tensor forward(const Tensor& t, const Tensor& x, const Tensor& labels = {});
  Tensor operator()(const Tensor& t, const Tensor& x, const Tensor& labels = {}) { return forward(t, x, labels); }
  // times = 2: the average velocity from time t to time r (t, r: [N]); so the module is a
  // flowmatch::MeanFlowModel as it is. The network sees (t, r - t), as the MeanFlow paper's (t, t - r).
  Tensor forward(const Tensor& t, const Tensor& r, const Tensor& x, const Tensor& labels);
  Tensor operator()(const Tensor& t, const Tensor& r, const Tensor& x, const Tensor& labels) {
    return forward(t, r, x, labels);
  }

  const UNetConfig config;

 private:
  struct Level : Module {
    std::vector<std::shared_ptr<ResBlock>> blocks;
    std::shared_ptr<Conv2d> resample;  // downsample (stride 2) or the conv after upsampling; null if none
  };
  std::shared_ptr<SinusoidalTimeEmbedding> time_features_;
  std::shared_ptr<Sequential> time_mlp_, interval_mlp_;  // interval_mlp_: times = 2 only
  std::shared_ptr<Embedding> label_embed_;
  std::shared_ptr<Conv2d> conv_in_, conv_out_;
  std::vector<std::shared_ptr<Level>> down_, up_;
  std::shared_ptr<ResBlock> mid1_, mid2_;
  std::shared_ptr<SelfAttention2d> mid_attn_;
  std::shared_ptr<GroupNorm> norm_out_;

  // The network after the embedding: x [N, in_ch, H, W] and emb [N, E] -> [N, in_ch, H, W].
  Tensor body(const Tensor& x, Tensor emb, const Tensor& labels);
};

}  // namespace rill::nn
