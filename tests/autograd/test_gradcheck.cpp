// gradcheck must be able to fail. Each case below records a small hand-written node
// whose backward is wrong in one typical way (NaN, wrong sign, 2x scale, a missing or
// wrong broadcast reduction, a transposed result) and requires gradcheck to report
// it; the same op with a correct backward passes (the positive controls), so a
// failure is due to the bug and not to the op or the tolerances.
#include "helpers.h"

using namespace rill;
using rill::test::leaf;
using rill::test::pattern;

namespace {

// One-input ops y = f(x): the forward is a raw kernel, the backward is `Backward`.
// Backward nodes below save what they need as plain tensors: they are throwaway
// test nodes, and version checks are not what is tested here.
template <typename Backward>
Tensor unary_op(const Tensor& x, const Tensor& y) {
  if (auto node = record<Backward>(y, {x})) node->x = detach(x), node->y = detach(y);
  return y;
}
struct UnarySaves : Node {
  Tensor x, y;
};

// exp: dx = g e^x; this one returns NaN (everything times NaN).
struct NanExpBackward : UnarySaves {
  std::string name() const override { return "NanExpBackward"; }
  std::vector<Tensor> backward(const Tensor& g) override { return {ops::mul(ops::mul(g, y), NAN)}; }
};
// exp, returning +inf for every element.
struct InfExpBackward : UnarySaves {
  std::string name() const override { return "InfExpBackward"; }
  std::vector<Tensor> backward(const Tensor& g) override { return {ops::add(ops::mul(g, y), INFINITY)}; }
};
// exp with the factor 2 too many: dx = 2 g e^x.
struct DoubledExpBackward : UnarySaves {
  std::string name() const override { return "DoubledExpBackward"; }
  std::vector<Tensor> backward(const Tensor& g) override { return {ops::mul(ops::mul(g, y), 2.0)}; }
};
// sin: dx = g cos x; this one has the sign of cos' derivative: -g cos x.
struct NegatedSinBackward : UnarySaves {
  std::string name() const override { return "NegatedSinBackward"; }
  std::vector<Tensor> backward(const Tensor& g) override { return {ops::neg(ops::mul(g, ops::cos(x)))}; }
};
// log: dx = g / x, except that this one claims a finite derivative (g) at x = 0, where
// the numeric derivative is NaN (the forward is NaN at -eps). Elsewhere it is right.
struct FiniteLogBackward : UnarySaves {
  std::string name() const override { return "FiniteLogBackward"; }
  std::vector<Tensor> backward(const Tensor& g) override {
    return {ops::where(ops::eq(x, zeros({}, x.options())), g, ops::div(g, x))};
  }
};

// y = x * c for a constant non-symmetric matrix c: dx = g * c. The broken version
// returns (g * c)^T, which for a square x has the right shape but wrong entries.
struct TransposedScaleBackward : Node {
  Tensor c;
  std::string name() const override { return "TransposedScaleBackward"; }
  std::vector<Tensor> backward(const Tensor& g) override { return {ops::transpose(ops::mul(g, c), 0, 1)}; }
};

// y = a + b with b broadcast along the rows (a: [R, C], b: [C]): da = g, db = sum_rows g.
// Unreduced returns g itself for b; Averaged reduces with a mean instead of the sum.
struct UnreducedAddBackward : Node {
  std::string name() const override { return "UnreducedAddBackward"; }
  std::vector<Tensor> backward(const Tensor& g) override { return {g, g}; }
};
struct AveragedAddBackward : Node {
  std::string name() const override { return "AveragedAddBackward"; }
  std::vector<Tensor> backward(const Tensor& g) override { return {g, ops::mean(g, {0})}; }
};
template <typename Backward>
Tensor broadcast_add(const Tensor& a, const Tensor& b) {
  Tensor y = ops::add(a, b);
  record<Backward>(y, {a, b});
  return y;
}

}  // namespace

TEST_CASE("gradcheck fails a backward that returns NaN or infinity, naming the entry", "[autograd][gradcheck]") {
  for (bool nan : {true, false}) {
    INFO((nan ? "NaN" : "inf"));
    const GradcheckResult r = gradcheck(
        [nan](const std::vector<Tensor>& in) {
          const Tensor y = ops::exp(in[0]);
          return nan ? unary_op<NanExpBackward>(in[0], y) : unary_op<InfExpBackward>(in[0], y);
        },
        {leaf({2, 2})});
    CHECK_FALSE(r.ok);
    // The first non-finite entry: element [0, 0] of input 0, for output element [0, 0].
    CHECK_THAT(r.report, Catch::Contains("gradcheck FAILED (16 Jacobian entries)"));
    CHECK_THAT(r.report, Catch::Contains("input 0 (shape [2, 2]) element [0, 0] -> output element [0, 0]"));
    CHECK_THAT(r.report, Catch::Contains("not finite"));
    CHECK(std::isinf(r.max_abs_error));
  }
  // A numeric derivative that is not finite fails too, even if the analytic one is:
  // log at x = 0 (its forward is NaN at -eps); every other entry is right.
  const Tensor x = requires_grad_(tensor(std::vector<double>{0.0, 1.5}));
  const GradcheckResult r =
      gradcheck([](const std::vector<Tensor>& in) { return unary_op<FiniteLogBackward>(in[0], ops::log(in[0])); }, {x});
  CHECK_FALSE(r.ok);
  CHECK_THAT(r.report, Catch::Contains("input 0 (shape [2]) element [0] -> output element [0]"));
  CHECK_THAT(r.report, Catch::Contains("analytic 1, numeric "));  // NaN prints as nan or -nan
  CHECK_THAT(r.report, Catch::Contains("nan, not finite"));
  // Positive control: exp with its true derivative passes, also with atol = 0 (the
  // off-diagonal Jacobian entries are exactly zero on both sides).
  REQUIRE_GRADCHECK([](const std::vector<Tensor>& in) { return exp(in[0]); }, {leaf({2, 2})});
  REQUIRE_GRADCHECK([](const std::vector<Tensor>& in) { return exp(in[0]); }, {leaf({2, 2})},
                    GradcheckOptions{1e-6, 0.0, 1e-5});
}

