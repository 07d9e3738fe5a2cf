#include "helpers.h"

using namespace rill;
using rill::test::pattern;
using rill::test::require_close;
using rill::test::values;

TEST_CASE("group_norm forward matches the float64 definition", "[tensor][norm]") {
  const int64_t N = 2, C = 6, H = 3, W = 2, G = 3;
  const Tensor x = pattern({N, C, H, W});
  const Tensor gamma = pattern({C}, DType::Float64, 0.5), beta = pattern({C}, DType::Float64, 0.2);
  const ops::NormForward f = ops::group_norm(x, G, gamma, beta, 1e-5);
  const auto xv = values(x), gv = values(gamma), bv = values(beta);
  std::vector<double> expected(xv.size());
  const int64_t per = C / G * H * W;
  for (int64_t n = 0; n < N; ++n)
    for (int64_t g = 0; g < G; ++g) {
      const int64_t start = (n * C + g * C / G) * H * W;
      double mean = 0, var = 0;
      for (int64_t i = 0; i < per; ++i) mean += xv[start + i] / per;
      for (int64_t i = 0; i < per; ++i) var += (xv[start + i] - mean) * (xv[start + i] - mean) / per;
      for (int64_t i = 0; i < per; ++i) {
        const int64_t c = g * C / G + i / (H * W);
        expected[start + i] = (xv[start + i] - mean) / std::sqrt(var + 1e-5) * gv[c] + bv[c];
      }
      CHECK(f.mean.at({n, g}) == Approx(mean).epsilon(1e-13));
      CHECK(f.rstd.at({n, g}) == Approx(1 / std::sqrt(var + 1e-5)).epsilon(1e-13));
    }
  require_close(f.y, expected, 1e-13);
  // Without affine parameters every group has mean 0 and (biased) variance ~1.
  const Tensor y = ops::reshape(ops::group_norm(x, G, {}, {}, 0).y, {N, G, -1});
  require_close(ops::mean(y, {2}), std::vector<double>(N * G, 0.0), 1e-14);
  require_close(ops::var(y, {2}, 0), std::vector<double>(N * G, 1.0), 1e-12);
  REQUIRE_ERROR(ops::group_norm(x, 4, {}, {}), "group_norm: 6 channels cannot be split into 4 groups");
  REQUIRE_ERROR(ops::group_norm(x, 3, zeros({5}, DType::Float64), {}),
                "group_norm: weight has shape [5], expected [6]");
}

TEST_CASE("layer_norm forward normalises the trailing axes", "[tensor][norm]") {
  const Tensor x = pattern({4, 3, 5});
  const Tensor gamma = pattern({3, 5}, DType::Float64, 0.5), beta = pattern({3, 5}, DType::Float64, 0.1);
  const ops::NormForward f = ops::layer_norm(x, {3, 5}, gamma, beta, 1e-5);
  const auto xv = values(x), gv = values(gamma), bv = values(beta);
  std::vector<double> expected;
  for (int r = 0; r < 4; ++r) {
    double mean = 0, var = 0;
    for (int j = 0; j < 15; ++j) mean += xv[r * 15 + j] / 15;
    for (int j = 0; j < 15; ++j) var += (xv[r * 15 + j] - mean) * (xv[r * 15 + j] - mean) / 15;
    for (int j = 0; j < 15; ++j) expected.push_back((xv[r * 15 + j] - mean) / std::sqrt(var + 1e-5) * gv[j] + bv[j]);
  }
  require_close(f.y, expected, 1e-13);
  REQUIRE_ERROR(ops::layer_norm(x, {5, 3}, {}, {}),
                "layer_norm: input shape [4, 3, 5] does not end with normalized_shape [5, 3]");
}

