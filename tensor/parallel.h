// rill — threads.
//
// Two thread pools do rill's work on the CPU: OpenMP (our own loops) and OpenBLAS
// (GEMM). If both used all cores at once they would fight, so rill runs them one
// after the other and sets both to the same count with one knob.
#pragma once

#include <omp.h>

#include <string>

namespace rill {

// Sets the thread count for OpenMP loops and OpenBLAS together (n >= 1).
void set_num_threads(int n);
int get_num_threads();

// The BLAS in use, e.g. "OpenBLAS 0.3.21 (core Haswell, pthread)".
std::string blas_info();
// OpenBLAS's kernel family, e.g. "Haswell", "SkylakeX", or "Prescott" (its slow generic fallback).
std::string blas_core();
// The faster core this CPU supports when OpenBLAS does not run it, else "". OpenBLAS
// picks its kernels when the library loads, from the CPU or from the environment
// variable OPENBLAS_CORETYPE, and may pick slower ones than the CPU can run: an older
// OpenBLAS does not recognise some new CPUs (its generic "Prescott" kernel: ~5x slower),
// and an OPENBLAS_CORETYPE meant for another machine sticks (our development machine sets
// Haswell on an AVX-512 CPU: half the sgemm GFLOP/s of SkylakeX, measured). The fix is
// OPENBLAS_CORETYPE=<suggested core> before the program starts.
std::string suggested_blas_core();
// A one-line note telling the user the fix, or "" when the core is right.
std::string blas_core_advice();

// Loops smaller than this run on one thread: below it, waking threads costs more
// than it saves.
inline constexpr long kParallelGrain = 32768;

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
