#include "tensor/blas_info.h"

#include <cblas.h>

#include <cstdlib>

#include "tensor/cpu/sgemm.h"
#include "tensor/error.h"

namespace rill {

std::string blas_core() {
  // openblas_get_corename() returns e.g. "Haswell" / "SkylakeX" / "Prescott".
  return openblas_get_corename();
}

std::string suggested_blas_core() {
  const std::string core = blas_core();
  const auto is = [&](std::initializer_list<const char*> names) {
    for (const char* n : names)
      if (core == n) return true;
    return false;
  };
  // OpenBLAS's SkylakeX kernels use AVX-512 F, CD, BW, DQ and VL.
  const bool avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512cd") &&
                      __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq") &&
                      __builtin_cpu_supports("avx512vl");
  if (avx512 && !is({"SkylakeX", "Cooperlake", "SapphireRapids"})) return "SkylakeX";
  const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  if (avx2 && !avx512 && !is({"Haswell", "Zen", "SkylakeX", "Cooperlake", "SapphireRapids"})) return "Haswell";
  return "";
}

std::string blas_core_advice() {
  const std::string better = suggested_blas_core();
  if (better.empty()) return "";
  const char* forced = std::getenv("OPENBLAS_CORETYPE");
  const std::string chosen =
      forced ? fmt::format("OPENBLAS_CORETYPE={} selects OpenBLAS's '{}' kernels", forced, blas_core())
             : fmt::format("OpenBLAS chose its '{}' kernels", blas_core());
  return fmt::format(
      "{}, but this CPU runs its faster '{}' kernels (2x sgemm with AVX-512, 5x over the generic "
      "one): for float64 and the BLAS reference set OPENBLAS_CORETYPE={} before starting (float32 runs on "
      "rill's own GEMM, {})",
      chosen, better, better, gemm_info());
}

std::string gemm_info() { return fmt::format("rill's own, {} micro-kernel", cpu::isa_name(cpu::gemm_isa())); }

std::string blas_info() {
  const int parallel = openblas_get_parallel();  // 0 sequential, 1 pthreads, 2 OpenMP
  const char* mode = parallel == 0 ? "sequential" : parallel == 1 ? "pthreads" : "OpenMP";
  return fmt::format("{} (core {}, {}, {} threads)", openblas_get_config(), blas_core(), mode,
                     openblas_get_num_threads());
}

}  // namespace rill
