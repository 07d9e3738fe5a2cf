// Timing for the benchmarks: the median of several runs after one warm-up run.
#pragma once

#include <algorithm>
#include <chrono>
#include <functional>
#include <vector>

namespace rill::bench {

// Median seconds of `repeats` calls of f, after one untimed call (the warm-up fills the
// allocator's cache, OpenBLAS's buffers, a cuBLAS handle). sync, when given, runs before
// and after each timed call (a GPU's queue must be empty for the clock to mean anything).
inline double median_seconds(const std::function<void()>& f, int repeats, const std::function<void()>& sync = {}) {
  f();
  std::vector<double> t;
  for (int i = 0; i < repeats; ++i) {
    if (sync) sync();
    const auto start = std::chrono::steady_clock::now();
    f();
    if (sync) sync();
    t.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

}  // namespace rill::bench
