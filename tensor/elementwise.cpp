#include "tensor/elementwise.h"

#include "tensor/factory.h"
#include "tensor/profiler.h"
#include "tensor/view.h"

namespace rill::ops {
namespace {

void check_same_device(const char* op, const Tensor& a, const Tensor& b) {
  RILL_CHECK(a.device() == b.device(), "{}: tensors are on different devices ({} and {})", op, a.device(), b.device());
}

}  // namespace

// Each op's name and dtypes come from its entry in tensor/elementwise_ops.h.
Tensor unary(UnaryOp op, const Tensor& x, double scalar) {
  const char* name = op_name(op);
  RILL_CHECK(accepts(op, x.dtype()), "{}: expected a floating dtype (float32 or float64), got {}", name, x.dtype());
  Tensor out = Tensor::empty(x.shape(), x.options());
  const profiler::Scope scope(name);
  backend(x.device()).unary(op, x, out, scalar);
  return out;
}

Tensor neg(const Tensor& x) { return unary(UnaryOp::Neg, x); }
Tensor abs(const Tensor& x) { return unary(UnaryOp::Abs, x); }
Tensor sign(const Tensor& x) { return unary(UnaryOp::Sign, x); }
Tensor exp(const Tensor& x) { return unary(UnaryOp::Exp, x); }
Tensor log(const Tensor& x) { return unary(UnaryOp::Log, x); }
Tensor sqrt(const Tensor& x) { return unary(UnaryOp::Sqrt, x); }
Tensor rsqrt(const Tensor& x) { return unary(UnaryOp::Rsqrt, x); }
Tensor sin(const Tensor& x) { return unary(UnaryOp::Sin, x); }
Tensor cos(const Tensor& x) { return unary(UnaryOp::Cos, x); }
Tensor tanh(const Tensor& x) { return unary(UnaryOp::Tanh, x); }
Tensor erf(const Tensor& x) { return unary(UnaryOp::Erf, x); }
Tensor sigmoid(const Tensor& x) { return unary(UnaryOp::Sigmoid, x); }
Tensor relu(const Tensor& x) { return unary(UnaryOp::Relu, x); }
Tensor silu(const Tensor& x) { return unary(UnaryOp::Silu, x); }
Tensor gelu(const Tensor& x) { return unary(UnaryOp::Gelu, x); }
Tensor pow(const Tensor& x, double exponent) { return unary(UnaryOp::Pow, x, exponent); }
Tensor softplus(const Tensor& x) { return unary(UnaryOp::Softplus, x); }

Tensor binary(BinaryOp op, const Tensor& a, const Tensor& b) {
  const char* name = op_name(op);
  check_same_device(name, a, b);
  RILL_CHECK(a.dtype() == b.dtype(), "{}: dtypes {} and {} differ (cast one with ops::to)", name, a.dtype(), b.dtype());
  RILL_CHECK(accepts(op, a.dtype()), "{}: expected a floating dtype (float32 or float64), got {}", name, a.dtype());
  const Shape shape = broadcast_shapes(name, a.shape(), b.shape());
  Tensor out = Tensor::empty(shape, a.options());
  const profiler::Scope scope(name);
  backend(a.device()).binary(op, expand(a, shape), expand(b, shape), out);
  return out;
}

Tensor add(const Tensor& a, const Tensor& b) { return binary(BinaryOp::Add, a, b); }
Tensor sub(const Tensor& a, const Tensor& b) { return binary(BinaryOp::Sub, a, b); }
Tensor mul(const Tensor& a, const Tensor& b) { return binary(BinaryOp::Mul, a, b); }
Tensor div(const Tensor& a, const Tensor& b) { return binary(BinaryOp::Div, a, b); }
Tensor pow(const Tensor& a, const Tensor& b) { return binary(BinaryOp::Pow, a, b); }
Tensor silu_backward(const Tensor& grad, const Tensor& x) { return binary(BinaryOp::SiluBackward, grad, x); }
Tensor maximum(const Tensor& a, const Tensor& b) { return binary(BinaryOp::Maximum, a, b); }
Tensor minimum(const Tensor& a, const Tensor& b) { return binary(BinaryOp::Minimum, a, b); }
Tensor eq(const Tensor& a, const Tensor& b) { return binary(BinaryOp::Eq, a, b); }
Tensor ne(const Tensor& a, const Tensor& b) { return binary(BinaryOp::Ne, a, b); }
Tensor lt(const Tensor& a, const Tensor& b) { return binary(BinaryOp::Lt, a, b); }
Tensor le(const Tensor& a, const Tensor& b) { return binary(BinaryOp::Le, a, b); }
Tensor gt(const Tensor& a, const Tensor& b) { return binary(BinaryOp::Gt, a, b); }
Tensor ge(const Tensor& a, const Tensor& b) { return binary(BinaryOp::Ge, a, b); }

Tensor add(const Tensor& a, double b) { return add(a, scalar_tensor(b, a.options())); }
Tensor sub(const Tensor& a, double b) { return sub(a, scalar_tensor(b, a.options())); }
Tensor mul(const Tensor& a, double b) { return mul(a, scalar_tensor(b, a.options())); }
Tensor div(const Tensor& a, double b) { return div(a, scalar_tensor(b, a.options())); }
Tensor maximum(const Tensor& a, double b) { return maximum(a, scalar_tensor(b, a.options())); }
Tensor minimum(const Tensor& a, double b) { return minimum(a, scalar_tensor(b, a.options())); }

Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b) {
  check_same_device("where", cond, a);
  check_same_device("where", a, b);
  RILL_CHECK(a.dtype() == b.dtype(), "where: dtypes {} and {} differ (cast one with ops::to)", a.dtype(), b.dtype());
  const Shape shape = broadcast_shapes("where", broadcast_shapes("where", cond.shape(), a.shape()), b.shape());
  Tensor out = Tensor::empty(shape, a.options());
  const profiler::Scope scope("where");
  backend(a.device()).where(expand(cond, shape), expand(a, shape), expand(b, shape), out);
  return out;
}

Tensor clamp(const Tensor& x, double lo, double hi) {
  RILL_CHECK(!(lo > hi), "clamp: lower bound {} is above upper bound {}", lo, hi);
  Tensor out = Tensor::empty(x.shape(), x.options());
  const profiler::Scope scope("clamp");
  backend(x.device()).clamp(x, out, lo, hi);
  return out;
}

}  // namespace rill::ops
