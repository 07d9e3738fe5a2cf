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
