#include <algorithm>
#include <numeric>

#include "helpers.h"

using namespace rill;
using namespace rill::flowmatch;

namespace {

// The best permutation by trying all of them.
double brute_force_cost(const std::vector<double>& cost, int64_t n) {
  std::vector<int64_t> perm(n);
  std::iota(perm.begin(), perm.end(), 0);
  double best = INFINITY;
  do {
    double c = 0;
    for (int64_t i = 0; i < n; ++i) c += cost[i * n + perm[i]];
    best = std::min(best, c);
  } while (std::next_permutation(perm.begin(), perm.end()));
  return best;
}

double assignment_cost(const std::vector<double>& cost, const std::vector<int64_t>& a) {
  double c = 0;
  for (size_t i = 0; i < a.size(); ++i) c += cost[i * a.size() + a[i]];
  return c;
}

}  // namespace

TEST_CASE("the assignment solver matches brute force and never loses to the identity", "[flowmatch][ot]") {
  Generator gen(4);
  for (int64_t n = 1; n <= 7; ++n)
    for (int trial = 0; trial < 20; ++trial) {
      const std::vector<double> cost = rand({n * n}, DType::Float64, &gen).to_vector<double>();
      const std::vector<int64_t> a = linear_sum_assignment(cost, n);
      std::vector<int64_t> sorted = a;
      std::sort(sorted.begin(), sorted.end());
      for (int64_t i = 0; i < n; ++i) REQUIRE(sorted[i] == i);  // a permutation
      CHECK(assignment_cost(cost, a) == Approx(brute_force_cost(cost, n)).epsilon(1e-12));
      std::vector<int64_t> identity(n);
      std::iota(identity.begin(), identity.end(), 0);
      CHECK(assignment_cost(cost, a) <= assignment_cost(cost, identity) + 1e-12);
    }
  // Larger: the optimum is never above the identity or a random permutation.
  const int64_t n = 200;
  const Tensor x0 = randn({n, 2}, DType::Float64, &gen), x1 = randn({n, 2}, DType::Float64, &gen);
  const std::vector<double> cost = squared_distances(x0, x1);
  const std::vector<int64_t> a = linear_sum_assignment(cost, n);
  std::vector<int64_t> identity(n);
  std::iota(identity.begin(), identity.end(), 0);
  CHECK(assignment_cost(cost, a) < assignment_cost(cost, identity));
  REQUIRE_ERROR(linear_sum_assignment({1, 2, 3}, 2), "linear_sum_assignment: 3 costs for a 2 x 2 problem");
}

TEST_CASE("exact OT coupling: an optimal permutation of the data rows", "[flowmatch][ot]") {
  Generator gen(2);
  const Tensor x0 = randn({6, 3}, {}, &gen), x1 = randn({6, 3}, {}, &gen);
  const Pairing p = exact_ot_coupling()->pair(x0, x1, &gen);
  CHECK(rill::test::values(p.x0) == rill::test::values(x0));
  const std::vector<double> cost = squared_distances(x0, x1);
  const std::vector<int64_t> i1 = p.i1.to_vector<int64_t>();
  CHECK(assignment_cost(cost, i1) == Approx(brute_force_cost(cost, 6)).epsilon(1e-9));
  CHECK(rill::test::values(p.x1) == rill::test::values(ops::index_select(x1, 0, p.i1)));
}

TEST_CASE("Sinkhorn's plan has uniform marginals and tends to exact OT as the regularisation shrinks",
          "[flowmatch][ot]") {
  Generator gen(3);
  const int64_t n = 8;
  const Tensor x0 = randn({n, 2}, DType::Float64, &gen), x1 = randn({n, 2}, DType::Float64, &gen);
  const std::vector<double> cost = squared_distances(x0, x1);
  for (double reg : {1.0, 0.1}) {
    const std::vector<double> plan = sinkhorn_plan(cost, n, n, reg, 200000, 1e-13);
    for (int64_t i = 0; i < n; ++i) {
      double row = 0, col = 0;
      for (int64_t j = 0; j < n; ++j) row += plan[i * n + j], col += plan[j * n + i];
      CHECK(row == Approx(1.0 / n).epsilon(1e-8));
      CHECK(col == Approx(1.0 / n).epsilon(1e-8));
    }
  }
  // Small regularisation: the plan concentrates on the exact assignment.
  const std::vector<double> plan = sinkhorn_plan(cost, n, n, 0.01, 20000, 1e-12);
  const std::vector<int64_t> a = linear_sum_assignment(cost, n);
  double on_assignment = 0;
  for (int64_t i = 0; i < n; ++i) on_assignment += plan[i * n + a[i]];
  CHECK(on_assignment > 0.99);
  // The coupling draws pairs from the plan.
  const Pairing p = sinkhorn_coupling(0.01, 20000, 1e-12)->pair(x0, x1, &gen);
  CHECK(p.x0.shape() == x0.shape());
  const auto i0 = p.i0.to_vector<int64_t>(), i1 = p.i1.to_vector<int64_t>();
  int64_t matches = 0;
  for (int64_t k = 0; k < n; ++k) matches += a[i0[k]] == i1[k];
  CHECK(matches >= n - 1);
}

TEST_CASE("class-aware OT pairs only within a label, optimally", "[flowmatch][ot]") {
  Generator gen(5);
  const Tensor x0 = randn({10, 2}, {}, &gen), x1 = randn({10, 2}, {}, &gen);
  const Tensor labels = tensor(std::vector<int64_t>{1, 0, 1, 2, 0, 1, 2, 0, 1, 1});
  const Pairing p = class_ot_coupling()->pair(x0, x1, &gen, labels);
  const auto i0 = p.i0.to_vector<int64_t>(), i1 = p.i1.to_vector<int64_t>();
  std::vector<int64_t> s0 = i0, s1 = i1;
  std::sort(s0.begin(), s0.end());
  std::sort(s1.begin(), s1.end());
  for (int64_t k = 0; k < 10; ++k) CHECK((s0[k] == k && s1[k] == k));  // every row used once
  // Within each class, no swap of two partners lowers the cost.
  const std::vector<double> cost = squared_distances(x0, x1);
  const auto lv = labels.to_vector<int64_t>();
  for (int64_t a = 0; a < 10; ++a)
    for (int64_t b = 0; b < 10; ++b)
      if (lv[i1[a]] == lv[i1[b]])
        CHECK(cost[i0[a] * 10 + i1[a]] + cost[i0[b] * 10 + i1[b]] <=
              cost[i0[a] * 10 + i1[b]] + cost[i0[b] * 10 + i1[a]] + 1e-9);
  REQUIRE_ERROR(class_ot_coupling()->pair(x0, x1, &gen), "class OT coupling: needs int64 labels [10]");
}
