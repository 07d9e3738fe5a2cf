// conv2d as GEMM. With cols = im2col(x): [N, C*kh*kw, L] (L = Ho*Wo) and
// W = weight viewed as [F, C*kh*kw]:
//   forward   y[n]  = W @ cols[n] + bias                     [F, L]
//   backward  dW    = sum_n g[n] @ cols[n]^T                  [F, C*kh*kw]
//             dcols = W^T @ g[n],  dx = col2im(dcols)         (col2im is im2col's adjoint)
//             dbias = sum over n and L of g
// The columns are not kept between forward and backward (they are the largest
// tensor of the op); backward recomputes them from x when the weight needs a gradient.
#include "autograd/conv.h"

#include "autograd/node.h"
#include "tensor/ops.h"

namespace rill {

struct Conv2dBackward : Node {
  Tensor x, weight;
  Window2d window;
  std::string name() const override { return "Conv2dBackward"; }
  std::vector<Tensor> backward(const Tensor& g) override {
    const int64_t N = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3), F = weight.size(0);
    const Tensor g3 = ops::reshape(g, {N, F, -1});        // [N, F, L]
    const Tensor Wm = ops::reshape(weight, {F, -1});      // [F, C*kh*kw]
    Tensor dx, dw, db;
    if (next[0].node) dx = ops::col2im(ops::matmul(ops::transpose(Wm, 0, 1), g3), window, C, H, W);
    if (next[1].node) {
      const Tensor cols = ops::im2col(x, window);
      dw = ops::reshape(ops::sum(ops::matmul(g3, ops::transpose(cols, 1, 2)), {0}), weight.shape());
    }
    if (next.size() > 2 && next[2].node) db = ops::sum(g3, {0, 2});
    return {dx, dw, db};
  }
  void release_saved() override { x = weight = Tensor(); }
};

Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias, Conv2dOptions o) {
  RILL_CHECK(x.dim() == 4 && weight.dim() == 4, "conv2d: expected input [N, C, H, W] and weight [F, C, kh, kw], got {} and {}",
             shape_str(x.shape()), shape_str(weight.shape()));
  RILL_CHECK(x.size(1) == weight.size(1), "conv2d: input has {} channels but weight {} expects {}", x.size(1),
             shape_str(weight.shape()), weight.size(1));
  RILL_CHECK(!bias.defined() || bias.shape() == Shape{weight.size(0)}, "conv2d: bias of shape {}, expected [{}]",
             shape_str(bias.shape()), weight.size(0));
  Window2d w;
  w.kernel_h = weight.size(2), w.kernel_w = weight.size(3);
  w.stride_h = w.stride_w = o.stride;
  w.pad_h = w.pad_w = o.padding;
  w.dilation_h = w.dilation_w = o.dilation;

  const int64_t N = x.size(0), F = weight.size(0);
  const Tensor cols = ops::im2col(x, w);                               // [N, C*kh*kw, L]
  Tensor y = ops::matmul(ops::reshape(weight, {F, -1}), cols);         // [N, F, L]
  if (bias.defined()) y = ops::add(y, ops::reshape(bias, {F, 1}));
  y = ops::reshape(y, {N, F, w.out_h(x.size(2)), w.out_w(x.size(3))});

  const std::vector<Tensor> inputs = bias.defined() ? std::vector<Tensor>{x, weight, bias} : std::vector<Tensor>{x, weight};
  if (auto node = record<Conv2dBackward>(y, inputs)) node->x = detach(x), node->weight = detach(weight), node->window = w;
  return y;
}

}  // namespace rill
