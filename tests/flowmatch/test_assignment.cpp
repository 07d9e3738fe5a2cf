// The fast assignment solver (Jonker-Volgenant, flowmatch/assignment.cpp) against brute
// force and against the reference Hungarian solver, on the cost families that break
// assignment codes: random reals, integers with many ties, all-equal costs, huge dynamic
// range, squared distances of 2-D points (what minibatch OT solves), rectangular shapes.
#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "helpers.h"

using namespace rill;
using namespace rill::flowmatch;

namespace {

using Costs = std::vector<double>;

// Each row a distinct column in [0, cols).
bool is_injection(const std::vector<int64_t>& a, int64_t rows, int64_t cols) {
  if (static_cast<int64_t>(a.size()) != rows) return false;
  std::vector<char> used(cols, 0);
  for (const int64_t j : a) {
    if (j < 0 || j >= cols || used[j]) return false;
    used[j] = 1;
  }
  return true;
}

double total(const Costs& cost, int64_t cols, const std::vector<int64_t>& a) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += cost[i * cols + a[i]];
  return s;
}

// The least total over all injections rows -> cols: the first `rows` entries of every
// permutation of the columns (each injection appears (cols - rows)! times; fine for cols <= 7).
double brute_force(const Costs& cost, int64_t rows, int64_t cols) {
  std::vector<int64_t> perm(cols);
  std::iota(perm.begin(), perm.end(), 0);
  double best = INFINITY;
  do {
    double s = 0;
    for (int64_t i = 0; i < rows; ++i) s += cost[i * cols + perm[i]];
    best = std::min(best, s);
  } while (std::next_permutation(perm.begin(), perm.end()));
  return best;
}

// The cost families. seed picks the draw.
Costs uniform_costs(int64_t rows, int64_t cols, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  Costs c(rows * cols);
  for (double& x : c) x = u(rng);
  return c;
}

Costs integer_costs(int64_t rows, int64_t cols, uint64_t seed, int levels) {  // many ties
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int> u(0, levels - 1);
  Costs c(rows * cols);
  for (double& x : c) x = u(rng);
  return c;
}

Costs huge_range_costs(int64_t rows, int64_t cols, uint64_t seed) {  // |C| from 1e-8 to 1e8, both signs
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> e(-8.0, 8.0);
  std::bernoulli_distribution negative(0.3);
  Costs c(rows * cols);
  for (double& x : c) x = (negative(rng) ? -1.0 : 1.0) * std::pow(10.0, e(rng));
  return c;
}

Costs gaussian_sq_distances(int64_t n, uint64_t seed) {  // toy2d's cost: 2-D N(0, I) to 2-D N(0, I)
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> g;
  std::vector<double> a(2 * n), b(2 * n);
  for (double& x : a) x = g(rng);
  for (double& x : b) x = g(rng);
  Costs c(n * n);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j) {
      const double dx = a[2 * i] - b[2 * j], dy = a[2 * i + 1] - b[2 * j + 1];
      c[i * n + j] = dx * dx + dy * dy;
    }
  return c;
}

// The fast solver's result is a permutation whose total equals the Hungarian's to 1e-12
// relative (exactly when the costs are small integers: every sum is then exact).
void check_against_hungarian(const Costs& cost, int64_t n, bool exact) {
  const std::vector<int64_t> fast = linear_sum_assignment(cost, n);
  const std::vector<int64_t> reference = linear_sum_assignment_hungarian(cost, n);
  INFO("n = " << n);
  REQUIRE(is_injection(fast, n, n));
  REQUIRE(is_injection(reference, n, n));
  const double a = total(cost, n, fast), b = total(cost, n, reference);
  if (exact) {
    REQUIRE(a == b);
  } else {
    double scale = 0;  // relative to the size of the terms summed, not to a possibly cancelling total
    for (int64_t i = 0; i < n; ++i) scale += std::abs(cost[i * n + reference[i]]);
    INFO("fast " << a << ", Hungarian " << b);
    REQUIRE(std::abs(a - b) <= 1e-12 * scale);
  }
}

}  // namespace

TEST_CASE("assignment (Jonker-Volgenant): matches brute force for n <= 7, square and rectangular",
          "[flowmatch][assignment]") {
  for (int64_t cols = 1; cols <= 7; ++cols)
    for (int64_t rows = 0; rows <= cols; ++rows)
      for (uint64_t seed = 0; seed < 12; ++seed) {
        INFO(rows << " x " << cols << ", seed " << seed);
        const Costs families[] = {uniform_costs(rows, cols, seed), integer_costs(rows, cols, seed, 3),
                                  huge_range_costs(rows, cols, seed), Costs(rows * cols, 2.5)};
        for (const Costs& cost : families) {
          const std::vector<int64_t> a = linear_sum_assignment(cost, rows, cols);
          REQUIRE(is_injection(a, rows, cols));
          const double best = rows == 0 ? 0.0 : brute_force(cost, rows, cols);
          // Another optimal injection may differ from brute force's by the rounding of its sum.
          double largest = 0;
          for (const double x : cost) largest = std::max(largest, std::abs(x));
          CHECK(std::abs(total(cost, cols, a) - best) <= 1e-12 * largest * static_cast<double>(rows));
          if (rows == cols) {
            CHECK(total(cost, cols, linear_sum_assignment(cost, rows)) == total(cost, cols, a));
          }
        }
        // Integer costs: every sum is exact, so "optimal" can be checked exactly.
        const Costs ints = integer_costs(rows, cols, seed + 100, 4);
        CHECK(total(ints, cols, linear_sum_assignment(ints, rows, cols)) ==
              (rows == 0 ? 0.0 : brute_force(ints, rows, cols)));
      }
}

