#include "nn/unet.h"

#include <string>

#include "autograd/autograd.h"
#include "nn/activation.h"
#include "nn/init.h"
#include "tensor/ops.h"

namespace rill::nn {

ResBlock::ResBlock(int64_t cin, int64_t cout, int64_t emb_dim, int64_t groups, double dropout_p) {
  norm1 = register_module("norm1", std::make_shared<GroupNorm>(groups, cin));
  conv1 = register_module("conv1", std::make_shared<Conv2d>(cin, cout, 3, Conv2dOptions{1, 1, 1}));
  emb_proj = register_module("emb_proj", std::make_shared<Linear>(emb_dim, cout));
  norm2 = register_module("norm2", std::make_shared<GroupNorm>(groups, cout));
  drop = register_module("dropout", std::make_shared<Dropout>(dropout_p));
  conv2 = register_module("conv2", std::make_shared<Conv2d>(cout, cout, 3, Conv2dOptions{1, 1, 1}));
  if (cin != cout) skip = register_module("skip", std::make_shared<Conv2d>(cin, cout, 1));
}

Tensor ResBlock::forward(const Tensor& x, const Tensor& emb) {
  Tensor h = conv1->forward(norm1->forward_silu(x));     // silu(norm1(x)), fused
  const Tensor e = emb_proj->forward(silu(emb));         // [N, cout]
  h = add(h, reshape(e, {e.size(0), e.size(1), 1, 1}));  // per-channel shift
  h = conv2->forward(drop->forward(norm2->forward_silu(h)));
  return add(h, skip ? skip->forward(x) : x);
}

UNet::UNet(UNetConfig cfg) : config(std::move(cfg)) {
  const auto& c = config;
  RILL_CHECK(!c.mult.empty() && c.base > 0 && c.res_blocks > 0,
             "UNet: need base > 0, res_blocks > 0 and at least one level");
  const int64_t E = 4 * c.base;
  const Conv2dOptions same{1, 1, 1}, stride2{2, 1, 1};

  // Time (and label) embedding.
  RILL_CHECK(c.times == 1 || c.times == 2, "UNet: times must be 1 (v(t, x)) or 2 (u(t, r, x)), got {}", c.times);
  time_features_ = std::make_shared<SinusoidalTimeEmbedding>(c.base);
  const auto embedding_mlp = [&] {
    return std::make_shared<Sequential>(std::vector<std::shared_ptr<UnaryModule>>{
        std::make_shared<Linear>(c.base, E), std::make_shared<SiLU>(), std::make_shared<Linear>(E, E)});
  };
  time_mlp_ = register_module("time_mlp", embedding_mlp());
  if (c.times == 2) interval_mlp_ = register_module("interval_mlp", embedding_mlp());
  if (c.num_classes > 0)
    label_embed_ = register_module("label_embed", std::make_shared<Embedding>(c.num_classes + 1, E));

  // Down path; skip_channels tracks what each push puts on the skip stack.
  conv_in_ = register_module("conv_in", std::make_shared<Conv2d>(c.in_ch, c.base, 3, same));
  std::vector<int64_t> skip_channels = {c.base};
  int64_t ch = c.base;
  const int64_t levels = static_cast<int64_t>(c.mult.size());
  for (int64_t i = 0; i < levels; ++i) {
    auto level = register_module("down." + std::to_string(i), std::make_shared<Level>());
    const int64_t out = c.base * c.mult[i];
    for (int64_t j = 0; j < c.res_blocks; ++j) {
      level->blocks.push_back(level->register_module("blocks." + std::to_string(j),
                                                     std::make_shared<ResBlock>(ch, out, E, c.groups, c.dropout)));
      ch = out;
      skip_channels.push_back(ch);
    }
    if (i + 1 < levels) {
      level->resample = level->register_module("downsample", std::make_shared<Conv2d>(ch, ch, 3, stride2));
      skip_channels.push_back(ch);
    }
    down_.push_back(level);
  }

  // Middle.
  mid1_ = register_module("mid.block1", std::make_shared<ResBlock>(ch, ch, E, c.groups, c.dropout));
  mid_attn_ = register_module("mid.attn", std::make_shared<SelfAttention2d>(ch, c.attn_heads, c.groups));
  mid2_ = register_module("mid.block2", std::make_shared<ResBlock>(ch, ch, E, c.groups, c.dropout));

  // Up path, deepest level first; each block eats one skip.
  for (int64_t i = levels - 1; i >= 0; --i) {
    auto level = register_module("up." + std::to_string(levels - 1 - i), std::make_shared<Level>());
    const int64_t out = c.base * c.mult[i];
    for (int64_t j = 0; j < c.res_blocks + 1; ++j) {
      const int64_t skip_ch = skip_channels.back();
      skip_channels.pop_back();
      level->blocks.push_back(level->register_module(
          "blocks." + std::to_string(j), std::make_shared<ResBlock>(ch + skip_ch, out, E, c.groups, c.dropout)));
      ch = out;
    }
    if (i > 0) level->resample = level->register_module("upsample", std::make_shared<Conv2d>(ch, ch, 3, same));
    up_.push_back(level);
  }

  // Output: zero-initialised so the untrained network predicts v = 0.
  norm_out_ = register_module("norm_out", std::make_shared<GroupNorm>(c.groups, ch));
  conv_out_ = register_module("conv_out", std::make_shared<Conv2d>(ch, c.in_ch, 3, same));
  init::zeros_(conv_out_->weight);
  init::zeros_(conv_out_->bias);
}

namespace {
void check_image(const UNetConfig& c, const Tensor& x) {
  RILL_CHECK(x.dim() == 4 && x.size(1) == c.in_ch, "UNet: expected x [N, {}, H, W], got shape {}", c.in_ch,
             shape_str(x.shape()));
  const int64_t down_factor = int64_t{1} << (c.mult.size() - 1);
  RILL_CHECK(x.size(2) % down_factor == 0 && x.size(3) % down_factor == 0,
             "UNet: image size {}x{} must be divisible by {} ({} levels)", x.size(2), x.size(3), down_factor,
             c.mult.size());
}
void check_times(const char* which, const Tensor& t, int64_t N) {
  RILL_CHECK(t.numel() == N, "UNet: expected {} [{}], got shape {}", which, N, shape_str(t.shape()));
}
}  // namespace

Tensor UNet::forward(const Tensor& t, const Tensor& x, const Tensor& labels) {
  RILL_CHECK(config.times == 1, "UNet: this model takes two times (u(t, r, x), MeanFlow); call forward(t, r, x, labels)");
  check_image(config, x);
  const int64_t N = x.size(0);
  check_times("t", t, N);
  return body(x, time_mlp_->forward(time_features_->forward(reshape(t, {N}))), labels);  // emb [N, E]
}

Tensor UNet::forward(const Tensor& t, const Tensor& r, const Tensor& x, const Tensor& labels) {
  RILL_CHECK(config.times == 2, "UNet: this model takes one time (v(t, x)); call forward(t, x, labels)");
  check_image(config, x);
  const int64_t N = x.size(0);
  check_times("t", t, N);
  check_times("r", r, N);
  const Tensor tn = reshape(t, {N});
  // emb = MLP_t(sin(t)) + MLP_interval(sin(r - t)): the start and the length of the jump.
  const Tensor emb = add(time_mlp_->forward(time_features_->forward(tn)),
                         interval_mlp_->forward(time_features_->forward(sub(reshape(r, {N}), tn))));
  return body(x, emb, labels);
}

Tensor UNet::body(const Tensor& x, Tensor emb, const Tensor& labels) {
  const int64_t N = x.size(0);
  if (label_embed_) {
    // A missing label is the null label (index num_classes): classifier-free guidance.
    const Tensor y =
        labels.defined() ? labels : full({N}, static_cast<double>(config.num_classes), {DType::Int64, x.device()});
    RILL_CHECK(y.shape() == Shape{N}, "UNet: expected labels [{}], got shape {}", N, shape_str(y.shape()));
    emb = add(emb, label_embed_->forward(y));
  } else {
    RILL_CHECK(!labels.defined(), "UNet: labels given to an unconditional network (num_classes = 0)");
  }

  Tensor h = conv_in_->forward(x);
  std::vector<Tensor> skips = {h};
  for (auto& level : down_) {
    for (auto& block : level->blocks) skips.push_back(h = block->forward(h, emb));
    if (level->resample) skips.push_back(h = level->resample->forward(h));
  }
  h = mid2_->forward(mid_attn_->forward(mid1_->forward(h, emb)), emb);
  for (auto& level : up_) {
    for (auto& block : level->blocks) {
      h = block->forward(cat({h, skips.back()}, 1), emb);
      skips.pop_back();
    }
    if (level->resample) h = level->resample->forward(upsample_nearest2d(h, 2));
  }
  return conv_out_->forward(norm_out_->forward_silu(h));
}

}  // namespace rill::nn
