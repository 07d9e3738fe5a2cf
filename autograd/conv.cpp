// conv2d: forward and backward are raw ops of the tensor layer (ops::conv2d and
// ops::conv2d_backward in tensor/image.h), which the backend lowers to GEMM:
//   forward   y[n] = W @ cols[n] + bias,  cols = im2col(x): [N, C*kh*kw, L], W: [F, C*kh*kw]
//   backward  dW   = sum_n g[n] @ cols[n]^T                  [F, C*kh*kw]
//             dx   = col2im(W^T @ g[n])                       (col2im is im2col's adjoint)
//             dbias = sum over n and L of g
//   tangent   dy   = conv2d(dx, W) + conv2d(x, dW) + dbias   (the product rule: conv is bilinear)
// Only x and the weight are saved: the columns are recomputed in backward (they are
// the largest tensor of the op, kh*kw times x).
#include "autograd/conv.h"

#include "autograd/forward_ad.h"
#include "autograd/node.h"
#include "tensor/ops.h"

namespace rill {

struct Conv2dBackward : Node {
  SavedTensor saved_x, saved_weight;
  Window2d window;
  std::string name() const override { return "Conv2dBackward"; }
  std::vector<Tensor> backward(const Tensor& g) override {
    const bool has_bias = next.size() > 2;
    const Tensor& x = saved_x.unpack(*this, "its input x");
    const Tensor& weight = saved_weight.unpack(*this, "its weight");
    const ops::Conv2dGrads d = ops::conv2d_backward(g, x, weight, window, next[0].node != nullptr,
                                                    next[1].node != nullptr, has_bias && next[2].node);
    if (has_bias) return {d.x, d.weight, d.bias};
    return {d.x, d.weight};
  }
  void release_saved() override { saved_x.reset(), saved_weight.reset(); }
};

Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias, Conv2dOptions o) {
  RILL_CHECK(x.dim() == 4 && weight.dim() == 4,
             "conv2d: expected input [N, C, H, W] and weight [F, C, kh, kw], got {} and {}", shape_str(x.shape()),
             shape_str(weight.shape()));
  Window2d w;
  w.kernel_h = weight.size(2), w.kernel_w = weight.size(3);
  w.stride_h = w.stride_w = o.stride;
  w.pad_h = w.pad_w = o.padding;
  w.dilation_h = w.dilation_w = o.dilation;
  const Tensor y = ops::conv2d(x, weight, bias, w);
  const std::vector<Tensor> inputs =
      bias.defined() ? std::vector<Tensor>{x, weight, bias} : std::vector<Tensor>{x, weight};
  if (auto node = record<Conv2dBackward>(y, inputs))
    node->saved_x = save_for_backward(x), node->saved_weight = save_for_backward(weight), node->window = w;
  if (any_tangent(inputs)) {
    const Tensor tx = tangent_of(x), tw = tangent_of(weight), tb = tangent_of(bias);
    Tensor dy;
    if (tx.defined()) dy = ops::conv2d(tx, weight, tb, w);  // dbias rides along with the first term
    if (tw.defined()) {
      const Tensor term = ops::conv2d(x, tw, dy.defined() ? Tensor() : tb, w);
      dy = dy.defined() ? ops::add(dy, term) : term;
    }
    if (!dy.defined()) dy = ops::add(zeros(y.shape(), y.options()), ops::reshape(tb, {1, -1, 1, 1}));
    set_tangent(y, dy, "conv2d");
  }
  return y;
}

}  // namespace rill
