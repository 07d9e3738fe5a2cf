// bench_assignment — the exact assignment solvers on minibatch-OT costs, timed.
//
// What it measures (issue 16): the Jonker-Volgenant solver (linear_sum_assignment,
// flowmatch/assignment.cpp) against the reference Hungarian solver
// (linear_sum_assignment_hungarian) on squared Euclidean distances between two sets of n
// points drawn from a 2-D standard Gaussian (what toy2d's exact OT pairs at batch 256),
// for n = 64 .. 2048; plus, for scale, the cost matrix itself (squared_distances, from
// tensors) and the whole exact-OT coupling (cost matrix, solver, row gathers) at each n.
// Each figure is the median over several fresh point sets, in milliseconds; the last
// column checks the two solvers' totals agree.
//
// Usage: bench_assignment [max n]          (default 2048; single-threaded)
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <random>
#include <vector>

#include "flowmatch/assignment.h"
#include "flowmatch/coupling.h"
#include "tensor/ops.h"
#include "tensor/threads.h"

using namespace rill;
using namespace rill::flowmatch;

namespace {

double ms_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

double median(std::vector<double> t) {
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

double total(const std::vector<double>& cost, int64_t n, const std::vector<int64_t>& a) {
  double s = 0;
  for (int64_t i = 0; i < n; ++i) s += cost[i * n + a[i]];
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  set_num_threads(1);
  const int64_t max_n = argc > 1 ? std::atoll(argv[1]) : 2048;
  std::mt19937_64 rng(16);
  std::normal_distribution<double> g;
  fmt::print("{:>6} {:>14} {:>14} {:>9} {:>14} {:>14} {:>12}\n", "n", "Hungarian ms", "JV ms", "speed-up",
             "cost matrix ms", "OT pair() ms", "rel. diff");
  for (int64_t n = 64; n <= max_n; n *= 2) {
    // Fewer repeats where the Hungarian takes seconds.
    const int repeats = n <= 256 ? 21 : n <= 512 ? 9 : n <= 1024 ? 5 : 3;
    std::vector<double> hungarian, jv, matrix, pair;
    double worst = 0;
    for (int r = 0; r < repeats; ++r) {
      std::vector<float> p(2 * n), q(2 * n);
      for (float& x : p) x = static_cast<float>(g(rng));
      for (float& x : q) x = static_cast<float>(g(rng));
      const Tensor x0 = tensor(p, {n, 2}), x1 = tensor(q, {n, 2});  // float32, as toy2d

      auto start = std::chrono::steady_clock::now();
      const std::vector<double> cost = squared_distances(x0, x1);
      matrix.push_back(ms_since(start));

      start = std::chrono::steady_clock::now();
      const std::vector<int64_t> a = linear_sum_assignment_hungarian(cost, n);
      hungarian.push_back(ms_since(start));

      start = std::chrono::steady_clock::now();
      const std::vector<int64_t> b = linear_sum_assignment(cost, n);
      jv.push_back(ms_since(start));

      start = std::chrono::steady_clock::now();
      const Pairing paired = exact_ot_coupling()->pair(x0, x1);
      pair.push_back(ms_since(start));

      const double ta = total(cost, n, a), tb = total(cost, n, b);
      worst = std::max(worst, std::abs(ta - tb) / ta);
    }
    fmt::print("{:>6} {:>14.3f} {:>14.3f} {:>8.1f}x {:>14.3f} {:>14.3f} {:>12.1e}\n", n, median(hungarian), median(jv),
               median(hungarian) / median(jv), median(matrix), median(pair), worst);
  }
  return 0;
}
