// The learnable Swish op and layer (swish.h), written the way rill's own ops are
// (autograd/unary.cpp): the forward from raw kernels (rill::ops), a graph node recorded
// with rill::record, and the backward right below, with the derivatives it implements.
#include "swish.h"

#include "autograd/node.h"
#include "tensor/ops.h"

namespace swish {

using rill::Tensor;
namespace ops = rill::ops;

// With s = sigmoid(beta x) and s' = s (1 - s):
//   dy/dx    = s + x s' beta
//   dy/dbeta = x^2 s'
// Broadcasting in the forward pass is undone in the backward by summing each gradient
// back to its input's shape (sum_to): beta [F] against x [B, F] sums over the batch.
struct LearnableSwishBackward : rill::Node {
  // Saved through SavedTensor, not as plain tensors: unpacking throws if an in-place op
  // (an optimizer step on beta, say) wrote into them between forward and backward.
  rill::SavedTensor saved_x, saved_beta;

  std::string name() const override { return "LearnableSwishBackward"; }
  std::vector<Tensor> backward(const Tensor& g) override {
    const Tensor& x = saved_x.unpack(*this, "its input x");
    const Tensor& beta = saved_beta.unpack(*this, "its slope beta");
    const Tensor s = ops::sigmoid(ops::mul(beta, x));
    const Tensor ds = ops::sub(s, ops::mul(s, s));  // s (1 - s)
    const Tensor dx = ops::mul(g, ops::add(s, ops::mul(ops::mul(x, ds), beta)));
    const Tensor dbeta = ops::mul(g, ops::mul(ops::mul(x, x), ds));
    return {ops::sum_to(dx, x.shape()), ops::sum_to(dbeta, beta.shape())};
  }
  void release_saved() override {
    saved_x.reset();
    saved_beta.reset();
  }
};

Tensor learnable_swish(const Tensor& x, const Tensor& beta) {
  RILL_CHECK(x.dtype() == beta.dtype(), "learnable_swish: x is {} but beta is {}", x.dtype(), beta.dtype());
  Tensor y = ops::mul(x, ops::sigmoid(ops::mul(beta, x)));
  if (auto node = rill::record<LearnableSwishBackward>(y, {x, beta})) {
    node->saved_x = rill::save_for_backward(x);
    node->saved_beta = rill::save_for_backward(beta);
  }
  return y;
}

LearnableSwish::LearnableSwish(int64_t features) {
  RILL_CHECK(features > 0, "LearnableSwish: features must be positive, got {}", features);
  beta = register_parameter("beta", rill::ones({features}));
}

}  // namespace swish
