// rill CPU backend — splitting a loop over the OpenMP threads.
#pragma once

#include <omp.h>

#include "tensor/threads.h"

namespace rill {

// body(begin, end) over contiguous chunks that cover [0, n), one chunk per OpenMP
// thread when n >= kParallelGrain, else one call on this thread.
// Why not `#pragma omp parallel for simd` on the loop itself: GCC 12 outlines such a
// loop into a function that reads the captured pointers through memory and then does
// not vectorise it (seen in the fused Adam loop: scalar sqrt and divide, 4x slower).
// A plain loop inside `body`, over its own arguments, vectorises.
template <typename F>
void parallel_chunks(long n, F&& body) {
  if (n < kParallelGrain || get_num_threads() == 1) {
    body(0L, n);
    return;
  }
#pragma omp parallel
  {
    const long t = omp_get_thread_num(), threads = omp_get_num_threads();
    body(n * t / threads, n * (t + 1) / threads);
  }
}

}  // namespace rill
