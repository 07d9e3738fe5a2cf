#include "helpers.h"

using namespace rill;
using namespace rill::flowmatch;
using rill::test::require_close;
using rill::test::values;

TEST_CASE("every path's u_t is the time derivative of x_t", "[flowmatch][paths]") {
  Generator gen(1);
  const Tensor x0 = randn({5, 3}, DType::Float64, &gen), x1 = randn({5, 3}, DType::Float64, &gen);
  const Tensor eps = randn({5, 3}, DType::Float64, &gen);
  const std::vector<std::shared_ptr<ProbabilityPath>> paths = {independent_path(0.0),
                                                               independent_path(0.3),
                                                               target_path(1e-2),
                                                               schrodinger_bridge_path(0.5),
                                                               affine_path(linear_schedule()),
                                                               affine_path(cosine_schedule()),
                                                               affine_path(polynomial_schedule(3)),
                                                               affine_path(vp_sde_schedule())};
  for (const auto& path : paths) {
    INFO(path->name());
    for (double tv : {0.1, 0.37, 0.8}) {
      // x_t(t) with the noise held fixed; central difference in t.
      auto x_at = [&](double t) {
        const Tensor tt = full({5}, t, DType::Float64);
        return ops::add(path->mean(tt, x0, x1), ops::mul(path->stddev(tt, x0), eps));
      };
      const double h = 1e-6;
      const Tensor fd = ops::div(ops::sub(x_at(tv + h), x_at(tv - h)), 2 * h);
      const Tensor ut = path->velocity(full({5}, tv, DType::Float64), x0, x1, x_at(tv));
      require_close(ut, values(fd), 1e-7);
    }
  }
  // The endpoints: x_0 is the source (plus noise for sigma > 0 paths), x_1 the data.
  const Tensor t0 = zeros({5}, DType::Float64), t1 = ones({5}, DType::Float64);
  require_close(affine_path(cosine_schedule())->mean(t0, x0, x1), values(x0), 1e-15);
  require_close(affine_path(cosine_schedule())->mean(t1, x0, x1), values(x1), 1e-15);
  require_close(target_path(1e-4)->mean(t1, x0, x1), values(ops::add(x1, ops::mul(x0, 1e-4))), 1e-15);
  REQUIRE_ERROR(make_path("diffusion"), "make_path: unknown path 'diffusion'");
}

TEST_CASE("sample() draws x_t and u_t consistently", "[flowmatch][paths]") {
  Generator gen(2);
  const Tensor x0 = randn({4, 2}, {}, &gen), x1 = randn({4, 2}, {}, &gen), t = rand({4}, {}, &gen);
  const PathSample s = independent_path(0.0)->sample(t, x0, x1, &gen);
  require_close(s.ut, values(ops::sub(x1, x0)), 1e-7);
  const auto tv = values(t), a = values(x0), b = values(x1);
  std::vector<double> expected;
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 2; ++j) expected.push_back(tv[i] * b[i * 2 + j] + (1 - tv[i]) * a[i * 2 + j]);
  require_close(s.xt, expected, 1e-6);
  REQUIRE_ERROR(independent_path()->sample(t, x0, zeros({4, 3}), &gen),
                "independent path: source shape [4, 2] differs from data shape [4, 3]");
}

TEST_CASE("velocity, data, noise and score predictions convert into each other", "[flowmatch][paths]") {
  Generator gen(3);
  const Tensor x0 = randn({6, 2}, DType::Float64, &gen), x1 = randn({6, 2}, DType::Float64, &gen);
  const Tensor t = ops::add(ops::mul(rand({6}, DType::Float64, &gen), 0.8), 0.1);
  for (const auto& s : {linear_schedule(), cosine_schedule(), vp_sde_schedule(), polynomial_schedule(2)}) {
    INFO(s->name());
    const auto path = affine_path(s);
    const Tensor xt = path->mean(t, x0, x1), v = path->velocity(t, x0, x1, xt);
    // With the true (x0, x1) behind x_t, each conversion must recover the truth.
    require_close(convert_prediction(*s, t, xt, v, Prediction::Velocity, Prediction::Data), values(x1), 1e-10);
    require_close(convert_prediction(*s, t, xt, v, Prediction::Velocity, Prediction::Noise), values(x0), 1e-10);
    require_close(convert_prediction(*s, t, xt, x0, Prediction::Noise, Prediction::Velocity), values(v), 1e-10);
    require_close(convert_prediction(*s, t, xt, x1, Prediction::Data, Prediction::Velocity), values(v), 1e-10);
    const Tensor score = convert_prediction(*s, t, xt, x0, Prediction::Noise, Prediction::Score);
    require_close(score, values(ops::neg(ops::div(x0, schedule_values(*s, t, x0, &AffineSchedule::sigma)))), 1e-12);
    require_close(convert_prediction(*s, t, xt, score, Prediction::Score, Prediction::Velocity), values(v), 1e-10);
  }
}

