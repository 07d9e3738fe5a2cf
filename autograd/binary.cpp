// Each op: forward, then its backward and its tangent rule. g = dL/dy has the broadcast
// shape; each input's gradient is summed back to that input's shape, and each input's
// tangent is broadcast forward to the result's shape, the transpose of that sum.
#include "autograd/binary.h"

#include <functional>

#include "autograd/forward_ad.h"
#include "autograd/node.h"
#include "autograd/unary.h"
#include "tensor/ops.h"

namespace rill {

// The tangent of a result of shape `shape` from a term that may be broadcast smaller
// (e.g. da when a is [C] and y is [R, C]): broadcast it as the forward broadcast a.
static Tensor to_output(const Tensor& t, const Shape& shape) {
  return t.shape() == shape ? t : ops::contiguous(ops::expand(t, shape));
}
// The gradient for input i: g summed back to that input's shape (the adjoint of the
// broadcast above).
static Tensor to_input(const Node& node, size_t i, const Tensor& g) { return ops::sum_to(g, node.next[i].shape); }

// ---- add: y = a + b,  dy/da = 1,  dy/db = 1 ------------------------------------------------
//      backward da = g, db = g;  tangent dy = da + db
struct AddBackward : Node {
  std::string name() const override { return "AddBackward"; }
  std::vector<Tensor> backward(const Tensor& g) override { return {to_input(*this, 0, g), to_input(*this, 1, g)}; }
};
Tensor add(const Tensor& a, const Tensor& b) {
  Tensor y = ops::add(a, b);
  record<AddBackward>(y, {a, b});
  if (any_tangent({a, b})) {
    const Tensor ta = tangent_of(a), tb = tangent_of(b);
    set_tangent(y, to_output(ta.defined() && tb.defined() ? ops::add(ta, tb) : ta.defined() ? ta : tb, y.shape()),
                "add");
  }
  return y;
}

// ---- sub: y = a - b,  dy/da = 1,  dy/db = -1 -----------------------------------------------
//      backward da = g, db = -g;  tangent dy = da - db
struct SubBackward : Node {
  std::string name() const override { return "SubBackward"; }
  std::vector<Tensor> backward(const Tensor& g) override {
    return {to_input(*this, 0, g), to_input(*this, 1, ops::neg(g))};
  }
};
Tensor sub(const Tensor& a, const Tensor& b) {
  Tensor y = ops::sub(a, b);
  record<SubBackward>(y, {a, b});
  if (any_tangent({a, b})) {
    const Tensor ta = tangent_of(a), tb = tangent_of(b);
    set_tangent(y,
                to_output(ta.defined() && tb.defined() ? ops::sub(ta, tb) : ta.defined() ? ta : ops::neg(tb), y.shape()),
                "sub");
  }
  return y;
}

// ---- The other binary ops state their two partial derivatives once, as
//      partial(i, a, b, y) = dy/d(input i) elementwise (broadcast shape), and both
//      directions use them:
//        backward  d(input i) = g * partial(i)      summed back to the input's shape
//        tangent   dy = sum_i partial(i) * d(input i)
//      (The ops name their operands lhs and rhs so that the partials can say a and b.)
namespace {
using Partial = std::function<Tensor(int i, const Tensor& a, const Tensor& b, const Tensor& y)>;

struct BinaryBackward : Node {
  const char* op = "";
  Partial partial;
  SavedTensor saved_a, saved_b, saved_y;
  std::string name() const override { return std::string(op) + "Backward"; }
  std::vector<Tensor> backward(const Tensor& g) override {
    const Tensor& a = saved_a.unpack(*this, "its input a");
    const Tensor& b = saved_b.unpack(*this, "its input b");
    const Tensor& y = saved_y.unpack(*this, "its output");
    std::vector<Tensor> grads(2);
    for (int i = 0; i < 2; ++i)
      if (next[i].node) grads[i] = to_input(*this, i, ops::mul(g, partial(i, a, b, y)));
    return grads;
  }
  void release_saved() override { saved_a.reset(), saved_b.reset(), saved_y.reset(); }
};

Tensor binary(const char* op, const Tensor& a, const Tensor& b, Tensor y, bool reads_y, Partial partial) {
  if (auto node = record<BinaryBackward>(y, {a, b})) {
    node->op = op, node->partial = partial;
    node->saved_a = save_for_backward(a), node->saved_b = save_for_backward(b);
    if (reads_y) node->saved_y = save_for_backward(y);
  }
  if (any_tangent({a, b})) {
    Tensor dy;
    const Tensor inputs[2] = {a, b};
    for (int i = 0; i < 2; ++i)
      if (const Tensor t = tangent_of(inputs[i]); t.defined()) {
        const Tensor term = ops::mul(t, partial(i, a, b, y));
        dy = dy.defined() ? ops::add(dy, term) : term;
      }
    set_tangent(y, to_output(dy, y.shape()), op);
  }
  return y;
}
}  // namespace

// ---- mul: y = a b,  dy/da = b,  dy/db = a ----------------------------------------------------
Tensor mul(const Tensor& lhs, const Tensor& rhs) {
  return binary("Mul", lhs, rhs, ops::mul(lhs, rhs), false,
                [](int i, const Tensor& a, const Tensor& b, const Tensor&) { return i == 0 ? b : a; });
}

// ---- div: y = a / b,  dy/da = 1 / b,  dy/db = -a / b^2 ---------------------------------------
Tensor div(const Tensor& lhs, const Tensor& rhs) {
  return binary("Div", lhs, rhs, ops::div(lhs, rhs), false, [](int i, const Tensor& a, const Tensor& b, const Tensor&) {
    return i == 0 ? ops::div(full({}, 1.0, b.options()), b) : ops::neg(ops::div(a, ops::mul(b, b)));
  });
}

// ---- pow: y = a^b,  dy/da = b a^(b-1),  dy/db = y ln a ----------------------------------------
// Where the formulas read 0 * inf (b = 0 in dy/da; a = 0 in dy/db, where y = 0 for b > 0)
// the limit is 0, as in PyTorch, so those entries are masked to 0 instead of NaN.
Tensor pow(const Tensor& lhs, const Tensor& rhs) {
  return binary("Pow", lhs, rhs, ops::pow(lhs, rhs), true, [](int i, const Tensor& a, const Tensor& b, const Tensor& y) {
    const Tensor zero = zeros({}, y.options());
    if (i == 0) return ops::where(ops::eq(b, zero), zero, ops::mul(b, ops::pow(a, ops::sub(b, 1.0))));
    return ops::where(ops::eq(a, zero), zero, ops::mul(y, ops::log(a)));
  });
}

// ---- maximum / minimum: dy/da = 1 where a is selected, dy/db = 1 where b is; on a tie
//      (a == b) each gets 1/2, as in PyTorch (a one-sided choice; the two agree, so the
//      tangent dy = (da + db) / 2 there is the derivative along any direction that keeps
//      the tie, and the backward is its transpose) --------------------------------------------
static Tensor max_min(bool is_max, const Tensor& lhs, const Tensor& rhs) {
  return binary(is_max ? "Maximum" : "Minimum", lhs, rhs, is_max ? ops::maximum(lhs, rhs) : ops::minimum(lhs, rhs),
                false,
                [is_max](int i, const Tensor& a, const Tensor& b, const Tensor&) {
                  const Tensor wins = is_max ? (i == 0 ? ops::gt(a, b) : ops::gt(b, a))
                                             : (i == 0 ? ops::lt(a, b) : ops::lt(b, a));
                  return ops::add(wins, ops::mul(ops::eq(a, b), 0.5));  // 1, 1/2 or 0
                });
}
Tensor maximum(const Tensor& a, const Tensor& b) { return max_min(true, a, b); }
Tensor minimum(const Tensor& a, const Tensor& b) { return max_min(false, a, b); }

// ---- where: y = cond ? a : b,  dy/da = [cond],  dy/db = [!cond] --------------------------------------
//      backward da = g [cond], db = g [!cond];  tangent dy = cond ? da : db
struct WhereBackward : Node {
  SavedTensor saved_cond;
  std::string name() const override { return "WhereBackward"; }
  std::vector<Tensor> backward(const Tensor& g) override {
    const Tensor& cond = saved_cond.unpack(*this, "its condition");
    const Tensor z = zeros({}, g.options());
    return {Tensor(), to_input(*this, 1, ops::where(cond, g, z)), to_input(*this, 2, ops::where(cond, z, g))};
  }
  void release_saved() override { saved_cond.reset(); }
};
Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b) {
  Tensor y = ops::where(cond, a, b);
  if (auto node = record<WhereBackward>(y, {detach(cond), a, b})) node->saved_cond = save_for_backward(cond);
  if (any_tangent({a, b}))
    set_tangent(y, to_output(ops::where(cond, tangent_or_zeros(a), tangent_or_zeros(b)), y.shape()), "where");
  return y;
}

