// rill examples — what every example run shares: the start-up report and the guards that
// stop a diverging run (the --out folder is run_dir.h).
#pragma once

#include <cstdint>
#include <string>

#include "examples/common/run_dir.h"
#include "tensor/device.h"

namespace rill::examples {

// Prints the BLAS library and core, the thread count and the device; sets the threads.
void startup_report(const std::string& program, int threads, Device device);

// Stops the run with a clear message if the loss or the gradient norm is NaN or infinite
// (before the optimizer step and before anything is saved, so the last good checkpoint stays).
void check_loss(double loss, int64_t step);
void check_grad_norm(double norm, int64_t step);

}  // namespace rill::examples
