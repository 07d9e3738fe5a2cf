#include <algorithm>
#include <numeric>

#include "helpers.h"

using namespace rill;
using namespace rill::flowmatch;

TEST_CASE("W2 between point clouds: brute force on small sets, a shift exactly", "[flowmatch][metrics]") {
  Generator gen(1);
  const Tensor a = randn({6, 2}, DType::Float64, &gen), b = randn({6, 2}, DType::Float64, &gen);
  const std::vector<double> cost = squared_distances(a, b);
  std::vector<int64_t> perm(6);
  std::iota(perm.begin(), perm.end(), 0);
  double best = INFINITY;
  do {
    double c = 0;
    for (int i = 0; i < 6; ++i) c += cost[i * 6 + perm[i]];
    best = std::min(best, c);
  } while (std::next_permutation(perm.begin(), perm.end()));
  CHECK(wasserstein2(a, b) == Approx(std::sqrt(best / 6)).epsilon(1e-12));
  // Translating a cloud by d moves it exactly |d| in W2 (the identity pairing is optimal).
  const Tensor c = randn({50, 2}, DType::Float64, &gen);
  CHECK(wasserstein2(c, ops::add(c, tensor(std::vector<double>{3, 4}))) == Approx(5.0).epsilon(1e-10));
  CHECK(wasserstein2(c, c) == 0);  // exact: distances are direct differences
  REQUIRE_ERROR(wasserstein2(a, c), "wasserstein2: point clouds of shape [6, 2] and [50, 2] differ");
}

TEST_CASE("W2 over several data sets and the two-sample floor: means and spreads by hand", "[flowmatch][metrics]") {
  // 1-D points: the optimal pairing matches the sorted values, so each W2 is
  // sqrt(mean over i of (a_(i) - b_(i))^2), by hand.
  auto set = [](std::vector<double> v) {
    const int64_t n = static_cast<int64_t>(v.size());
    return tensor(std::move(v), {n, 1});
  };
  const Tensor samples = set({0, 1, 2});
  // W2 to {1, 2, 3} = 1 (every point 1 away), to {2, 0, 1} = 0 (a permutation), to {0, 1, 5} =
  // sqrt(9 / 3): mean (1 + 0 + sqrt 3) / 3, sample sd sqrt(sum (w - mean)^2 / 2).
  const W2Spread w = wasserstein2_over(samples, {set({1, 2, 3}), set({2, 0, 1}), set({0, 1, 5})});
  const double values[] = {1.0, 0.0, std::sqrt(3.0)}, mean = (1 + std::sqrt(3.0)) / 3;
  double square = 0;
  for (const double v : values) square += (v - mean) * (v - mean);
  CHECK(w.sets == 3);
  CHECK(w.mean == Approx(mean).epsilon(1e-12));
  CHECK(w.sd == Approx(std::sqrt(square / 2)).epsilon(1e-12));
  // Floor: W2({0,1,2}, {1,2,3}) = 1 and W2({0,0,0}, {2,2,2}) = 2: mean 1.5, sd sqrt(0.5).
  const W2Spread floor = two_sample_floor({set({0, 1, 2}), set({0, 0, 0})}, {set({1, 2, 3}), set({2, 2, 2})});
  CHECK(floor.sets == 2);
  CHECK(floor.mean == Approx(1.5).epsilon(1e-12));
  CHECK(floor.sd == Approx(std::sqrt(0.5)).epsilon(1e-12));
  // One set: its W2, no spread.
  const W2Spread one = wasserstein2_over(samples, {set({1, 2, 3})});
  CHECK(one.mean == Approx(1.0).epsilon(1e-12));
  CHECK(one.sd == 0);
  REQUIRE_ERROR(wasserstein2_over(samples, {}), "wasserstein2_over: no data sets");
  REQUIRE_ERROR(two_sample_floor({samples}, {}), "two_sample_floor: needs pairs of data sets, got 1 and 0");
  REQUIRE_ERROR(wasserstein2_over(samples, {set({1, 2})}),
                "wasserstein2: point clouds of shape [3, 1] and [2, 1] differ");
}

