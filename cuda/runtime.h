// rill CUDA — device discovery. The backend itself (allocator, kernels, cuBLAS) is
// built behind tensor/backend.h in later work; this part answers "is there a GPU?".
#pragma once

#include <string>

namespace rill::cuda {

// Number of usable CUDA devices; 0 when there is no GPU or no driver (never throws).
int device_count();
// "NVIDIA H200 (sm_90, 139 GiB)" for device i, or why there is none.
std::string device_description(int index);

}  // namespace rill::cuda
