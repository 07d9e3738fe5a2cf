#include "autograd/loss.h"

#include "autograd/binary.h"
#include "autograd/index.h"
#include "autograd/reduce.h"
#include "autograd/unary.h"
#include "autograd/view.h"
#include "tensor/ops.h"

namespace rill {

Tensor mse_loss(const Tensor& input, const Tensor& target) {
  RILL_CHECK(input.shape() == target.shape(), "mse_loss: input shape {} differs from target shape {}",
             shape_str(input.shape()), shape_str(target.shape()));
  return mean(square(sub(input, target)));
}

Tensor cross_entropy(const Tensor& logits, const Tensor& target) {
  RILL_CHECK(logits.dim() == 2, "cross_entropy: logits must be [N, C], got shape {}", shape_str(logits.shape()));
  RILL_CHECK(target.dtype() == DType::Int64 && target.shape() == Shape{logits.size(0)},
             "cross_entropy: target must be int64 of shape [{}], got {} of shape {}", logits.size(0), target.dtype(),
             shape_str(target.shape()));
  const Tensor log_p = log_softmax(logits, 1);                            // [N, C]
  const Tensor picked = gather(log_p, 1, ops::reshape(target, {-1, 1}));  // [N, 1]: log p[n, target[n]]
  return neg(mean(picked));
}

Tensor dropout(const Tensor& x, double p, bool training, Generator* gen) {
  RILL_CHECK(p >= 0 && p <= 1, "dropout: probability must be in [0, 1], got {}", p);
  if (!training || p == 0) return x;
  if (p == 1) return mul(x, zeros({}, x.options()));
  // mask = [u >= p] / (1 - p), u ~ U(0, 1): a constant, so the gradient is g * mask.
  const Tensor keep = ops::ge(rand(x.shape(), x.options(), gen), full({}, p, x.options()));
  return mul(x, ops::div(keep, 1.0 - p));
}

}  // namespace rill
