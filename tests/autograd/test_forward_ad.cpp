// Forward mode (autograd/forward_ad.h): jvp by hand, what it records and what it does
// not, that jvpcheck and adjointcheck can fail, and JVPs of the whole reference networks
// (the MLP and the U-Net: GroupNorm, attention, upsample, concat) against central
// differences and against reverse mode. Every single op is covered in test_ops.cpp
// (REQUIRE_DERIVATIVES runs gradcheck, jvpcheck and adjointcheck).
#include <cmath>

#include "helpers.h"

using namespace rill;
using rill::test::leaf;
using rill::test::pattern;
using rill::test::require_close;
using rill::test::values;

using Inputs = std::vector<Tensor>;

TEST_CASE("jvp: the chain rule by hand, zero and missing tangents, outputs handed back plain", "[autograd][jvp]") {
  const Tensor x = tensor(std::vector<double>{0.3, -1.2, 2.0});
  const Tensor v = tensor(std::vector<double>{1.0, 0.5, -2.0});
  // y = exp(sin(x)):  dy = e^(sin x) cos(x) v
  const autograd::JvpResult r = autograd::jvp([](const Tensor& in) { return exp(sin(in)); }, x, v);
  std::vector<double> expected;
  for (size_t i = 0; i < 3; ++i)
    expected.push_back(std::exp(std::sin(values(x)[i])) * std::cos(values(x)[i]) * values(v)[i]);
  require_close(r.tangents[0], expected, 1e-14);
  require_close(r.outputs[0], values(exp(sin(x))), 0);
  CHECK_FALSE(has_tangent(r.outputs[0]));  // the caller gets a plain value
  CHECK_FALSE(has_tangent(x));             // and its primal is untouched

  // Two inputs, one with an undefined (zero) tangent; an output that depends on neither.
  const Tensor w = tensor(std::vector<double>{2.0, 3.0, 4.0});
  const autograd::JvpResult r2 = autograd::jvp(
      [](const Inputs& in) { return Inputs{in[0] * in[1], ones({2}, DType::Float64)}; }, {x, w}, {v, Tensor()});
  require_close(r2.tangents[0], values(v * w), 1e-15);  // d(x w) = v w + x * 0
  require_close(r2.tangents[1], {0, 0});

  REQUIRE_ERROR(autograd::jvp([](const Tensor& in) { return in; }, x, ones({4}, DType::Float64)),
                "jvp: tangent 0 has shape [4] (float64, cpu) but its primal has shape [3]");
  REQUIRE_ERROR(make_dual(make_dual(x, v), v), "nested forward mode is not supported");
}

TEST_CASE("jvp: values keep their reverse graph, tangents are constants, no_grad records nothing",
          "[autograd][jvp]") {
  // u = w * x^2 with w a parameter: one pass gives u (differentiable in w) and du along x.
  const Tensor w = requires_grad_(tensor(std::vector<double>{1.5, -0.5}));
  const Tensor x = tensor(std::vector<double>{2.0, 3.0}), v = tensor(std::vector<double>{1.0, 1.0});
  const autograd::JvpResult r = autograd::jvp([&](const Tensor& in) { return w * square(in); }, x, v);
  require_close(r.tangents[0], {1.5 * 2 * 2.0, -0.5 * 2 * 3.0});  // 2 w x v
  CHECK_FALSE(requires_grad(r.tangents[0]));                      // a stop-gradient constant
  REQUIRE(requires_grad(r.outputs[0]));
  autograd::backward(sum(r.outputs[0]));
  require_close(grad_of(w), {4.0, 9.0});  // d sum(w x^2)/dw = x^2

  // Under no_grad the same JVP builds no node at all.
  const int64_t before = Node::live_count();
  {
    no_grad guard;
    const autograd::JvpResult q = autograd::jvp([&](const Tensor& in) { return w * square(in); }, x, v);
    CHECK(Node::live_count() == before);
    require_close(q.tangents[0], values(r.tangents[0]), 0);
  }
}

