// Whole-network gradchecks: every parameter of two small networks, end to end.
#include "helpers.h"

using namespace rill;
using rill::test::leaf;
using rill::test::pattern;

using Inputs = std::vector<Tensor>;

TEST_CASE("gradcheck: a 2-layer MLP with a cross-entropy loss", "[autograd][networks]") {
  const Tensor x = pattern({6, 3});
  const Tensor labels = tensor(std::vector<int64_t>{0, 1, 2, 1, 0, 2});
  auto mlp = [&](const Inputs& p) {
    const Tensor h = silu(linear(x, p[0], p[1]));
    return cross_entropy(linear(h, p[2], p[3]), labels);
  };
  REQUIRE_GRADCHECK(mlp, {leaf({5, 3}, 0.6), leaf({5}, 0.2), leaf({3, 5}, 0.6), leaf({3}, 0.2)});
}

TEST_CASE("gradcheck: a tiny conv net with GroupNorm, SiLU, attention, upsample and a channel concat",
          "[autograd][networks]") {
  // x [2, 2, 4, 4] -> conv 3x3 (4 ch) -> GroupNorm(2) -> SiLU -> stride-2 conv (4 ch, 2x2)
  //   -> attention over the 4 positions (q, k, v from a 1x1 conv) + residual
  //   -> nearest upsample x2 -> concat with the first activation -> 1x1 conv (2 ch)
  const Tensor x = pattern({2, 2, 4, 4});
  auto net = [&](const Inputs& p) {
    const Tensor h1 = silu(group_norm(conv2d(x, p[0], p[1], {1, 1, 1}), 2, p[2], p[3]));  // [2, 4, 4, 4]
    const Tensor h2 = conv2d(h1, p[4], p[5], {2, 1, 1});                                  // [2, 4, 2, 2]
    const Tensor qkv = reshape(conv2d(h2, p[6], p[7]), {2, 3, 4, 4});                     // [N, 3, C, HW]
    const Tensor q = transpose(select(qkv, 1, 0), 1, 2);                                  // [N, HW, C]
    const Tensor k = select(qkv, 1, 1);                                                   // [N, C, HW]
    const Tensor v = transpose(select(qkv, 1, 2), 1, 2);                                  // [N, HW, C]
    const Tensor attn = softmax(matmul(q, k) / std::sqrt(4.0), -1);                       // [N, HW, HW]
    const Tensor a = reshape(transpose(matmul(attn, v), 1, 2), {2, 4, 2, 2});
    const Tensor up = upsample_nearest2d(h2 + a, 2);  // [2, 4, 4, 4]
    return conv2d(cat({up, h1}, 1), p[8], p[9]);      // [2, 2, 4, 4]
  };
  const Inputs params = {leaf({4, 2, 3, 3}, 0.3), leaf({4}, 0.1), leaf({4}, 0.5),           leaf({4}, 0.2),
                         leaf({4, 4, 3, 3}, 0.2), leaf({4}, 0.1), leaf({12, 4, 1, 1}, 0.4), leaf({12}, 0.1),
                         leaf({2, 8, 1, 1}, 0.4), leaf({2}, 0.1)};
  // A scalar summary keeps the Jacobian small: sum of the output times a fixed pattern.
  const Tensor weights = pattern({2, 2, 4, 4}, DType::Float64, 0.7);
  REQUIRE_GRADCHECK([&](const Inputs& p) { return sum(net(p) * weights); }, params);
}