TEST_CASE("rms_norm forward divides each row by its root mean square, then scales", "[tensor][norm]") {
  const Tensor x = pattern({2, 3, 7});
  const Tensor gamma = pattern({7}, DType::Float64, 0.5);
  const ops::NormForward f = ops::rms_norm(x, gamma, 1e-6);
  const auto xv = values(x), gv = values(gamma);
  std::vector<double> expected, expected_rstd;
  for (int r = 0; r < 6; ++r) {
    double mean_sq = 0;
    for (int j = 0; j < 7; ++j) mean_sq += xv[r * 7 + j] * xv[r * 7 + j] / 7;
    expected_rstd.push_back(1 / std::sqrt(mean_sq + 1e-6));
    for (int j = 0; j < 7; ++j) expected.push_back(xv[r * 7 + j] * expected_rstd.back() * gv[j]);
  }
  CHECK(f.y.shape() == x.shape());
  require_close(f.y, expected, 1e-13);
  require_close(f.rstd, expected_rstd, 1e-13);
  // Without a weight, every row of the result has root mean square 1 (up to eps).
  const auto y = values(ops::rms_norm(x, {}, 0.0).y);
  for (int r = 0; r < 6; ++r) {
    double mean_sq = 0;
    for (int j = 0; j < 7; ++j) mean_sq += y[r * 7 + j] * y[r * 7 + j] / 7;
    CHECK(mean_sq == Approx(1.0).epsilon(1e-12));
  }
  REQUIRE_ERROR(ops::rms_norm(x, pattern({3})), "rms_norm: weight has shape [3], expected [7]");
  REQUIRE_ERROR(ops::rms_norm(ops::to(x, DType::Int64), {}), "rms_norm: expected a floating dtype, got int64");
}

TEST_CASE("group_norm_silu equals silu(group_norm) both ways, fused and default, with and without affine",
          "[tensor][norm]") {
  Backend& cpu = backend(Device::cpu());
  const int64_t N = 3, C = 6, G = 3;
  const Tensor x = ops::mul(pattern({N, C, 5, 4}), 3.0);
  const Tensor gy = pattern({N, C, 5, 4}, DType::Float64, 0.8);
  const Tensor gamma = pattern({C}, DType::Float64, 0.5), beta = pattern({C}, DType::Float64, 0.4);
  const std::vector<std::pair<Tensor, Tensor>> affines = {{gamma, beta}, {Tensor(), Tensor()}, {Tensor(), beta}};
  for (const auto& [w, b] : affines) {
    INFO("weight " << w.defined() << " bias " << b.defined());
    // Forward: silu of the plain group norm.
    const ops::NormForward plain = ops::group_norm(x, G, w, b);
    const ops::NormForward fused = ops::group_norm_silu(x, G, w, b);
    require_close(fused.y, values(ops::silu(plain.y)), 1e-14);
    require_close(fused.mean, values(plain.mean), 0);
    // Backward: silu's backward, then group norm's, composed by hand.
    const ops::NormBackward want = ops::group_norm_backward(ops::silu_backward(gy, plain.y), x, plain, G, w);
    const ops::NormBackward got = ops::group_norm_silu_backward(gy, x, fused, G, w, b);
    require_close(got.grad_x, values(want.grad_x), 1e-12);
    if (w.defined()) {
      require_close(got.grad_gamma, values(want.grad_gamma), 1e-12);
      require_close(got.grad_beta, values(want.grad_beta), 1e-12);
    }
    if (b.defined()) {  // dbeta = sum of dh over everything but the channel
      require_close(got.grad_beta, values(ops::sum(ops::silu_backward(gy, plain.y), {0, 2, 3})), 1e-12);
    }
    // The Backend defaults (used by backends without a fused kernel) agree too.
    const Tensor xs = ops::reshape(x, {N, C, -1}), gys = ops::reshape(gy, {N, C, -1});
    Tensor dx = Tensor::empty(xs.shape(), xs.options());
    Tensor dg = w.defined() ? Tensor::empty({C}, x.options()) : Tensor();
    Tensor db = b.defined() ? Tensor::empty({C}, x.options()) : Tensor();
    cpu.Backend::group_norm_silu_backward(gys, xs, fused.mean, fused.rstd, w, b, G, dx, dg, db);
    require_close(dx, values(want.grad_x), 1e-12);
    if (w.defined()) require_close(dg, values(want.grad_gamma), 1e-12);
    if (w.defined()) require_close(db, values(want.grad_beta), 1e-12);
    Tensor y = Tensor::empty(xs.shape(), xs.options()), m = Tensor::empty({N, G}, x.options()),
           r = Tensor::empty({N, G}, x.options());
    cpu.Backend::group_norm_silu(xs, w, b, G, 1e-5, y, m, r);
    require_close(y, values(fused.y), 1e-14);
    // float32 follows float64.
    const auto f32 = [](const Tensor& t) { return t.defined() ? ops::to(t, DType::Float32) : t; };
    const ops::NormForward fused32 = ops::group_norm_silu(f32(x), G, f32(w), f32(b));
    require_close(fused32.y, values(fused.y), 1e-5);
    require_close(ops::group_norm_silu_backward(f32(gy), f32(x), fused32, G, f32(w), f32(b)).grad_x,
                  values(want.grad_x), 1e-4);
  }
}