// ---- scalars and operators: compositions of the above --------------------------------------------
static Tensor scalar_like(double v, const Tensor& t) { return full({}, v, t.options()); }
Tensor add(const Tensor& a, double b) { return add(a, scalar_like(b, a)); }
Tensor sub(const Tensor& a, double b) { return sub(a, scalar_like(b, a)); }
Tensor mul(const Tensor& a, double b) { return mul(a, scalar_like(b, a)); }
Tensor div(const Tensor& a, double b) { return div(a, scalar_like(b, a)); }

Tensor operator+(const Tensor& a, const Tensor& b) { return add(a, b); }
Tensor operator-(const Tensor& a, const Tensor& b) { return sub(a, b); }
Tensor operator*(const Tensor& a, const Tensor& b) { return mul(a, b); }
Tensor operator/(const Tensor& a, const Tensor& b) { return div(a, b); }
Tensor operator-(const Tensor& a) { return neg(a); }
Tensor operator+(const Tensor& a, double b) { return add(a, b); }
Tensor operator-(const Tensor& a, double b) { return sub(a, b); }
Tensor operator*(const Tensor& a, double b) { return mul(a, b); }
Tensor operator/(const Tensor& a, double b) { return div(a, b); }
Tensor operator+(double a, const Tensor& b) { return add(b, a); }
Tensor operator-(double a, const Tensor& b) { return add(neg(b), a); }
Tensor operator*(double a, const Tensor& b) { return mul(b, a); }
Tensor operator/(double a, const Tensor& b) { return div(scalar_like(a, b), b); }

}  // namespace rill
