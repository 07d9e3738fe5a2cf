// MeanFlow (flowmatch/meanflow.h), checked where the answer is known in closed form:
// between N(0, I) and N(m, s^2 I) the straight-path marginal flow is affine, so the true
// average velocity u(x, t, r) is known; it must satisfy the MeanFlow identity through
// rill's JVP, its jumps must land exactly, and a trained model's one-step samples must
// have the target's mean and spread.
#include <cmath>

#include "helpers.h"

using namespace rill;
using namespace rill::flowmatch;
using rill::test::require_close;
using rill::test::values;

namespace {

// x_t = (1 - t) x0 + t x1 with x0 ~ N(0, I), x1 ~ N(m, s^2 I) independent: x_t ~ N(t m, sigma_t^2 I),
// sigma_t^2 = (1 - t)^2 + t^2 s^2. The marginal flow moves Gaussians affinely:
//   phi_{t->r}(x) = r m + (sigma_r / sigma_t) (x - t m),
//   u(x, t, r) = (phi_{t->r}(x) - x) / (r - t)  (r != t),   v(x, t) = m + sigma_t'/sigma_t (x - t m).
struct GaussianFlow {
  Tensor m;  // [D]
  double s;

  Tensor sigma(const Tensor& t) const { return sqrt(square(1.0 - t) + square(t) * (s * s)); }  // [B]
  // The marginal velocity v(x, t), t: [B], x: [B, D].
  Tensor v(const Tensor& t, const Tensor& x) const {
    const Tensor tc = unsqueeze(t, 1);
    const Tensor dsigma = (t * (s * s) - (1.0 - t)) / sigma(t);  // sigma_t'
    return m + unsqueeze(dsigma / sigma(t), 1) * (x - tc * m);
  }
  // The average velocity from t to r (r != t everywhere), differentiable in t, r and x.
  Tensor u(const Tensor& t, const Tensor& r, const Tensor& x) const {
    const Tensor tc = unsqueeze(t, 1), rc = unsqueeze(r, 1);
    const Tensor jump = rc * m + unsqueeze(sigma(r) / sigma(t), 1) * (x - tc * m);
    return (jump - x) / (rc - tc);
  }
};

}  // namespace

TEST_CASE("MeanFlow identity: the closed-form average velocity equals v - (t - r) du/dt by JVP", "[flowmatch][meanflow]") {
  const GaussianFlow g{tensor(std::vector<double>{1.5, -0.5}), 0.6};
  Generator gen(3);
  const Tensor t = ops::mul(rand({6}, DType::Float64, &gen), 0.5);                // t in [0, 0.5)
  const Tensor r = ops::add(ops::mul(rand({6}, DType::Float64, &gen), 0.5), 0.5);  // r in [0.5, 1)
  const Tensor x = randn({6, 2}, DType::Float64, &gen);
  const Tensor v = g.v(t, x);
  // d/dt u(x_t, t, r) along the flow: the tangent (dt, dr, dx) = (1, 0, v).
  const autograd::JvpResult j = autograd::jvp(
      [&](const std::vector<Tensor>& in) { return std::vector<Tensor>{g.u(in[0], in[1], in[2])}; }, {t, r, x},
      {ones({6}, DType::Float64), zeros({6}, DType::Float64), v});
  const Tensor rhs = v - unsqueeze(t - r, 1) * j.tangents[0];
  require_close(j.outputs[0], values(rhs), 1e-10);
  // And the identity is not trivially true: along a wrong tangent (dt = 0) it fails.
  const autograd::JvpResult wrong = autograd::jvp(
      [&](const std::vector<Tensor>& in) { return std::vector<Tensor>{g.u(in[0], in[1], in[2])}; }, {t, r, x},
      {zeros({6}, DType::Float64), zeros({6}, DType::Float64), v});
  CHECK(ops::max(ops::abs(j.outputs[0] - (v - unsqueeze(t - r, 1) * wrong.tangents[0]))).item() > 1e-2);
}

TEST_CASE("meanflow_sample: jumps with the exact average velocity land exactly, in 1 or 3 steps",
          "[flowmatch][meanflow]") {
  const GaussianFlow g{tensor(std::vector<double>{1.5, -0.5}), 0.6};
  const MeanFlowModel exact = [&](const Tensor& t, const Tensor& r, const Tensor& x, const Tensor&) {
    return g.u(t, r, x);
  };
  Generator gen(5);
  const Tensor x0 = randn({8, 2}, DType::Float64, &gen);
  const Tensor expected = ops::add(ops::mul(x0, 0.6), g.m);  // phi_{0->1}(x0) = m + s x0
  require_close(meanflow_sample(exact, x0, 1), values(expected), 1e-12);
  std::vector<Tensor> path;
  require_close(meanflow_sample(exact, x0, 3, {}, &path), values(expected), 1e-12);
  REQUIRE(path.size() == 4);
  // The middle states are the marginal flow's: phi_{0->1/3}(x0) = m/3 + sigma_{1/3} x0.
  const double s13 = std::sqrt(4.0 / 9 + 0.36 / 9);
  require_close(path[1], values(ops::add(ops::mul(x0, s13), ops::div(g.m, 3.0))), 1e-12);
  REQUIRE_ERROR(meanflow_sample(exact, x0, 0), "meanflow_sample: steps must be >= 1");
}

TEST_CASE("MeanFlow training: one-step samples of N(m, s^2 I) have its mean and spread", "[flowmatch][meanflow]") {
  manual_seed(7);
  nn::MLP model(2, 64, 2);
  CHECK_THROWS_WITH(model(zeros({1}), zeros({1, 2})), Catch::Contains("this model takes two times"));
  nn::Adam opt(model.named_parameters(), {3e-3});
  const Tensor m = tensor(std::vector<float>{1.5f, -0.5f});
  const double s = 0.6;
  Generator gen(8);
  // A short run, so the choices that learn the one-step map fastest here (measured, std / s
  // after these 3000 steps): uniform times (the paper's logit-normal rarely draws the long
  // intervals one step uses: 0.80), half the rows with r != t (the paper's quarter trains
  // fewer of them), plain squared error (the adaptive weight p = 1: 0.90; p = 0: 0.96).
  MeanFlowOptions o;
  o.time = TimeSampler::uniform();
  o.interval_fraction = 0.5;
  o.weight_power = 0;
  const auto one_step_moments = [&](double& mean_err, double& std_ratio) {
    const Tensor x = meanflow_sample(std::ref(model), randn({4000, 2}, {}, &gen), 1);
    mean_err = ops::max(ops::abs(ops::sub(ops::mean(x, {0}), m))).item();
    std_ratio = std::sqrt(ops::mean(ops::var(x, {0})).item()) / s;
  };
  double mean_err = 0, std_ratio = 0;
  one_step_moments(mean_err, std_ratio);
  CHECK(mean_err > 0.5);  // untrained: far off (so the check below can fail)
  for (int step = 0; step < 3000; ++step) {
    const Tensor x0 = randn({128, 2}, {}, &gen);
    const Tensor x1 = ops::add(ops::mul(randn({128, 2}, {}, &gen), s), m);
    const MeanFlowLoss l = meanflow_loss(std::ref(model), o, x0, x1, &gen);
    REQUIRE(std::isfinite(l.loss.item()));
    opt.zero_grad();
    autograd::backward(l.loss);
    opt.step();
  }
  one_step_moments(mean_err, std_ratio);
  INFO("one step: max |mean - m| " << mean_err << ", std / s " << std_ratio);
  CHECK(mean_err < 0.08);
  CHECK(std::abs(std_ratio - 1) < 0.08);
}