TEST_CASE("MMD is zero for one set and grows with the distance between sets", "[flowmatch][metrics]") {
  Generator gen(2);
  const Tensor a = randn({200, 2}, DType::Float64, &gen);
  CHECK(mmd_rbf(a, a) == Approx(0).margin(1e-12));
  const double near = mmd_rbf(a, ops::add(a, 0.1)), far = mmd_rbf(a, ops::add(a, 1.0));
  CHECK(near > 0);
  CHECK(far > near);
  // One point against one point, one bandwidth, by hand: 2 - 2 exp(-d^2 / 2h^2).
  const Tensor p = tensor(std::vector<double>{0, 0}, {1, 2}), q = tensor(std::vector<double>{1, 0}, {1, 2});
  CHECK(mmd_rbf(p, q, {1.0}) == Approx(2 - 2 * std::exp(-0.5)));
}

TEST_CASE("straightness is 0 for straight constant-speed paths and positive for curved ones", "[flowmatch][metrics]") {
  const Tensor x0 = tensor(std::vector<double>{0, 0, 1, 1}, {2, 2}),
               x1 = tensor(std::vector<double>{2, 1, -1, 3}, {2, 2});
  std::vector<Tensor> line, arc;
  for (int k = 0; k <= 10; ++k) {
    const double t = k / 10.0;
    line.push_back(ops::add(ops::mul(x0, 1 - t), ops::mul(x1, t)));
    // a quarter circle from (1, 0) to (0, 1), radius 1
    arc.push_back(tensor(std::vector<double>{std::cos(M_PI_2 * t), std::sin(M_PI_2 * t)}, {1, 2}));
  }
  CHECK(straightness(line) == Approx(0).margin(1e-20));
  // For the arc: chord (-1, 1), speed pi/2 along the circle: S = mean over steps of
  // |chord - v_k|^2 = |chord|^2 + (pi/2)^2 - 2 chord.v ~ 2 + pi^2/4 - 2 * (pi/2) * sqrt 2 * avg cos.
  double expected = 0;
  for (int k = 0; k < 10; ++k) {
    const double t0 = k / 10.0, t1 = (k + 1) / 10.0;
    const double vx = (std::cos(M_PI_2 * t1) - std::cos(M_PI_2 * t0)) * 10,
                 vy = (std::sin(M_PI_2 * t1) - std::sin(M_PI_2 * t0)) * 10;
    expected += 0.1 * (std::pow(-1 - vx, 2) + std::pow(1 - vy, 2));
  }
  CHECK(straightness(arc) == Approx(expected).epsilon(1e-12));
  CHECK(straightness(arc) > 0.1);
}

TEST_CASE("Frechet distance matches the closed form", "[flowmatch][metrics]") {
  // Diagonal covariances: FD = |mu_a - mu_b|^2 + sum_i (sqrt(va_i) - sqrt(vb_i))^2, using the sample moments.
  Generator gen(3);
  const Tensor a = ops::mul(randn({4000, 3}, DType::Float64, &gen), tensor(std::vector<double>{1, 2, 0.5}));
  const Tensor b = ops::add(ops::mul(randn({4000, 3}, DType::Float64, &gen), tensor(std::vector<double>{2, 1, 0.5})),
                            tensor(std::vector<double>{1, 0, 0}));
  // With independent coordinates the sample covariances are nearly diagonal; compare to the
  // population closed form: 1 + (1-2)^2 + (2-1)^2 + 0 = 3.
  CHECK(frechet_distance(a, b) == Approx(3.0).epsilon(0.05));
  CHECK(frechet_distance(a, a) == Approx(0).margin(1e-8));
  // Eigen-decomposition reconstructs the matrix.
  const Tensor m = tensor(std::vector<double>{4, 1, 0, 1, 3, 1, 0, 1, 2}, {3, 3});
  const ops::Eigh e = ops::eigh(m);
  const Tensor back = ops::matmul(ops::mul(e.vectors, ops::unsqueeze(e.values, 0)), ops::transpose(e.vectors, 0, 1));
  rill::test::require_close(back, rill::test::values(m), 1e-12);
  CHECK(e.values.at({0}) <= e.values.at({1}));
}
