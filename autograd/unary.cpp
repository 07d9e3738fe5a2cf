// Unary elementwise ops y = f(x). Each states its derivative once, as the slope
// f'(x) (written from x, from y, or both, whichever is cheaper and exact), and both
// directions use it:
//   backward (reverse mode)   dL/dx = g * f'(x)        g = dL/dy
//   tangent  (forward mode)   dy    = f'(x) * dx       dx = the input's tangent
// An elementwise Jacobian is diagonal, so it is its own transpose: the same slope serves
// both. The node saves only what the slope reads (x, y, or neither). (Each op's argument
// is named `input` so that its slope can say x and y.)
#include "autograd/unary.h"

#include <cmath>
#include <functional>

#include "autograd/forward_ad.h"
#include "autograd/node.h"
#include "tensor/ops.h"

namespace rill {

namespace {

// f'(x) from the input x and the output y (either may be unused).
using Slope = std::function<Tensor(const Tensor& x, const Tensor& y)>;
enum class Reads { Nothing, Input, Output, Both };

struct UnaryBackward : Node {
  const char* op = "";
  Slope slope;
  SavedTensor saved_x, saved_y;
  std::string name() const override { return std::string(op) + "Backward"; }
  std::vector<Tensor> backward(const Tensor& g) override {
    return {ops::mul(g, slope(saved_x.unpack(*this, "its input x"), saved_y.unpack(*this, "its output")))};
  }
  void release_saved() override { saved_x.reset(), saved_y.reset(); }
};

// Records y = f(x) (y computed by the caller's kernel) with slope f'(x): the backward
// node when x requires grad, the tangent when x carries one.
Tensor unary(const char* op, const Tensor& x, Tensor y, Reads reads, Slope slope) {
  const bool reads_x = reads == Reads::Input || reads == Reads::Both;
  const bool reads_y = reads == Reads::Output || reads == Reads::Both;
  if (auto node = record<UnaryBackward>(y, {x})) {
    node->op = op, node->slope = slope;
    if (reads_x) node->saved_x = save_for_backward(x);
    if (reads_y) node->saved_y = save_for_backward(y);
  }
  if (has_tangent(x)) set_tangent(y, ops::mul(tangent_of(x), slope(x, y)), op);
  return y;
}

Tensor one_like(const Tensor& t) { return full({}, 1.0, t.options()); }

}  // namespace

// ---- neg: y = -x,  f' = -1 ------------------------------------------------------------------
Tensor neg(const Tensor& input) {
  return unary("Neg", input, ops::neg(input), Reads::Nothing,
               [o = input.options()](const Tensor&, const Tensor&) { return full({}, -1.0, o); });
}

// ---- abs: y = |x|,  f' = sign(x) (0 at 0, PyTorch's choice) ---------------------------------
Tensor abs(const Tensor& input) {
  return unary("Abs", input, ops::abs(input), Reads::Input, [](const Tensor& x, const Tensor&) { return ops::sign(x); });
}

// ---- sign: piecewise constant, f' = 0 ----------------------------------------------------------
Tensor sign(const Tensor& input) {
  return unary("Sign", input, ops::sign(input), Reads::Nothing,
               [o = input.options()](const Tensor&, const Tensor&) { return zeros({}, o); });
}

// ---- exp: y = e^x,  f' = y ---------------------------------------------------------------------
Tensor exp(const Tensor& input) {
  return unary("Exp", input, ops::exp(input), Reads::Output, [](const Tensor&, const Tensor& y) { return y; });
}

// ---- log: y = ln x,  f' = 1 / x -------------------------------------------------------------------
Tensor log(const Tensor& input) {
  return unary("Log", input, ops::log(input), Reads::Input,
               [](const Tensor& x, const Tensor&) { return ops::div(one_like(x), x); });
}

// ---- sqrt: y = sqrt(x),  f' = 1 / (2 y) -----------------------------------------------------------
Tensor sqrt(const Tensor& input) {
  return unary("Sqrt", input, ops::sqrt(input), Reads::Output,
               [](const Tensor&, const Tensor& y) { return ops::div(full({}, 0.5, y.options()), y); });
}

// ---- rsqrt: y = x^(-1/2),  f' = (-1/2) x^(-3/2) = -y^3 / 2 -----------------------------------------
Tensor rsqrt(const Tensor& input) {
  return unary("Rsqrt", input, ops::rsqrt(input), Reads::Output,
               [](const Tensor&, const Tensor& y) { return ops::mul(ops::pow(y, 3.0), -0.5); });
}

// ---- sin: f' = cos x;  cos: f' = -sin x -------------------------------------------------------------
Tensor sin(const Tensor& input) {
  return unary("Sin", input, ops::sin(input), Reads::Input, [](const Tensor& x, const Tensor&) { return ops::cos(x); });
}
Tensor cos(const Tensor& input) {
  return unary("Cos", input, ops::cos(input), Reads::Input,
               [](const Tensor& x, const Tensor&) { return ops::neg(ops::sin(x)); });
}

// ---- tanh: f' = 1 - y^2 ----------------------------------------------------------------------------
Tensor tanh(const Tensor& input) {
  return unary("Tanh", input, ops::tanh(input), Reads::Output,
               [](const Tensor&, const Tensor& y) { return ops::sub(one_like(y), ops::mul(y, y)); });
}

// ---- erf: f' = 2/sqrt(pi) e^(-x^2) ---------------------------------------------------------------
Tensor erf(const Tensor& input) {
  return unary("Erf", input, ops::erf(input), Reads::Input, [](const Tensor& x, const Tensor&) {
    return ops::mul(ops::exp(ops::neg(ops::mul(x, x))), M_2_SQRTPI);
  });
}

// ---- sigmoid: f' = y (1 - y) -------------------------------------------------------------------------
Tensor sigmoid(const Tensor& input) {
  return unary("Sigmoid", input, ops::sigmoid(input), Reads::Output,
               [](const Tensor&, const Tensor& y) { return ops::mul(y, ops::sub(one_like(y), y)); });
}

// ---- relu: f' = [x > 0] ------------------------------------------------------------------------------
Tensor relu(const Tensor& input) {
  return unary("Relu", input, ops::relu(input), Reads::Input,
               [](const Tensor& x, const Tensor&) { return ops::gt(x, zeros({}, x.options())); });
}

// ---- silu: y = x s,  s = sigmoid(x);  f' = s (1 + x (1 - s)) -------------------------------------------
// Both directions go through the fused kernel ops::silu_backward(g, x) = g * f'(x), one
// pass instead of five, so this op spells its slope out in its own node.
struct SiluBackward : Node {
  SavedTensor saved_x;
  std::string name() const override { return "SiluBackward"; }
  std::vector<Tensor> backward(const Tensor& g) override {
    return {ops::silu_backward(g, saved_x.unpack(*this, "its input x"))};
  }
  void release_saved() override { saved_x.reset(); }
};
Tensor silu(const Tensor& x) {
  Tensor y = ops::silu(x);
  if (auto node = record<SiluBackward>(y, {x})) node->saved_x = save_for_backward(x);
  if (has_tangent(x)) set_tangent(y, ops::silu_backward(tangent_of(x), x), "Silu");  // dy = f'(x) dx
  return y;
}

// ---- gelu: y = x Phi(x);  f' = Phi(x) + x phi(x),
//      Phi(x) = (1 + erf(x / sqrt 2)) / 2,  phi(x) = e^(-x^2/2) / sqrt(2 pi) ---------------------------
Tensor gelu(const Tensor& input) {
  return unary("Gelu", input, ops::gelu(input), Reads::Input, [](const Tensor& x, const Tensor&) {
    const Tensor Phi = ops::mul(ops::add(ops::erf(ops::mul(x, M_SQRT1_2)), 1.0), 0.5);
    const Tensor phi = ops::mul(ops::exp(ops::mul(ops::mul(x, x), -0.5)), 1.0 / std::sqrt(2.0 * M_PI));
    return ops::add(Phi, ops::mul(x, phi));
  });
}

// ---- softplus: y = log(1 + e^x),  f' = e^x / (1 + e^x) = sigmoid(x) -----------------------------------
Tensor softplus(const Tensor& input) {
  return unary("Softplus", input, ops::softplus(input), Reads::Input,
               [](const Tensor& x, const Tensor&) { return ops::sigmoid(x); });
}

// ---- pow: y = x^p,  f' = p x^(p-1)  (0 for p = 0: x^0 = 1 is constant, and 0 * 0^-1 would be NaN) ---
Tensor pow(const Tensor& input, double p) {
  return unary("Pow", input, ops::pow(input, p), Reads::Input, [p](const Tensor& x, const Tensor&) {
    if (p == 0) return zeros({}, x.options());
    return ops::mul(ops::pow(x, p - 1), p);
  });
}

Tensor square(const Tensor& x) { return pow(x, 2.0); }

// ---- clamp: f' = [lo <= x <= hi] -----------------------------------------------------------------------
Tensor clamp(const Tensor& input, double lo, double hi) {
  return unary("Clamp", input, ops::clamp(input, lo, hi), Reads::Input, [lo, hi](const Tensor& x, const Tensor&) {
    const TensorOptions o = x.options();
    return ops::mul(ops::ge(x, full({}, lo, o)), ops::le(x, full({}, hi, o)));
  });
}

}  // namespace rill
