// The exact marginal field of a Gaussian mixture: the samplers must reproduce the
// mixture, and the likelihood must equal its closed-form density.
#include "helpers.h"

using namespace rill;
using namespace rill::flowmatch;
using rill::test::require_close;
using rill::test::values;

namespace {
GaussianMixture mixture() { return GaussianMixture({{3, 0}, {-1.5, 2.6}, {-1.5, -2.6}}, {0.4, 0.4, 0.4}); }
}  // namespace

TEST_CASE("ODE and SDE samplers driven by the exact field reproduce the mixture", "[flowmatch][gmm]") {
  const GaussianMixture gmm = mixture();
  const auto schedule = linear_schedule();
  const VectorField exact_field = [&](double t, const Tensor& x) { return gmm.marginal_velocity(*schedule, t, x); };
  Generator gen(7);
  const int64_t n = 500;
  const Tensor data_a = gmm.sample(n, &gen, DType::Float64), data_b = gmm.sample(n, &gen, DType::Float64);
  const double floor = wasserstein2(data_a, data_b);  // two independent samples of the same size
  const Tensor noise = randn({n, 2}, DType::Float64, &gen);

  OdeOptions ode = OdeOptions::adaptive(1e-5, 1e-5);
  ode.rtol = ode.atol = 1e-6;
  const Tensor ode_samples = odeint(exact_field, noise, 0.0, 1.0, ode).x;
  const double w2_ode = wasserstein2(ode_samples, data_a);
  INFO("W2 floor " << floor << ", ODE " << w2_ode);
  CHECK(w2_ode < 1.5 * floor);

  // The SDE with the velocity-derived score: same marginals (g = sigma_t vanishes at t = 1).
  SdeOptions sde;
  sde.steps = 500;
  sde.generator = &gen;
  const auto cosine = cosine_schedule();
  const VectorField vp_field = [&](double t, const Tensor& x) { return gmm.marginal_velocity(*cosine, t, x); };
  const Tensor sde_samples = sde_sample(vp_field, *cosine, noise, sde).x;
  const double w2_sde = wasserstein2(sde_samples, data_a);
  INFO("SDE " << w2_sde);
  CHECK(w2_sde < 1.5 * floor);
  // A field that is wrong (the mixture's components at the wrong place) is far off: the test can fail.
  const GaussianMixture shifted({{1.5, 0}, {-0.75, 1.3}, {-0.75, -1.3}}, {0.4, 0.4, 0.4});  // half the radius
  const VectorField wrong = [&](double t, const Tensor& x) { return shifted.marginal_velocity(*schedule, t, x); };
  CHECK(wasserstein2(odeint(wrong, noise, 0.0, 1.0, ode).x, data_a) > 2 * floor);
}

TEST_CASE("exact and Hutchinson divergences agree with the closed form", "[flowmatch][likelihood]") {
  // v(x) = A x + sin(x) elementwise: div v = tr A + sum_i cos(x_i).
  const Tensor A = tensor(std::vector<double>{0.5, 2, -1, 1.5, -0.3, 0.7, 0.2, 0.1, -2}, {3, 3});
  const VectorField v = [&](double, const Tensor& x) { return add(matmul(x, transpose(A, 0, 1)), sin(x)); };
  Generator gen(8);
  const Tensor x = randn({4, 3}, DType::Float64, &gen);
  std::vector<double> expected;
  for (int64_t i = 0; i < 4; ++i) {
    double d = 0.5 - 0.3 - 2;
    for (int64_t j = 0; j < 3; ++j) d += std::cos(x.at({i, j}));
    expected.push_back(d);
  }
  require_close(divergence(v, 0.0, x, DivergenceMethod::Exact), expected, 1e-12);
  // Hutchinson is unbiased: the mean of many probes converges to the same values.
  const Tensor est = divergence(v, 0.0, x, DivergenceMethod::Hutchinson, 20000, &gen);
  require_close(est, expected, 0.05);
}

TEST_CASE("the flow's log-likelihood equals the target's closed-form density", "[flowmatch][likelihood]") {
  // The divergence needs a field autograd can differentiate, so the target here is one
  // Gaussian N(m, s^2 I), whose marginal field on the linear path is linear in x
  // (the K = 1 case of gmm.h):
  // Target N(m, s^2 I), linear path: v_t(x) = (s^2 t - (1 - t)) / (s^2 t^2 + (1 - t)^2) (x - t m) + m.
  const double s = 0.5;
  const Tensor m = tensor(std::vector<double>{1.0, -2.0});
  const VectorField gauss = [&](double t, const Tensor& xt) {
    const double var = s * s * t * t + (1 - t) * (1 - t);
    const double k = (s * s * t - (1 - t)) / var;
    return add(mul(sub(xt, mul(m, t)), k), expand(m, xt.shape()));
  };
  const GaussianMixture target({{1.0, -2.0}}, {s});
  Generator gen(9);
  const Tensor pts = target.sample(5, &gen, DType::Float64);
  LikelihoodOptions o;
  o.ode.rtol = o.ode.atol = 1e-8;
  const LikelihoodResult r = log_likelihood(gauss, pts, o);
  require_close(r.log_prob, values(target.log_prob(pts)), 1e-5);
  // With Hutchinson's estimator (many probes) the answer agrees to the estimator's noise.
  o.divergence = DivergenceMethod::Hutchinson;
  o.probes = 64;
  o.generator = &gen;
  o.ode.rtol = o.ode.atol = 1e-5;
  require_close(log_likelihood(gauss, pts, o).log_prob, values(target.log_prob(pts)), 0.05);
  // Bits per dimension by hand: a model-space density of w^-D (w = 2/255, one level's bin)
  // is density 1 per intensity level: 0 bits; half of that per dimension is 1 bit.
  const double w = 2.0 / 255.0;
  CHECK(bits_per_dim(-std::log(w) * 3, 3) == Approx(0.0).margin(1e-12));
  CHECK(bits_per_dim(-std::log(w) * 3 - 3 * std::log(2.0), 3) == Approx(1.0));
}
