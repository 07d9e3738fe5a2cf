// rill — elementwise ops (raw: no gradients; autograd/ wraps them).
//
// Binary ops broadcast like NumPy: shapes [4, 1, 3] and [2, 1] give [4, 2, 3].
// Both operands must have the same dtype and device (no silent promotion: cast
// with ops::to). A double operand takes the tensor's dtype.
// Comparisons return 1 or 0 in the operands' dtype (rill has no bool dtype).
#pragma once

#include <cmath>

#include "tensor/backend.h"
#include "tensor/tensor.h"

namespace rill::ops {

// ---- unary: out[i] = f(x[i]) --------------------------------------------------
// neg, abs, sign and relu also accept int64; the rest need a floating dtype.
Tensor unary(UnaryOp op, const Tensor& x, double scalar = 0.0);
Tensor neg(const Tensor& x);
Tensor abs(const Tensor& x);
Tensor sign(const Tensor& x);  // -1, 0 or 1
Tensor exp(const Tensor& x);
Tensor log(const Tensor& x);
Tensor sqrt(const Tensor& x);
Tensor rsqrt(const Tensor& x);  // 1 / sqrt(x)
Tensor sin(const Tensor& x);
Tensor cos(const Tensor& x);
Tensor tanh(const Tensor& x);
Tensor erf(const Tensor& x);      // 2/sqrt(pi) * integral_0^x e^(-t^2) dt
Tensor sigmoid(const Tensor& x);  // 1 / (1 + e^-x)
Tensor relu(const Tensor& x);     // max(x, 0)
Tensor silu(const Tensor& x);     // x * sigmoid(x)
Tensor gelu(const Tensor& x);     // x * Phi(x), the exact (erf) form
Tensor pow(const Tensor& x, double exponent);
Tensor softplus(const Tensor& x);  // log(1 + e^x)

// ---- binary: out = broadcast(a) op broadcast(b) -------------------------------
Tensor binary(BinaryOp op, const Tensor& a, const Tensor& b);
Tensor add(const Tensor& a, const Tensor& b);
Tensor sub(const Tensor& a, const Tensor& b);
Tensor mul(const Tensor& a, const Tensor& b);
Tensor div(const Tensor& a, const Tensor& b);  // floating dtypes only
Tensor pow(const Tensor& a, const Tensor& b);  // floating dtypes only
// grad * silu'(x), the gradient of silu in one pass (used by its backward).
Tensor silu_backward(const Tensor& grad, const Tensor& x);
Tensor maximum(const Tensor& a, const Tensor& b);
Tensor minimum(const Tensor& a, const Tensor& b);
Tensor eq(const Tensor& a, const Tensor& b);
Tensor ne(const Tensor& a, const Tensor& b);
Tensor lt(const Tensor& a, const Tensor& b);
Tensor le(const Tensor& a, const Tensor& b);
Tensor gt(const Tensor& a, const Tensor& b);
Tensor ge(const Tensor& a, const Tensor& b);
// With a scalar second operand.
Tensor add(const Tensor& a, double b);
Tensor sub(const Tensor& a, double b);
Tensor mul(const Tensor& a, double b);
Tensor div(const Tensor& a, double b);
Tensor maximum(const Tensor& a, double b);
Tensor minimum(const Tensor& a, double b);

// out = cond != 0 ? a : b, all three broadcast together; a and b share dtype.
Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b);
// out = min(max(x, lo), hi); an infinite bound is no bound.
Tensor clamp(const Tensor& x, double lo = -INFINITY, double hi = INFINITY);

}  // namespace rill::ops
