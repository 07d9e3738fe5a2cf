// rill — threads.
//
// Two thread pools do rill's work on the CPU: OpenMP (our own loops) and OpenBLAS
// (GEMM). If both used all cores at once they would fight, so rill runs them one
// after the other and sets both to the same count with one knob. (How a CPU kernel
// splits a loop over the threads: tensor/cpu/parallel.h.)
#pragma once

namespace rill {

// Sets the thread count for OpenMP loops and OpenBLAS together (n >= 1).
void set_num_threads(int n);
int get_num_threads();

// Loops smaller than this run on one thread: below it, waking threads costs more
// than it saves.
inline constexpr long kParallelGrain = 32768;

}  // namespace rill
