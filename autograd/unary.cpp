// Each op: the forward (a raw kernel from tensor/), then its backward right below,
// with the derivative it implements. Backward functions receive g = dL/dy and
// return dL/dx = g * dy/dx.
#include "autograd/unary.h"

#include <cmath>

#include "autograd/node.h"
#include "tensor/ops.h"

namespace rill {

// A node whose backward needs one saved tensor (x or y).
struct SavesOne : Node {
  Tensor saved;
  void release_saved() override { saved = Tensor(); }
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
struct AbsBackward : SavesOne {
  std::string name() const override { return "AbsBackward"; }
  std::vector<Tensor> backward(const Tensor& g) override { return {ops::mul(g, ops::sign(saved))}; }
};
Tensor abs(const Tensor& x) {
  Tensor y = ops::abs(x);
  if (auto node = record<AbsBackward>(y, {x})) node->saved = detach(x);
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
struct ExpBackward : SavesOne {
  std::string name() const override { return "ExpBackward"; }
  std::vector<Tensor> backward(const Tensor& g) override { return {ops::mul(g, saved)}; }
};
Tensor exp(const Tensor& x) {
  Tensor y = ops::exp(x);
  if (auto node = record<ExpBackward>(y, {x})) node->saved = detach(y);
  return y;
}

// ---- log: y = ln x,  dx = g / x --------------------------------------------------------------
struct LogBackward : SavesOne {
  std::string name() const override { return "LogBackward"; }
  std::vector<Tensor> backward(const Tensor& g) override { return {ops::div(g, saved)}; }
};
Tensor log(const Tensor& x) {
  Tensor y = ops::log(x);
  if (auto node = record<LogBackward>(y, {x})) node->saved = detach(x);
  return y;
}

// ---- sqrt: y = sqrt(x),  dx = g / (2 y) -----------------------------------------------------
struct SqrtBackward : SavesOne {
  std::string name() const override { return "SqrtBackward"; }
  std::vector<Tensor> backward(const Tensor& g) override { return {ops::div(g, ops::mul(saved, 2.0))}; }
};
Tensor sqrt(const Tensor& x) {
  Tensor y = ops::sqrt(x);
  if (auto node = record<SqrtBackward>(y, {x})) node->saved = detach(y);
  return y;
}

// ---- rsqrt: y = x^(-1/2),  dx = g * (-1/2) x^(-3/2) = -g y^3 / 2 --------------------------------
struct RsqrtBackward : SavesOne {
  std::string name() const override { return "RsqrtBackward"; }
  std::vector<Tensor> backward(const Tensor& g) override {
    return {ops::mul(ops::mul(g, ops::pow(saved, 3.0)), -0.5)};
  }
};
Tensor rsqrt(const Tensor& x) {
  Tensor y = ops::rsqrt(x);
  if (auto node = record<RsqrtBackward>(y, {x})) node->saved = detach(y);
  return y;
}

// ---- sin: dx = g cos x;  cos: dx = -g sin x -------------------------------------------------
struct SinBackward : SavesOne {
  std::string name() const override { return "SinBackward"; }
  std::vector<Tensor> backward(const Tensor& g) override { return {ops::mul(g, ops::cos(saved))}; }
};
Tensor sin(const Tensor& x) {
  Tensor y = ops::sin(x);
  if (auto node = record<SinBackward>(y, {x})) node->saved = detach(x);
  return y;
}
struct CosBackward : SavesOne {
  std::string name() const override { return "CosBackward"; }
  std::vector<Tensor> backward(const Tensor& g) override { return {ops::neg(ops::mul(g, ops::sin(saved)))}; }
};
Tensor cos(const Tensor& x) {
  Tensor y = ops::cos(x);
  if (auto node = record<CosBackward>(y, {x})) node->saved = detach(x);
  return y;
}

// ---- tanh: dx = g (1 - y^2) -----------------------------------------------------------------
struct TanhBackward : SavesOne {
  std::string name() const override { return "TanhBackward"; }
  std::vector<Tensor> backward(const Tensor& g) override {
    return {ops::mul(g, ops::sub(ones_like(saved), ops::mul(saved, saved)))};
  }
};
Tensor tanh(const Tensor& x) {
  Tensor y = ops::tanh(x);
  if (auto node = record<TanhBackward>(y, {x})) node->saved = detach(y);
  return y;
}

// ---- erf: dx = g * 2/sqrt(pi) e^(-x^2) --------------------------------------------------------
struct ErfBackward : SavesOne {
  std::string name() const override { return "ErfBackward"; }
  std::vector<Tensor> backward(const Tensor& g) override {
    return {ops::mul(g, ops::mul(ops::exp(ops::neg(ops::mul(saved, saved))), M_2_SQRTPI))};
  }
};
Tensor erf(const Tensor& x) {
  Tensor y = ops::erf(x);
  if (auto node = record<ErfBackward>(y, {x})) node->saved = detach(x);
  return y;
}

// ---- sigmoid: dx = g y (1 - y) ----------------------------------------------------------------
struct SigmoidBackward : SavesOne {
  std::string name() const override { return "SigmoidBackward"; }
  std::vector<Tensor> backward(const Tensor& g) override {
    return {ops::mul(g, ops::mul(saved, ops::sub(ones_like(saved), saved)))};
  }
};
Tensor sigmoid(const Tensor& x) {
  Tensor y = ops::sigmoid(x);
  if (auto node = record<SigmoidBackward>(y, {x})) node->saved = detach(y);
  return y;
}

// ---- relu: dx = g * [x > 0] ---------------------------------------------------------------------
struct ReluBackward : SavesOne {
  std::string name() const override { return "ReluBackward"; }
  std::vector<Tensor> backward(const Tensor& g) override {
    return {ops::mul(g, ops::gt(saved, zeros({}, saved.options())))};
  }
};
Tensor relu(const Tensor& x) {
  Tensor y = ops::relu(x);
  if (auto node = record<ReluBackward>(y, {x})) node->saved = detach(x);
  return y;
}

// ---- silu: y = x s,  s = sigmoid(x);  dx = g s (1 + x (1 - s)) ----------------------------------
struct SiluBackward : SavesOne {
  std::string name() const override { return "SiluBackward"; }
  std::vector<Tensor> backward(const Tensor& g) override {
    return {ops::silu_backward(g, saved)};  // one fused elementwise pass
  }
};
Tensor silu(const Tensor& x) {
  Tensor y = ops::silu(x);
  if (auto node = record<SiluBackward>(y, {x})) node->saved = detach(x);
  return y;
}

// ---- gelu: y = x Phi(x);  dx = g (Phi(x) + x phi(x)),
//      Phi(x) = (1 + erf(x / sqrt 2)) / 2,  phi(x) = e^(-x^2/2) / sqrt(2 pi) ---------------------------
struct GeluBackward : SavesOne {
  std::string name() const override { return "GeluBackward"; }
  std::vector<Tensor> backward(const Tensor& g) override {
    const Tensor& x = saved;
    const Tensor Phi = ops::mul(ops::add(ops::erf(ops::mul(x, M_SQRT1_2)), 1.0), 0.5);
    const Tensor phi = ops::mul(ops::exp(ops::mul(ops::mul(x, x), -0.5)), 1.0 / std::sqrt(2.0 * M_PI));
    return {ops::mul(g, ops::add(Phi, ops::mul(x, phi)))};
  }
};
Tensor gelu(const Tensor& x) {
  Tensor y = ops::gelu(x);
  if (auto node = record<GeluBackward>(y, {x})) node->saved = detach(x);
  return y;
}

// ---- softplus: y = log(1 + e^x),  dx = g e^x / (1 + e^x) = g sigmoid(x) ------------------------------
struct SoftplusBackward : SavesOne {
  std::string name() const override { return "SoftplusBackward"; }
  std::vector<Tensor> backward(const Tensor& g) override { return {ops::mul(g, ops::sigmoid(saved))}; }
};
Tensor softplus(const Tensor& x) {
  Tensor y = ops::softplus(x);
  if (auto node = record<SoftplusBackward>(y, {x})) node->saved = detach(x);
  return y;
}

// ---- pow: y = x^p,  dx = g p x^(p-1) ---------------------------------------------------------------
struct PowScalarBackward : SavesOne {
  double p = 1;
  std::string name() const override { return "PowBackward"; }
  std::vector<Tensor> backward(const Tensor& g) override {
    if (p == 0) return {zeros_like(g)};  // x^0 = 1 is constant (and 0 * 0^-1 would be NaN)
    return {ops::mul(g, ops::mul(ops::pow(saved, p - 1), p))};
  }
};
Tensor pow(const Tensor& x, double exponent) {
  Tensor y = ops::pow(x, exponent);
  if (auto node = record<PowScalarBackward>(y, {x})) node->saved = detach(x), node->p = exponent;
  return y;
}

Tensor square(const Tensor& x) { return pow(x, 2.0); }

// ---- clamp: dx = g * [lo <= x <= hi] ----------------------------------------------------------------
struct ClampBackward : SavesOne {
  double lo = 0, hi = 0;
  std::string name() const override { return "ClampBackward"; }
  std::vector<Tensor> backward(const Tensor& g) override {
    const Tensor inside = ops::mul(ops::ge(saved, full({}, lo, saved.options())), ops::le(saved, full({}, hi, saved.options())));
    return {ops::mul(g, inside)};
  }
};
Tensor clamp(const Tensor& x, double lo, double hi) {
  Tensor y = ops::clamp(x, lo, hi);
  if (auto node = record<ClampBackward>(y, {x})) node->saved = detach(x), node->lo = lo, node->hi = hi;
  return y;
}

}  // namespace rill