TEST_CASE("for a Gaussian mixture, the closed-form velocity and score agree through the conversion",
          "[flowmatch][paths][gmm]") {
  const GaussianMixture gmm({{2, 0}, {-1, 1.5}, {0, -2}}, {0.3, 0.5, 0.4}, {1, 2, 1});
  Generator gen(4);
  const Tensor x = ops::mul(randn({50, 2}, DType::Float64, &gen), 2.0);
  for (const auto& s : {linear_schedule(), cosine_schedule(), vp_sde_schedule()})
    for (double t : {0.05, 0.5, 0.9}) {
      INFO(s->name() << " t=" << t);
      const Tensor v = gmm.marginal_velocity(*s, t, x);
      const Tensor score = gmm.marginal_score(*s, t, x);
      const Tensor tt = full({}, t, DType::Float64);
      require_close(convert_prediction(*s, tt, x, v, Prediction::Velocity, Prediction::Score), values(score), 1e-9);
      // The score is the gradient of log p_t: check against finite differences of the closed-form density.
      const double a = s->alpha(t), sg = s->sigma(t);
      const GaussianMixture pt(
          {{2 * a, 0}, {-a, 1.5 * a}, {0, -2 * a}},
          {std::sqrt(a * a * 0.09 + sg * sg), std::sqrt(a * a * 0.25 + sg * sg), std::sqrt(a * a * 0.16 + sg * sg)},
          {1, 2, 1});
      const double h = 1e-5;
      for (int64_t j = 0; j < 2; ++j) {
        Tensor e = zeros({1, 2}, DType::Float64);
        ops::fill_(ops::select(e, 1, j), h);
        const Tensor fd = ops::div(ops::sub(pt.log_prob(ops::add(x, e)), pt.log_prob(ops::sub(x, e))), 2 * h);
        require_close(ops::select(score, 1, j), values(fd), 1e-6);
      }
    }
}

// docs/derivations.md, section 3: for ANY velocity prediction v-hat (not only the exact
// one), with e-hat its noise form and s-hat its score form,
//   || v-hat - u_t ||^2 = (det/alpha)^2 || e-hat - x0 ||^2 = (det sigma/alpha)^2 || s-hat + x0/sigma ||^2,
// i.e. the flow-matching loss is a time-weighted noise loss and a time-weighted denoising
// score-matching loss (the conditional score of the path is -x0/sigma).
TEST_CASE("the flow-matching loss is a weighted noise loss and a weighted score-matching loss",
          "[flowmatch][paths]") {
  Generator gen(3);
  for (const auto& s : {linear_schedule(), cosine_schedule(), polynomial_schedule(2), vp_sde_schedule()}) {
    for (double t : {0.05, 0.3, 0.8}) {
      const Tensor x0 = randn({6, 2}, DType::Float64, &gen), x1 = randn({6, 2}, DType::Float64, &gen);
      const double a = s->alpha(t), sg = s->sigma(t), da = s->d_alpha(t), ds = s->d_sigma(t);
      const double det = a * ds - sg * da;
      const Tensor tt = full({6}, t, DType::Float64);
      const Tensor xt = ops::add(ops::mul(x1, a), ops::mul(x0, sg)), ut = ops::add(ops::mul(x1, da), ops::mul(x0, ds));
      const Tensor v_hat = randn({6, 2}, DType::Float64, &gen);  // an arbitrary (wrong) prediction
      const Tensor e_hat = convert_prediction(*s, tt, xt, v_hat, Prediction::Velocity, Prediction::Noise);
      const Tensor s_hat = convert_prediction(*s, tt, xt, v_hat, Prediction::Velocity, Prediction::Score);
      auto sq = [](const Tensor& d) { return ops::sum(ops::mul(d, d)).item(); };
      const double fm_loss = sq(ops::sub(v_hat, ut));
      INFO(s->name() << " t = " << t);
      CHECK(fm_loss == Approx(det * det / (a * a) * sq(ops::sub(e_hat, x0))).epsilon(1e-10));
      CHECK(fm_loss ==
            Approx(det * det * sg * sg / (a * a) * sq(ops::add(s_hat, ops::div(x0, sg)))).epsilon(1e-10));
    }
  }
}
