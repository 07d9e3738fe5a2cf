#include "examples/common/run.h"

#include <cmath>

#include "tensor/blas_info.h"
#include "tensor/threads.h"

namespace rill::examples {

void startup_report(const std::string& program, int threads, Device device) {
  if (threads > 0) set_num_threads(threads);
  fmt::print("{}: BLAS {}\n{}: {} threads, device {}\n", program, blas_info(), program, get_num_threads(), device);
  if (const std::string advice = blas_core_advice(); !advice.empty()) fmt::print("{}: note: {}\n", program, advice);
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
