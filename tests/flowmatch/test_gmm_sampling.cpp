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

  // The same by forward mode (JVPs, no graph): the exact one to rounding, and Hutchinson
  // with the same probes (the same generator state) equal to the reverse-mode estimate.
  require_close(divergence(v, 0.0, x, DivergenceMethod::Exact, 1, nullptr, nullptr, JacobianMode::Forward), expected,
                1e-12);
  const Generator::State state = gen.state();
  const Tensor by_vjp = divergence(v, 0.0, x, DivergenceMethod::Hutchinson, 3, &gen);
  gen.set_state(state);
  Tensor value;
  const Tensor by_jvp =
      divergence(v, 0.0, x, DivergenceMethod::Hutchinson, 3, &gen, &value, JacobianMode::Forward);
  require_close(by_jvp, values(by_vjp), 1e-12);
  require_close(value, values(v(0.0, x)), 1e-15);
  // A one-probe estimate is not the exact value (the test above could tell them apart).
  CHECK(ops::max(ops::abs(ops::sub(by_jvp, tensor(expected)))).item() > 1e-3);
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
  o.mode = JacobianMode::Forward;  // divergences by JVPs: the same solve to rounding
  require_close(log_likelihood(gauss, pts, o).log_prob, values(r.log_prob), 1e-10);
  // Bits per dimension by hand: a model-space density of w^-D (w = 2/255, one level's bin)
  // is density 1 per intensity level: 0 bits; half of that per dimension is 1 bit.
  const double w = 2.0 / 255.0;
  CHECK(bits_per_dim(-std::log(w) * 3, 3) == Approx(0.0).margin(1e-12));
  CHECK(bits_per_dim(-std::log(w) * 3 - 3 * std::log(2.0), 3) == Approx(1.0));
}

TEST_CASE("Hutchinson's likelihood has the bias and the variance the estimator predicts", "[flowmatch][likelihood]") {
  // Target N(m, S) with a correlated S, so that the field's Jacobian is not diagonal (for a
  // diagonal Jacobian Rademacher probes are exact and a test could not see their noise).
  // On the linear path x_t ~ N(t m, C_t), C_t = (1 - t)^2 I + t^2 S, and the marginal field is
  //   v_t(x) = m + (t S - (1 - t) I) C_t^-1 (x - t m),
  // whose Jacobian J_t = (t S - (1 - t) I) C_t^-1 does not depend on x. In S's eigenbasis,
  // integral_0^1 J_t dt has eigenvalues integral (t l - (1 - t)) / ((1 - t)^2 + t^2 l) dt
  // = log(l) / 2, so M = integral J_t dt = log(S) / 2 and tr M = log det S / 2.
  // With one Rademacher probe e per point, fixed along the solve, the estimate of tr M is
  // e^T M e = tr M + 2 M01 e0 e1: unbiased, variance 4 M01^2; with P probes, 4 M01^2 / P.
  const double l0 = 4.0, l1 = 1.0, c = std::cos(0.6), sn = std::sin(0.6);  // S = R diag(l0, l1) R^T
  const double S00 = c * c * l0 + sn * sn * l1, S11 = sn * sn * l0 + c * c * l1, S01 = c * sn * (l0 - l1);
  const double M01 = c * sn * (std::log(l0) - std::log(l1)) / 2;
  const double m0 = 0.5, m1 = -1.0;
  const VectorField field = [&](double t, const Tensor& x) {
    // C_t^-1 (2x2), then A = (t S - (1 - t) I) C_t^-1; v = m + (x - t m) A^T.
    const double C00 = (1 - t) * (1 - t) + t * t * S00, C11 = (1 - t) * (1 - t) + t * t * S11, C01 = t * t * S01;
    const double det = C00 * C11 - C01 * C01;
    const double I00 = C11 / det, I11 = C00 / det, I01 = -C01 / det;
    const double B00 = t * S00 - (1 - t), B11 = t * S11 - (1 - t), B01 = t * S01;
    const double A00 = B00 * I00 + B01 * I01, A01 = B00 * I01 + B01 * I11, A10 = B01 * I00 + B11 * I01,
                 A11 = B01 * I01 + B11 * I11;
    const Tensor At = tensor(std::vector<double>{A00, A10, A01, A11}, {2, 2});
    const Tensor m = tensor(std::vector<double>{m0, m1});
    return add(matmul(sub(x, mul(m, t)), At), expand(m, x.shape()));
  };
  // log N(x; m, S) in closed form.
  const double detS = S00 * S11 - S01 * S01;
  auto log_density = [&](double x0, double x1) {
    const double d0 = x0 - m0, d1 = x1 - m1;
    const double q = (S11 * d0 * d0 - 2 * S01 * d0 * d1 + S00 * d1 * d1) / detS;
    return -0.5 * q - 0.5 * std::log(detS) - std::log(2 * M_PI);
  };
  Generator gen(11);
  const int64_t B = 4000, P = 16;
  const Tensor pts = add(randn({B, 2}, DType::Float64, &gen), 0.3);
  std::vector<double> exact(B);
  for (int64_t i = 0; i < B; ++i) exact[i] = log_density(pts.at({i, 0}), pts.at({i, 1}));

  LikelihoodOptions o;
  o.ode.rtol = o.ode.atol = 1e-8;
  require_close(log_likelihood(field, pts, o).log_prob, exact, 1e-6);  // exact divergence: the closed form

  o.divergence = DivergenceMethod::Hutchinson, o.probes = P, o.generator = &gen;
  const std::vector<double> est = values(log_likelihood(field, pts, o).log_prob);
  double mean = 0, sq = 0;
  for (int64_t i = 0; i < B; ++i) mean += (est[i] - exact[i]) / B;
  for (int64_t i = 0; i < B; ++i) sq += (est[i] - exact[i] - mean) * (est[i] - exact[i] - mean) / (B - 1);
  const double var = 4 * M01 * M01 / P;  // per point, from the formula above
  INFO("mean error " << mean << " (sd of the mean " << std::sqrt(var / B) << "), variance " << sq << " vs " << var);
  // Unbiased: the mean error is within 4 standard deviations of the mean (1 in 16,000 to fail by chance).
  CHECK(std::abs(mean) < 4 * std::sqrt(var / B));
  // The right noise: the sample variance of 4000 errors is within 10% of the formula (its own
  // relative sd is about sqrt(2 / 3999) = 2.2%, so 10% is 4.5 sd). An estimator that is exact,
  // or uses other probes, or fewer or more of them, fails here.
  CHECK(sq == Approx(var).epsilon(0.1));
  // What the old tolerance (0.05 per point) let through, a divergence 5% off, shifts every
  // point by 5% of tr M = log det S / 2: more than 8 standard deviations of the mean here.
  CHECK(0.05 * std::log(detS) / 2 > 8 * std::sqrt(var / B));
}