TEST_CASE("gradcheck fails a backward with the wrong sign or a 2x scale", "[autograd][gradcheck]") {
  const GradcheckResult sign = gradcheck(
      [](const std::vector<Tensor>& in) { return unary_op<NegatedSinBackward>(in[0], ops::sin(in[0])); }, {leaf({3})});
  CHECK_FALSE(sign.ok);
  CHECK_THAT(sign.report, Catch::Contains("gradcheck FAILED (9 Jacobian entries)"));
  CHECK_THAT(sign.report, Catch::Contains("input 0 (shape [3])"));
  const GradcheckResult scale =
      gradcheck([](const std::vector<Tensor>& in) { return unary_op<DoubledExpBackward>(in[0], ops::exp(in[0])); },
                {leaf({2, 2})});
  CHECK_FALSE(scale.ok);
  CHECK_THAT(scale.report, Catch::Contains("gradcheck FAILED (16 Jacobian entries)"));
  CHECK(scale.max_abs_error > 0.1);
  // Positive controls: the same ops with the right backward.
  REQUIRE_GRADCHECK([](const std::vector<Tensor>& in) { return sin(in[0]); }, {leaf({3})});
  REQUIRE_GRADCHECK([](const std::vector<Tensor>& in) { return exp(in[0]); }, {leaf({2, 2})});
}

TEST_CASE("gradcheck fails a transposed gradient of a square input", "[autograd][gradcheck]") {
  const Tensor c = tensor(std::vector<double>{1, 2, 3, 4, 5, 6, 7, 8, 9}, {3, 3});  // not symmetric
  const GradcheckResult r = gradcheck(
      [&](const std::vector<Tensor>& in) {
        Tensor y = ops::mul(in[0], c);
        if (auto node = record<TransposedScaleBackward>(y, {in[0]})) node->c = c;
        return y;
      },
      {leaf({3, 3})});
  CHECK_FALSE(r.ok);
  CHECK_THAT(r.report, Catch::Contains("gradcheck FAILED (81 Jacobian entries)"));
  CHECK_THAT(r.report, Catch::Contains("input 0 (shape [3, 3])"));
  REQUIRE_GRADCHECK([&](const std::vector<Tensor>& in) { return mul(in[0], c); }, {leaf({3, 3})});
}

TEST_CASE("a missing or wrong broadcast reduction is caught", "[autograd][gradcheck]") {
  // Returning g ([2, 3]) for b ([3]) unreduced: the engine refuses the shape before
  // gradcheck can compare values, and the error names the node, the input and both shapes.
  REQUIRE_ERROR(
      gradcheck([](const std::vector<Tensor>& in) { return broadcast_add<UnreducedAddBackward>(in[0], in[1]); },
                {leaf({2, 3}), leaf({3}, 0.5)}),
      "backward: UnreducedAddBackward returned a gradient of shape [2, 3] for input 1 of shape [3]");
  // Reduced to the right shape but with a mean instead of the sum: only the values are
  // wrong (half of them), and gradcheck reports input 1.
  const GradcheckResult r =
      gradcheck([](const std::vector<Tensor>& in) { return broadcast_add<AveragedAddBackward>(in[0], in[1]); },
                {leaf({2, 3}), leaf({3}, 0.5)});
  CHECK_FALSE(r.ok);
  CHECK_THAT(r.report, Catch::Contains("gradcheck FAILED (54 Jacobian entries)"));
  CHECK_THAT(r.report, Catch::Contains("input 1 (shape [3])"));
  CHECK(r.max_abs_error == Approx(0.5));  // 1 expected, 1/2 returned
  // Positive control: add with its real backward (sum_to) passes.
  REQUIRE_GRADCHECK([](const std::vector<Tensor>& in) { return add(in[0], in[1]); }, {leaf({2, 3}), leaf({3}, 0.5)});
}

TEST_CASE("gradcheck refuses a call with nothing to check", "[autograd][gradcheck]") {
  REQUIRE_ERROR(gradcheck([](const std::vector<Tensor>& in) { return in[0]; }, {pattern({2})}),
                "gradcheck: no input requires grad");
}
