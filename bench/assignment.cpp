// bench_assignment — the exact assignment solvers on minibatch-OT costs, timed.
//
// What it measures (issue 16): the Jonker-Volgenant solver (linear_sum_assignment,
// flowmatch/assignment.cpp) against the reference Hungarian solver
// (linear_sum_assignment_hungarian) on squared Euclidean distances between n source points
// from a 2-D standard Gaussian and n target points, for n = 64 .. 2048: targets from the
// same Gaussian, then from `moons` (what toy2d's exact OT pairs, at batch 256 by default);
// plus, for scale, the cost matrix itself (squared_distances, from tensors) and the whole
// exact-OT coupling (cost matrix, solver, row gathers). Each figure is the median over
// several fresh point sets, in milliseconds of this thread's CPU time (on a shared machine
// wall time also counts the time other jobs hold the core); the last column checks that the
// two solvers' totals agree.
//
// Usage: bench_assignment [max n]          (default 2048; single-threaded)
#include "flowmatch/assignment.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <ctime>
#include <string>
#include <vector>

#include "data/toy2d.h"
#include "flowmatch/coupling.h"
#include "tensor/ops.h"
#include "tensor/threads.h"

using namespace rill;
using namespace rill::flowmatch;

namespace {

double cpu_ms() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_nsec) * 1e-6;
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
  Generator gen(16);
  for (const std::string target : {"gaussian", "moons"}) {
    fmt::print("source N(0, I) in 2-D, target {}; median ms of thread CPU time\n", target);
    fmt::print("{:>6} {:>14} {:>14} {:>9} {:>14} {:>14} {:>12}\n", "n", "Hungarian ms", "JV ms", "speed-up",
               "cost matrix ms", "OT pair() ms", "rel. diff");
    for (int64_t n = 64; n <= max_n; n *= 2) {
      // Fewer repeats where the Hungarian takes seconds.
      const int repeats = n <= 256 ? 21 : n <= 512 ? 9 : n <= 1024 ? 5 : 3;
      std::vector<double> hungarian, jv, matrix, pair;
      double worst = 0;
      for (int r = 0; r < repeats; ++r) {
        const Tensor x0 = randn({n, 2}, {}, &gen);  // float32, as toy2d draws them
        const Tensor x1 = target == "gaussian" ? randn({n, 2}, {}, &gen) : data::sample_2d(target, n, &gen);

        double start = cpu_ms();
        const std::vector<double> cost = squared_distances(x0, x1);
        matrix.push_back(cpu_ms() - start);

        start = cpu_ms();
        const std::vector<int64_t> a = linear_sum_assignment_hungarian(cost, n);
        hungarian.push_back(cpu_ms() - start);

        start = cpu_ms();
        const std::vector<int64_t> b = linear_sum_assignment(cost, n);
        jv.push_back(cpu_ms() - start);

        start = cpu_ms();
        const Pairing paired = exact_ot_coupling()->pair(x0, x1);
        pair.push_back(cpu_ms() - start);

        const double ta = total(cost, n, a), tb = total(cost, n, b);
        worst = std::max(worst, std::abs(ta - tb) / ta);
      }
      fmt::print("{:>6} {:>14.3f} {:>14.3f} {:>8.1f}x {:>14.3f} {:>14.3f} {:>12.1e}\n", n, median(hungarian),
                 median(jv), median(hungarian) / median(jv), median(matrix), median(pair), worst);
    }
  }
  return 0;
}