namespace {

// y = e^x with a hand-written tangent rule that is wrong in one typical way, and a correct
// backward. `rule`: 0 correct, 1 doubled, 2 missing (no tangent set), 3 NaN.
struct ExpBackwardForTest : Node {
  Tensor y;
  std::string name() const override { return "ExpBackwardForTest"; }
  std::vector<Tensor> backward(const Tensor& g) override { return {ops::mul(g, y)}; }
};
Tensor exp_with_rule(const Tensor& x, int rule) {
  Tensor y = ops::exp(x);
  if (auto node = record<ExpBackwardForTest>(y, {x})) node->y = detach(y);
  if (has_tangent(x) && rule != 2) {
    Tensor dy = ops::mul(tangent_of(x), y);
    if (rule == 1) dy = ops::mul(dy, 2.0);
    if (rule == 3) dy = ops::mul(dy, NAN);
    set_tangent(y, dy, "exp_with_rule");
  }
  return y;
}

}  // namespace

TEST_CASE("jvpcheck and adjointcheck fail on wrong tangent rules and pass on the right one", "[autograd][jvp]") {
  for (int rule : {0, 1, 2, 3}) {
    INFO("rule " << rule);
    const auto f = [rule](const Inputs& in) { return exp_with_rule(in[0], rule); };
    const GradcheckResult g = gradcheck(f, {leaf({2, 3})});
    const GradcheckResult j = jvpcheck(f, {leaf({2, 3})});
    const GradcheckResult a = adjointcheck(f, {leaf({2, 3})});
    INFO(j.report << "\n" << a.report);
    CHECK(g.ok);  // the backward is right in every case: only the tangent is tested
    CHECK(j.ok == (rule == 0));
    CHECK(a.ok == (rule == 0));
    if (rule == 3) CHECK(j.max_abs_error == INFINITY);
  }
  // The report names the entry.
  const GradcheckResult j = jvpcheck([](const Inputs& in) { return exp_with_rule(in[0], 1); }, {leaf({2})});
  CHECK_THAT(j.report, Catch::Contains("jvpcheck FAILED") && Catch::Contains("input 0 (shape [2]) element ["));
  // A raw op in the way drops the tangent, and jvpcheck notices.
  CHECK_FALSE(jvpcheck([](const Inputs& in) { return sin(ops::mul(in[0], 2.0)); }, {leaf({3})}).ok);
}

namespace {

// The directional derivative of f at `inputs` along `dirs` by central differences (f in
// float64 under no_grad), against the JVP; then the adjoint identity.
void require_jvp_matches(const std::function<Tensor(const Inputs&)>& f, const Inputs& inputs, const Inputs& dirs,
                         double tol) {
  autograd::JvpResult r;
  {
    no_grad guard;
    r = autograd::jvp([&](const Inputs& in) { return Inputs{f(in)}; }, inputs, dirs);
  }
  // Central differences with Richardson extrapolation, (4 D(h/2) - D(h)) / 3, error O(h^4):
  // the sinusoidal time features (frequencies up to 1000) make plain O(h^2) differences
  // too coarse to tell a wrong tangent from truncation error.
  const auto central = [&](double eps) {
    Inputs plus, minus;
    for (size_t i = 0; i < inputs.size(); ++i) {
      plus.push_back(dirs[i].defined() ? ops::add(inputs[i], ops::mul(dirs[i], eps)) : inputs[i]);
      minus.push_back(dirs[i].defined() ? ops::sub(inputs[i], ops::mul(dirs[i], eps)) : inputs[i]);
    }
    return ops::div(ops::sub(f(plus), f(minus)), 2 * eps);
  };
  no_grad guard;
  const double h = 1e-6;
  const Tensor numeric = ops::div(ops::sub(ops::mul(central(h / 2), 4.0), central(h)), 3.0);
  const double scale = ops::max(ops::abs(numeric)).item();
  REQUIRE(scale > 1e-3);  // the direction moves the output: the comparison means something
  const double err = ops::max(ops::abs(ops::sub(r.tangents[0], numeric))).item();
  INFO("max |JVP - central difference| = " << err << ", max |central difference| = " << scale);
  CHECK(err <= tol * scale);
}

}  // namespace

