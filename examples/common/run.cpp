#include "examples/common/run.h"

#include <cmath>

#include "tensor/blas_info.h"
#include "tensor/threads.h"

namespace rill::examples {

void startup_report(const std::string& program, int threads, Device device) {
  if (threads > 0) set_num_threads(threads);
  // float32 GEMMs do not go through OpenBLAS, so its kernel choice (OPENBLAS_CORETYPE)
  // no longer matters to these programs: no advice about it here (the benchmarks print it).
  fmt::print("{}: GEMM {}; BLAS {}\n{}: {} threads, device {}\n", program, gemm_info(), blas_info(), program,
             get_num_threads(), device);
}

void check_loss(double loss, int64_t step) {
  RILL_CHECK(std::isfinite(loss),
             "training stopped: the loss became {} at step {}; nothing was saved after the last checkpoint "
             "(try a lower --lr)",
             loss, step);
}

void check_grad_norm(double norm, int64_t step) {
  RILL_CHECK(std::isfinite(norm),
             "training stopped: the gradient norm became {} at step {}; nothing was saved after the last checkpoint "
             "(try a lower --lr)",
             norm, step);
}

}  // namespace rill::examples
