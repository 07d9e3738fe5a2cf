// bench_elementwise — the raw elementwise kernels on 1M float32 elements, timed.
//
// What it guards: the contiguous CPU loops (tensor/cpu/elementwise.cpp) must stay
// vectorised. A scalar loop shows up as a several-times-larger figure for exp, silu
// and silu_backward (exp_vec, tensor/cpu/vecmath.h, is what lets them vectorise).
// Each figure is the median of 50 calls after a warm-up, in microseconds.
//
// Usage: bench_elementwise [threads]          (default 1)
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <vector>

#include "tensor/ops.h"
#include "tensor/threads.h"

using namespace rill;

namespace {

double median_us(const std::function<void()>& f, int repeats = 50) {
  f();  // warm-up: the allocator's cache
  std::vector<double> t;
  for (int i = 0; i < repeats; ++i) {
    const auto start = std::chrono::steady_clock::now();
    f();
    t.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count());
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  set_num_threads(argc > 1 ? std::atoi(argv[1]) : 1);
  const int64_t n = 1 << 20;
  const Tensor a = ops::mul(randn({n}), 2.0), b = randn({n});
  const Tensor strided = ops::slice(ops::mul(randn({2 * n}), 2.0), 0, 0, 2 * n, 2);  // [n], stride 2

  struct Case {
    const char* name;
    std::function<Tensor()> run;
  };
  const std::vector<Case> cases = {
      {"add", [&] { return ops::add(a, b); }},
      {"mul", [&] { return ops::mul(a, b); }},
      {"maximum", [&] { return ops::maximum(a, b); }},
      {"neg", [&] { return ops::neg(a); }},
      {"relu", [&] { return ops::relu(a); }},
      {"exp", [&] { return ops::exp(a); }},
      {"sigmoid", [&] { return ops::sigmoid(a); }},
      {"silu", [&] { return ops::silu(a); }},
      {"silu_backward", [&] { return ops::silu_backward(b, a); }},
      {"tanh", [&] { return ops::tanh(a); }},
      {"exp (strided input)", [&] { return ops::exp(strided); }},
      {"add (broadcast row)",
       [&] {
         return ops::add(ops::reshape(a, {1024, 1024}), ops::slice(b, 0, 0, 1024));
       }},
  };
  fmt::print("bench_elementwise: {} float32 elements, {} thread(s), median of 50 (us)\n", n, get_num_threads());
  for (const Case& c : cases) fmt::print("  {:<22} {:9.1f}\n", c.name, median_us([&] { (void)c.run(); }));
  return 0;
}