TEST_CASE("jvp of the reference MLP along (t, x) and its parameters, against central differences",
          "[autograd][jvp][networks]") {
  nn::MLP mlp(2, 16);
  mlp.to(DType::Float64);
  Generator gen(4);
  const Tensor t = rand({5, 1}, DType::Float64, &gen), x = randn({5, 2}, DType::Float64, &gen);
  const Tensor dt = ones({5, 1}, DType::Float64), dx = randn({5, 2}, DType::Float64, &gen);
  // d/ds v(t + s, x + s dx): what MeanFlow's du/dt asks of a network.
  require_jvp_matches([&](const Inputs& in) { return mlp(in[0], in[1]); }, {t, x}, {dt, dx}, 1e-7);
  // Every parameter too: adjointcheck pushes tangents on t, x and every parameter (attached
  // to the module's own handles) and compares with one backward pass.
  Inputs all = {requires_grad_(ops::clone(t)), requires_grad_(ops::clone(x))};
  for (const Tensor& p : mlp.parameters()) all.push_back(p);
  const GradcheckResult a = adjointcheck([&](const Inputs& in) { return mlp(in[0], in[1]); }, all);
  INFO(a.report);
  CHECK(a.ok);
}

TEST_CASE("jvp of the two-time U-Net along MeanFlow's tangent (v, 1, 0)", "[autograd][jvp][networks]") {
  nn::UNetConfig c;
  c.base = 8, c.mult = {1, 2}, c.groups = 4, c.attn_heads = 2, c.num_classes = 3, c.times = 2;
  nn::UNet unet(c);
  unet.to(DType::Float64);
  Generator gen(11);
  for (const Tensor& p : unet.parameters()) ops::copy_(p, ops::mul(randn(p.shape(), DType::Float64, &gen), 0.3));
  const Tensor t = ops::mul(rand({2}, DType::Float64, &gen), 0.5), r = ops::add(t, 0.4);
  const Tensor x = randn({2, 1, 8, 8}, DType::Float64, &gen), v = randn({2, 1, 8, 8}, DType::Float64, &gen);
  const Tensor labels = tensor(std::vector<int64_t>{0, 2});
  // d/ds u(t + s, r, x + s v): the total derivative in MeanFlow's target; and along r alone.
  require_jvp_matches([&](const Inputs& in) { return unet(in[0], in[1], in[2], labels); }, {t, r, x},
                      {ones({2}, DType::Float64), zeros({2}, DType::Float64), v}, 1e-6);
  require_jvp_matches([&](const Inputs& in) { return unet(t, in[0], x, labels); }, {r}, {ones({2}, DType::Float64)},
                      1e-6);
  Inputs all = {requires_grad_(ops::clone(t)), requires_grad_(ops::clone(r)), requires_grad_(ops::clone(x))};
  for (const Tensor& p : unet.parameters()) all.push_back(p);
  const GradcheckResult a = adjointcheck([&](const Inputs& in) { return unet(in[0], in[1], in[2], labels); }, all);
  INFO(a.report);
  CHECK(a.ok);
}

TEST_CASE("jvp of the U-Net (GroupNorm, attention, upsample, concat, time and label embeddings)",
          "[autograd][jvp][networks]") {
  nn::UNetConfig c;
  c.base = 8, c.mult = {1, 2}, c.groups = 4, c.attn_heads = 2, c.num_classes = 3;
  nn::UNet unet(c);
  unet.to(DType::Float64);
  Generator gen(9);
  // Random weights everywhere: the initial U-Net's last conv is zero, so its output would be too.
  for (const Tensor& p : unet.parameters()) ops::copy_(p, ops::mul(randn(p.shape(), DType::Float64, &gen), 0.3));
  const Tensor t = rand({2}, DType::Float64, &gen), x = randn({2, 1, 8, 8}, DType::Float64, &gen);
  const Tensor labels = tensor(std::vector<int64_t>{1, 3});  // a class and the null label
  const Tensor dt = ones({2}, DType::Float64), dx = randn({2, 1, 8, 8}, DType::Float64, &gen);
  require_jvp_matches([&](const Inputs& in) { return unet(in[0], in[1], labels); }, {t, x}, {dt, dx}, 1e-6);
  require_jvp_matches([&](const Inputs& in) { return unet(in[0], x, labels); }, {t}, {dt}, 1e-6);  // d/dt alone

  Inputs all = {requires_grad_(ops::clone(t)), requires_grad_(ops::clone(x))};
  for (const Tensor& p : unet.parameters()) all.push_back(p);
  const GradcheckResult a = adjointcheck([&](const Inputs& in) { return unet(in[0], in[1], labels); }, all);
  INFO(a.report);
  CHECK(a.ok);
}
