// Each op: forward, then its backward. g = dL/dy has the broadcast shape; each
// input's gradient is summed back to that input's shape.
#include "autograd/binary.h"

#include "autograd/node.h"
#include "autograd/unary.h"
#include "tensor/ops.h"

namespace rill {

// A node whose backward needs both operands: saved with save_for_backward, read back
// through a() and b(), which check that no in-place op has written to them since
// (autograd/saved.h).
struct SavesTwo : Node {
  SavedTensor saved_a, saved_b;
  const Tensor& a() const { return saved_a.unpack(*this, "its input a"); }
  const Tensor& b() const { return saved_b.unpack(*this, "its input b"); }
  void save_operands(const Tensor& a, const Tensor& b) {
    saved_a = save_for_backward(a), saved_b = save_for_backward(b);
  }
  void release_saved() override { saved_a.reset(), saved_b.reset(); }
};

// The gradient for input i: g summed to that input's shape.
static Tensor to_input(const Node& node, size_t i, const Tensor& g) { return ops::sum_to(g, node.next[i].shape); }

// ---- add: y = a + b,  da = g,  db = g ----------------------------------------------------
struct AddBackward : Node {
  std::string name() const override { return "AddBackward"; }
  std::vector<Tensor> backward(const Tensor& g) override { return {to_input(*this, 0, g), to_input(*this, 1, g)}; }
};
Tensor add(const Tensor& a, const Tensor& b) {
  Tensor y = ops::add(a, b);
  record<AddBackward>(y, {a, b});
  return y;
}

// ---- sub: y = a - b,  da = g,  db = -g ---------------------------------------------------
struct SubBackward : Node {
  std::string name() const override { return "SubBackward"; }
  std::vector<Tensor> backward(const Tensor& g) override {
    return {to_input(*this, 0, g), to_input(*this, 1, ops::neg(g))};
  }
};
Tensor sub(const Tensor& a, const Tensor& b) {
  Tensor y = ops::sub(a, b);
  record<SubBackward>(y, {a, b});
  return y;
}

// ---- mul: y = a b,  da = g b,  db = g a ----------------------------------------------------
struct MulBackward : SavesTwo {
  std::string name() const override { return "MulBackward"; }
  std::vector<Tensor> backward(const Tensor& g) override {
    return {next[0].node ? to_input(*this, 0, ops::mul(g, b())) : Tensor(),
            next[1].node ? to_input(*this, 1, ops::mul(g, a())) : Tensor()};
  }
};
Tensor mul(const Tensor& a, const Tensor& b) {
  Tensor y = ops::mul(a, b);
  if (auto node = record<MulBackward>(y, {a, b})) node->save_operands(a, b);
  return y;
}

// ---- div: y = a / b,  da = g / b,  db = -g a / b^2 -------------------------------------------
struct DivBackward : SavesTwo {
  std::string name() const override { return "DivBackward"; }
  std::vector<Tensor> backward(const Tensor& g) override {
    return {next[0].node ? to_input(*this, 0, ops::div(g, b())) : Tensor(),
            next[1].node ? to_input(*this, 1, ops::neg(ops::div(ops::mul(g, a()), ops::mul(b(), b())))) : Tensor()};
  }
};
Tensor div(const Tensor& a, const Tensor& b) {
  Tensor y = ops::div(a, b);
  if (auto node = record<DivBackward>(y, {a, b})) node->save_operands(a, b);
  return y;
}

// ---- pow: y = a^b,  da = g b a^(b-1),  db = g y ln a ---------------------------------------------
// Where the formulas read 0 * inf (b = 0 in da; a = 0 in db, where y = 0 for b > 0) the
// limit is 0, as in PyTorch, so those entries are masked to 0 instead of NaN.
struct PowBackward : SavesTwo {
  SavedTensor saved_y;
  std::string name() const override { return "PowBackward"; }
  std::vector<Tensor> backward(const Tensor& g) override {
    const Tensor zero = zeros({}, g.options());
    Tensor da, db;
    if (next[0].node)
      da = ops::where(ops::eq(b(), zero), zero, ops::mul(g, ops::mul(b(), ops::pow(a(), ops::sub(b(), 1.0)))));
    if (next[1].node) {
      const Tensor& y = saved_y.unpack(*this, "its output");
      db = ops::where(ops::eq(a(), zero), zero, ops::mul(g, ops::mul(y, ops::log(a()))));
    }
    return {da.defined() ? to_input(*this, 0, da) : Tensor(), db.defined() ? to_input(*this, 1, db) : Tensor()};
  }
  void release_saved() override { SavesTwo::release_saved(), saved_y.reset(); }
};
Tensor pow(const Tensor& a, const Tensor& b) {
  Tensor y = ops::pow(a, b);
  if (auto node = record<PowBackward>(y, {a, b})) node->save_operands(a, b), node->saved_y = save_for_backward(y);
  return y;
}

// ---- maximum / minimum: the gradient goes to the selected input; on a tie
//      (a == b) each gets half, as in PyTorch ----------------------------------------------------
struct MaxMinBackward : SavesTwo {
  bool is_max = true;
  std::string name() const override { return is_max ? "MaximumBackward" : "MinimumBackward"; }
  std::vector<Tensor> backward(const Tensor& g) override {
    const Tensor a_wins = is_max ? ops::gt(a(), b()) : ops::lt(a(), b());
    const Tensor tie = ops::mul(ops::eq(a(), b()), 0.5);
    const Tensor share_a = ops::add(a_wins, tie);                                // 1, 1/2 or 0
    const Tensor share_b = ops::sub(ops::sub(ones_like(share_a), a_wins), tie);  // the rest
    return {to_input(*this, 0, ops::mul(g, share_a)), to_input(*this, 1, ops::mul(g, share_b))};
  }
};
static Tensor max_min(bool is_max, const Tensor& a, const Tensor& b) {
  Tensor y = is_max ? ops::maximum(a, b) : ops::minimum(a, b);
  if (auto node = record<MaxMinBackward>(y, {a, b})) node->save_operands(a, b), node->is_max = is_max;
  return y;
}
Tensor maximum(const Tensor& a, const Tensor& b) { return max_min(true, a, b); }
Tensor minimum(const Tensor& a, const Tensor& b) { return max_min(false, a, b); }

// ---- where: y = cond ? a : b,  da = g [cond],  db = g [!cond] ---------------------------------------
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