TEST_CASE("assignment (Jonker-Volgenant): matches the Hungarian solver on random real costs, n = 1..300",
          "[flowmatch][assignment]") {
  for (int64_t n = 1; n <= 300; ++n) check_against_hungarian(uniform_costs(n, n, 1000 + n), n, false);
  // Many seeds at a few sizes.
  for (const int64_t n : {2, 3, 5, 8, 17, 64, 129})
    for (uint64_t seed = 0; seed < 30; ++seed) check_against_hungarian(uniform_costs(n, n, seed), n, false);
}

TEST_CASE("assignment (Jonker-Volgenant): matches the Hungarian solver on squared distances of 2-D points",
          "[flowmatch][assignment]") {
  for (const int64_t n : {1, 2, 10, 64, 100, 256, 300})
    for (uint64_t seed = 0; seed < 6; ++seed) check_against_hungarian(gaussian_sq_distances(n, seed), n, false);
  // Duplicated points: exact ties between whole rows.
  Costs cost = gaussian_sq_distances(64, 7);
  for (int64_t j = 0; j < 64; ++j) cost[1 * 64 + j] = cost[0 * 64 + j], cost[5 * 64 + j] = cost[0 * 64 + j];
  check_against_hungarian(cost, 64, false);
}

TEST_CASE("assignment (Jonker-Volgenant): on ties: integer costs, all-equal costs", "[flowmatch][assignment]") {
  for (const int levels : {1, 2, 3, 10, 1000})
    for (const int64_t n : {1, 2, 3, 7, 16, 50, 128, 257})
      for (uint64_t seed = 0; seed < 4; ++seed) check_against_hungarian(integer_costs(n, n, seed, levels), n, true);
  for (const int64_t n : {1, 5, 100}) {
    const Costs same(n * n, -3.0);
    const std::vector<int64_t> a = linear_sum_assignment(same, n);
    REQUIRE(is_injection(a, n, n));
    CHECK(total(same, n, a) == -3.0 * n);
  }
}

TEST_CASE("assignment (Jonker-Volgenant): on costs of huge dynamic range", "[flowmatch][assignment]") {
  for (const int64_t n : {2, 5, 20, 100, 200})
    for (uint64_t seed = 0; seed < 6; ++seed) check_against_hungarian(huge_range_costs(n, n, seed), n, false);
}

TEST_CASE("assignment (Jonker-Volgenant): on rectangular costs agrees with a square problem padded by zero rows",
          "[flowmatch][assignment]") {
  // rows x cols padded with cols - rows rows of zeros: the padding rows take the unused
  // columns at no cost, so the square optimum restricted to the real rows is the
  // rectangular optimum.
  for (const auto& [rows, cols] : {std::pair<int64_t, int64_t>{1, 50}, {10, 11}, {30, 100}, {99, 100}, {150, 200}})
    for (uint64_t seed = 0; seed < 4; ++seed) {
      INFO(rows << " x " << cols << ", seed " << seed);
      for (const bool ints : {false, true}) {
        const Costs cost = ints ? integer_costs(rows, cols, seed, 5) : uniform_costs(rows, cols, seed);
        Costs padded(cols * cols, 0.0);
        std::copy(cost.begin(), cost.end(), padded.begin());
        const std::vector<int64_t> a = linear_sum_assignment(cost, rows, cols);
        REQUIRE(is_injection(a, rows, cols));
        const double got = total(cost, cols, a),
                     want = total(padded, cols, linear_sum_assignment_hungarian(padded, cols));
        if (ints)
          CHECK(got == want);
        else
          CHECK(std::abs(got - want) <= 1e-12 * rows);
      }
    }
}

TEST_CASE("linear_sum_assignment rejects malformed problems", "[flowmatch][assignment]") {
  REQUIRE_ERROR(linear_sum_assignment({1, 2, 3}, 2), "linear_sum_assignment: 3 costs for a 2 x 2 problem");
  REQUIRE_ERROR(linear_sum_assignment({1, 2, 3, 4, 5, 6}, 3, 2),
                "linear_sum_assignment: needs rows <= cols, got 3 x 2");
  REQUIRE_ERROR(linear_sum_assignment({1, NAN, 3, 4}, 2),
                "linear_sum_assignment: costs must be finite (2 x 2 problem)");
  REQUIRE_ERROR(linear_sum_assignment({1, INFINITY, 3, 4}, 2), "costs must be finite");
  REQUIRE_ERROR(linear_sum_assignment_hungarian({1, 2, 3}, 2), "linear_sum_assignment_hungarian: 3 costs for a 2 x 2");
  CHECK(linear_sum_assignment({}, 0).empty());
  CHECK(linear_sum_assignment({}, 0, 5).empty());
}
