#include "nn/attention.h"

#include <cmath>

#include "autograd/autograd.h"

namespace rill::nn {

SelfAttention2d::SelfAttention2d(int64_t channels, int64_t heads_, int64_t groups) : heads(heads_) {
  RILL_CHECK(heads > 0 && channels % heads == 0, "SelfAttention2d: {} channels cannot be split into {} heads", channels,
             heads);
  norm = register_module("norm", std::make_shared<GroupNorm>(groups, channels));
  qkv = register_module("qkv", std::make_shared<Conv2d>(channels, 3 * channels, 1));
  proj = register_module("proj", std::make_shared<Conv2d>(channels, channels, 1));
}

Tensor SelfAttention2d::forward(const Tensor& x) {
  const int64_t N = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3), d = C / heads, L = H * W;
  const Tensor qkv5 = reshape(qkv->forward(norm->forward(x)), {N, 3, heads, d, L});             // [N, 3, heads, d, L]
  const Tensor q = transpose(select(qkv5, 1, 0), 2, 3);                                         // [N, heads, L, d]
  const Tensor k = select(qkv5, 1, 1);                                                          // [N, heads, d, L]
  const Tensor v = transpose(select(qkv5, 1, 2), 2, 3);                                         // [N, heads, L, d]
  const Tensor attn = softmax(mul(matmul(q, k), 1.0 / std::sqrt(static_cast<double>(d))), -1);  // [N, heads, L, L]
  const Tensor out = reshape(transpose(matmul(attn, v), 2, 3), {N, C, H, W});  // heads back to channels
  return add(x, proj->forward(out));
}

}  // namespace rill::nn
