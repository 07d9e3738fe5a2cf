#include "tensor/parallel.h"

#include <cblas.h>
#include <omp.h>

#include "tensor/error.h"

namespace rill {

void set_num_threads(int n) {
  RILL_CHECK(n >= 1, "set_num_threads: need at least 1 thread, got {}", n);
  omp_set_num_threads(n);
  openblas_set_num_threads(n);
}

int get_num_threads() { return omp_get_max_threads(); }

std::string blas_core() {
  // openblas_get_corename() returns e.g. "Haswell" / "SkylakeX" / "Prescott".
  return openblas_get_corename();
}

std::string blas_info() {
  const int parallel = openblas_get_parallel();  // 0 sequential, 1 pthreads, 2 OpenMP
  const char* mode = parallel == 0 ? "sequential" : parallel == 1 ? "pthreads" : "OpenMP";
  return fmt::format("{} (core {}, {}, {} threads)", openblas_get_config(), blas_core(), mode,
                     openblas_get_num_threads());
}

}  // namespace rill
