#include "autograd/linalg.h"

#include "autograd/binary.h"
#include "autograd/forward_ad.h"
#include "autograd/node.h"
#include "autograd/view.h"
#include "tensor/ops.h"

namespace rill {

// ---- matmul: y = a @ b  (a: [..., n, k], b: [..., k, m]) ----------------------------------------
//   da = g @ b^T   ([..., n, m] @ [..., m, k]),   db = a^T @ g   ([..., k, n] @ [..., n, m]),
//   each summed over the batch axes its operand was broadcast along.
//   tangent (product rule): dy = da @ b + a @ db
struct MatmulBackward : Node {
  SavedTensor saved_a, saved_b;
  std::string name() const override { return "MatmulBackward"; }
  std::vector<Tensor> backward(const Tensor& g) override {
    Tensor da, db;
    if (next[0].node) {
      const Tensor& b = saved_b.unpack(*this, "its input b");
      da = ops::sum_to(ops::matmul(g, ops::transpose(b, -1, -2)), next[0].shape);
    }
    if (next[1].node) {
      const Tensor& a = saved_a.unpack(*this, "its input a");
      db = ops::sum_to(ops::matmul(ops::transpose(a, -1, -2), g), next[1].shape);
    }
    return {da, db};
  }
  void release_saved() override { saved_a.reset(), saved_b.reset(); }
};

Tensor matmul(const Tensor& a, const Tensor& b) {
  // Vectors become matrices first (differentiably), so the node only sees >= 2-D operands.
  if (a.dim() == 1 && b.dim() == 1) return reshape(matmul(unsqueeze(a, 0), unsqueeze(b, 1)), {});  // dot product
  if (a.dim() == 1 && b.dim() >= 1) return squeeze(matmul(unsqueeze(a, 0), b), -2);
  if (b.dim() == 1 && a.dim() >= 2) return squeeze(matmul(a, unsqueeze(b, 1)), -1);
  Tensor y = ops::matmul(a, b);
  if (auto node = record<MatmulBackward>(y, {a, b}))
    node->saved_a = save_for_backward(a), node->saved_b = save_for_backward(b);
  if (any_tangent({a, b})) {
    const Tensor ta = tangent_of(a), tb = tangent_of(b);
    Tensor dy = ta.defined() ? ops::matmul(ta, b) : Tensor();
    if (tb.defined()) dy = dy.defined() ? ops::add(dy, ops::matmul(a, tb)) : ops::matmul(a, tb);
    set_tangent(y, dy.shape() == y.shape() ? dy : ops::contiguous(ops::expand(dy, y.shape())), "matmul");
  }
  return y;
}

// ---- linear: y = x W^T + b  (x: [..., in], W: [out, in], b: [out]) ---------------------------------
// With the leading axes of x flattened into rows, X: [R, in] and G = dL/dy: [R, out]:
//   dX = G W    ([R, out] @ [out, in]),   dW = G^T X   ([out, R] @ [R, in]),   db = sum_rows G.
// Tangent (product rule): dy = dx W^T + x dW^T + db.
// One node rather than matmul + transpose + add: dW comes out of its GEMM contiguous in
// W's own layout (through the transpose's backward it would be a transposed view that
// the leaf would have to copy), and the three gradients need one node's bookkeeping.
struct LinearBackward : Node {
  SavedTensor saved_x, saved_weight;
  std::string name() const override { return "LinearBackward"; }
  std::vector<Tensor> backward(const Tensor& g) override {
    const Tensor& x = saved_x.unpack(*this, "its input x");
    const Tensor& weight = saved_weight.unpack(*this, "its weight");
    const int64_t out = weight.size(0), in = weight.size(1);
    const Tensor g2 = ops::reshape(g, {-1, out});  // G [R, out]
    Tensor dx, dw, db;
    if (next[0].node) dx = ops::reshape(ops::matmul(g2, weight), x.shape());
    if (next[1].node) dw = ops::matmul(ops::transpose(g2, 0, 1), ops::reshape(x, {-1, in}));
    if (next.size() > 2 && next[2].node) db = ops::sum(g2, {0});
    if (next.size() > 2) return {dx, dw, db};
    return {dx, dw};
  }
  void release_saved() override { saved_x.reset(), saved_weight.reset(); }
};

Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias) {
  RILL_CHECK(weight.dim() == 2, "linear: weight must be [out, in], got shape {}", shape_str(weight.shape()));
  RILL_CHECK(x.dim() >= 1 && x.size(-1) == weight.size(1),
             "linear: input of shape {} does not match weight of shape {} (expected last size {})",
             shape_str(x.shape()), shape_str(weight.shape()), weight.size(1));
  RILL_CHECK(!bias.defined() || bias.shape() == Shape{weight.size(0)}, "linear: bias of shape {}, expected [{}]",
             shape_str(bias.shape()), weight.size(0));
  Shape out_shape = x.shape();
  out_shape.back() = weight.size(0);
  // X W^T: the transposed view goes to BLAS as a transpose flag.
  Tensor y = ops::matmul(ops::reshape(x, {-1, weight.size(1)}), ops::transpose(weight, 0, 1));
  if (bias.defined()) y = ops::add(y, bias);
  y = ops::reshape(y, out_shape);
  const std::vector<Tensor> inputs =
      bias.defined() ? std::vector<Tensor>{x, weight, bias} : std::vector<Tensor>{x, weight};
  if (auto node = record<LinearBackward>(y, inputs))
    node->saved_x = save_for_backward(x), node->saved_weight = save_for_backward(weight);
  if (any_tangent(inputs)) {
    const Tensor tx = tangent_of(x), tw = tangent_of(weight), tb = tangent_of(bias);
    const Tensor x2 = ops::reshape(x, {-1, weight.size(1)});  // [R, in]
    Tensor dy = zeros({x2.size(0), weight.size(0)}, y.options());  // [R, out]
    if (tx.defined()) dy = ops::add(dy, ops::matmul(ops::reshape(tx, {-1, weight.size(1)}), ops::transpose(weight, 0, 1)));
    if (tw.defined()) dy = ops::add(dy, ops::matmul(x2, ops::transpose(tw, 0, 1)));
    if (tb.defined()) dy = ops::add(dy, tb);
    set_tangent(y, ops::reshape(dy, out_shape), "linear");
  }
  return y;
}

}  // namespace rill
