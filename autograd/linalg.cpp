#include "autograd/linalg.h"

#include "autograd/binary.h"
#include "autograd/node.h"
#include "autograd/view.h"
#include "tensor/ops.h"

namespace rill {

// ---- matmul: y = a @ b  (a: [..., n, k], b: [..., k, m]) ----------------------------------------
//   da = g @ b^T   ([..., n, m] @ [..., m, k]),   db = a^T @ g   ([..., k, n] @ [..., n, m]),
//   each summed over the batch axes its operand was broadcast along.
struct MatmulBackward : Node {
  Tensor a, b;
  std::string name() const override { return "MatmulBackward"; }
  std::vector<Tensor> backward(const Tensor& g) override {
    Tensor da, db;
    if (next[0].node) da = ops::sum_to(ops::matmul(g, ops::transpose(b, -1, -2)), next[0].shape);
    if (next[1].node) db = ops::sum_to(ops::matmul(ops::transpose(a, -1, -2), g), next[1].shape);
    return {da, db};
  }
  void release_saved() override { a = b = Tensor(); }
};

Tensor matmul(const Tensor& a, const Tensor& b) {
  // Vectors become matrices first (differentiably), so the node only sees >= 2-D operands.
  if (a.dim() == 1 && b.dim() == 1) return reshape(matmul(unsqueeze(a, 0), unsqueeze(b, 1)), {});  // dot product
  if (a.dim() == 1 && b.dim() >= 1) return squeeze(matmul(unsqueeze(a, 0), b), -2);
  if (b.dim() == 1 && a.dim() >= 2) return squeeze(matmul(a, unsqueeze(b, 1)), -1);
  Tensor y = ops::matmul(a, b);
  if (auto node = record<MatmulBackward>(y, {a, b})) node->a = detach(a), node->b = detach(b);
  return y;
}

// ---- linear: a composition; its gradient flows through matmul, transpose and add ----------------
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias) {
  RILL_CHECK(weight.dim() == 2, "linear: weight must be [out, in], got shape {}", shape_str(weight.shape()));
  RILL_CHECK(x.dim() >= 1 && x.size(-1) == weight.size(1),
             "linear: input of shape {} does not match weight of shape {} (expected last size {})",
             shape_str(x.shape()), shape_str(weight.shape()), weight.size(1));
  RILL_CHECK(!bias.defined() || bias.shape() == Shape{weight.size(0)}, "linear: bias of shape {}, expected [{}]",
             shape_str(bias.shape()), weight.size(0));
  const Tensor y = matmul(x, transpose(weight, 0, 1));  // the transposed view goes to BLAS as a transpose
  return bias.defined() ? add(y, bias) : y;
}

}  // namespace rill
