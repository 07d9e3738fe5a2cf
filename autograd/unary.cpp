// Each op: the forward (a raw kernel from tensor/), then its backward right below,
// with the derivative it implements. Backward functions receive g = dL/dy and
// return dL/dx = g * dy/dx.
#include "autograd/unary.h"

#include <cmath>

#include "autograd/node.h"
#include "tensor/ops.h"

namespace rill {

// A node whose backward needs its input x, or its output y: saved in the forward
// pass with save_for_backward, read back through x() / y(), which check that no
// in-place op has written to it since (autograd/saved.h).
struct SavesInput : Node {
  SavedTensor saved_x;
  const Tensor& x() const { return saved_x.unpack(*this, "its input x"); }
  void release_saved() override { saved_x.reset(); }
};
struct SavesOutput : Node {
  SavedTensor saved_y;
  const Tensor& y() const { return saved_y.unpack(*this, "its output"); }
  void release_saved() override { saved_y.reset(); }
};

// ---- neg: y = -x,  dx = -g ---------------------------------------------------------
struct NegBackward : Node {
  std::string name() const override { return "NegBackward"; }
  std::vector<Tensor> backward(const Tensor& g) override { return {ops::neg(g)}; }
};
Tensor neg(const Tensor& x) {
  Tensor y = ops::neg(x);
  record<NegBackward>(y, {x});
  return y;
}

// ---- abs: y = |x|,  dx = g * sign(x) --------------------------------------------------
struct AbsBackward : SavesInput {
  std::string name() const override { return "AbsBackward"; }
  std::vector<Tensor> backward(const Tensor& g) override { return {ops::mul(g, ops::sign(x()))}; }
};
Tensor abs(const Tensor& x) {
  Tensor y = ops::abs(x);
  if (auto node = record<AbsBackward>(y, {x})) node->saved_x = save_for_backward(x);
  return y;
}

// ---- sign: piecewise constant, dx = 0 ---------------------------------------------------
struct SignBackward : Node {
  std::string name() const override { return "SignBackward"; }
  std::vector<Tensor> backward(const Tensor& g) override { return {zeros_like(g)}; }
};
Tensor sign(const Tensor& x) {
  Tensor y = ops::sign(x);
  record<SignBackward>(y, {x});
  return y;
}

// ---- exp: y = e^x,  dx = g * y -------------------------------------------------------------
struct ExpBackward : SavesOutput {
  std::string name() const override { return "ExpBackward"; }
  std::vector<Tensor> backward(const Tensor& g) override { return {ops::mul(g, y())}; }
};
Tensor exp(const Tensor& x) {
  Tensor y = ops::exp(x);
  if (auto node = record<ExpBackward>(y, {x})) node->saved_y = save_for_backward(y);
  return y;
}

// ---- log: y = ln x,  dx = g / x --------------------------------------------------------------
struct LogBackward : SavesInput {
  std::string name() const override { return "LogBackward"; }
  std::vector<Tensor> backward(const Tensor& g) override { return {ops::div(g, x())}; }
};
Tensor log(const Tensor& x) {
  Tensor y = ops::log(x);
  if (auto node = record<LogBackward>(y, {x})) node->saved_x = save_for_backward(x);
  return y;
}

// ---- sqrt: y = sqrt(x),  dx = g / (2 y) -----------------------------------------------------
struct SqrtBackward : SavesOutput {
  std::string name() const override { return "SqrtBackward"; }
  std::vector<Tensor> backward(const Tensor& g) override { return {ops::div(g, ops::mul(y(), 2.0))}; }
};
Tensor sqrt(const Tensor& x) {
  Tensor y = ops::sqrt(x);
  if (auto node = record<SqrtBackward>(y, {x})) node->saved_y = save_for_backward(y);
  return y;
}

// ---- rsqrt: y = x^(-1/2),  dx = g * (-1/2) x^(-3/2) = -g y^3 / 2 --------------------------------
struct RsqrtBackward : SavesOutput {
  std::string name() const override { return "RsqrtBackward"; }
  std::vector<Tensor> backward(const Tensor& g) override { return {ops::mul(ops::mul(g, ops::pow(y(), 3.0)), -0.5)}; }
};
Tensor rsqrt(const Tensor& x) {
  Tensor y = ops::rsqrt(x);
  if (auto node = record<RsqrtBackward>(y, {x})) node->saved_y = save_for_backward(y);
  return y;
}

// ---- sin: dx = g cos x;  cos: dx = -g sin x -------------------------------------------------
struct SinBackward : SavesInput {
  std::string name() const override { return "SinBackward"; }
  std::vector<Tensor> backward(const Tensor& g) override { return {ops::mul(g, ops::cos(x()))}; }
};
Tensor sin(const Tensor& x) {
  Tensor y = ops::sin(x);
  if (auto node = record<SinBackward>(y, {x})) node->saved_x = save_for_backward(x);
  return y;
}
struct CosBackward : SavesInput {
  std::string name() const override { return "CosBackward"; }
  std::vector<Tensor> backward(const Tensor& g) override { return {ops::neg(ops::mul(g, ops::sin(x())))}; }
};
Tensor cos(const Tensor& x) {
  Tensor y = ops::cos(x);
  if (auto node = record<CosBackward>(y, {x})) node->saved_x = save_for_backward(x);
  return y;
}

// ---- tanh: dx = g (1 - y^2) -----------------------------------------------------------------
struct TanhBackward : SavesOutput {
  std::string name() const override { return "TanhBackward"; }
  std::vector<Tensor> backward(const Tensor& g) override {
    return {ops::mul(g, ops::sub(ones_like(y()), ops::mul(y(), y())))};
  }
};
Tensor tanh(const Tensor& x) {
  Tensor y = ops::tanh(x);
  if (auto node = record<TanhBackward>(y, {x})) node->saved_y = save_for_backward(y);
  return y;
}

// ---- erf: dx = g * 2/sqrt(pi) e^(-x^2) --------------------------------------------------------
struct ErfBackward : SavesInput {
  std::string name() const override { return "ErfBackward"; }
  std::vector<Tensor> backward(const Tensor& g) override {
    return {ops::mul(g, ops::mul(ops::exp(ops::neg(ops::mul(x(), x()))), M_2_SQRTPI))};
  }
};
Tensor erf(const Tensor& x) {
  Tensor y = ops::erf(x);
  if (auto node = record<ErfBackward>(y, {x})) node->saved_x = save_for_backward(x);
  return y;
}

// ---- sigmoid: dx = g y (1 - y) ----------------------------------------------------------------
struct SigmoidBackward : SavesOutput {
  std::string name() const override { return "SigmoidBackward"; }
  std::vector<Tensor> backward(const Tensor& g) override {
    return {ops::mul(g, ops::mul(y(), ops::sub(ones_like(y()), y())))};
  }
};
Tensor sigmoid(const Tensor& x) {
  Tensor y = ops::sigmoid(x);
  if (auto node = record<SigmoidBackward>(y, {x})) node->saved_y = save_for_backward(y);
  return y;
}

// ---- relu: dx = g * [x > 0] ---------------------------------------------------------------------
struct ReluBackward : SavesInput {
  std::string name() const override { return "ReluBackward"; }
  std::vector<Tensor> backward(const Tensor& g) override {
    return {ops::mul(g, ops::gt(x(), zeros({}, x().options())))};
  }
};
Tensor relu(const Tensor& x) {
  Tensor y = ops::relu(x);
  if (auto node = record<ReluBackward>(y, {x})) node->saved_x = save_for_backward(x);
  return y;
}

// ---- silu: y = x s,  s = sigmoid(x);  dx = g s (1 + x (1 - s)) ----------------------------------
struct SiluBackward : SavesInput {
  std::string name() const override { return "SiluBackward"; }
  std::vector<Tensor> backward(const Tensor& g) override {
    return {ops::silu_backward(g, x())};  // one fused elementwise pass
  }
};
Tensor silu(const Tensor& x) {
  Tensor y = ops::silu(x);
  if (auto node = record<SiluBackward>(y, {x})) node->saved_x = save_for_backward(x);
  return y;
}

// ---- gelu: y = x Phi(x);  dx = g (Phi(x) + x phi(x)),
//      Phi(x) = (1 + erf(x / sqrt 2)) / 2,  phi(x) = e^(-x^2/2) / sqrt(2 pi) ---------------------------
struct GeluBackward : SavesInput {
  std::string name() const override { return "GeluBackward"; }
  std::vector<Tensor> backward(const Tensor& g) override {
    const Tensor Phi = ops::mul(ops::add(ops::erf(ops::mul(x(), M_SQRT1_2)), 1.0), 0.5);
    const Tensor phi = ops::mul(ops::exp(ops::mul(ops::mul(x(), x()), -0.5)), 1.0 / std::sqrt(2.0 * M_PI));
    return {ops::mul(g, ops::add(Phi, ops::mul(x(), phi)))};
  }
};
Tensor gelu(const Tensor& x) {
  Tensor y = ops::gelu(x);
  if (auto node = record<GeluBackward>(y, {x})) node->saved_x = save_for_backward(x);
  return y;
}

// ---- softplus: y = log(1 + e^x),  dx = g e^x / (1 + e^x) = g sigmoid(x) ------------------------------
struct SoftplusBackward : SavesInput {
  std::string name() const override { return "SoftplusBackward"; }
  std::vector<Tensor> backward(const Tensor& g) override { return {ops::mul(g, ops::sigmoid(x()))}; }
};
Tensor softplus(const Tensor& x) {
  Tensor y = ops::softplus(x);
  if (auto node = record<SoftplusBackward>(y, {x})) node->saved_x = save_for_backward(x);
  return y;
}

// ---- pow: y = x^p,  dx = g p x^(p-1) ---------------------------------------------------------------
struct PowScalarBackward : SavesInput {
  double p = 1;
  std::string name() const override { return "PowBackward"; }
  std::vector<Tensor> backward(const Tensor& g) override {
    if (p == 0) return {zeros_like(g)};  // x^0 = 1 is constant (and 0 * 0^-1 would be NaN)
    return {ops::mul(g, ops::mul(ops::pow(x(), p - 1), p))};
  }
};
Tensor pow(const Tensor& x, double exponent) {
  Tensor y = ops::pow(x, exponent);
  if (auto node = record<PowScalarBackward>(y, {x})) node->saved_x = save_for_backward(x), node->p = exponent;
  return y;
}

Tensor square(const Tensor& x) { return pow(x, 2.0); }

// ---- clamp: dx = g * [lo <= x <= hi] ----------------------------------------------------------------
struct ClampBackward : SavesInput {
  double lo = 0, hi = 0;
  std::string name() const override { return "ClampBackward"; }
  std::vector<Tensor> backward(const Tensor& g) override {
    const TensorOptions o = x().options();
    const Tensor inside = ops::mul(ops::ge(x(), full({}, lo, o)), ops::le(x(), full({}, hi, o)));
    return {ops::mul(g, inside)};
  }
};
Tensor clamp(const Tensor& x, double lo, double hi) {
  Tensor y = ops::clamp(x, lo, hi);
  if (auto node = record<ClampBackward>(y, {x})) node->saved_x = save_for_backward(x), node->lo = lo, node->hi = hi;
  return y;
}

}  // namespace rill
