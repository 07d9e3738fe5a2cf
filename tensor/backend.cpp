#include "tensor/backend.h"

#include "tensor/cpu/cpu_backend.h"

namespace rill {
namespace {
Backend* cuda_backend = nullptr;  // set by cuda/ when that backend is built and linked
}

Backend& backend(Device device) {
  if (device.is_cpu()) return cpu_backend();
  RILL_CHECK(cuda_backend != nullptr,
             "device {}: this build of rill has no CUDA backend (configure with -DRILL_CUDA=ON "
             "on a machine with nvcc)",
             device);
  return *cuda_backend;
}

void register_backend(DeviceType type, Backend* b) {
  RILL_CHECK(type == DeviceType::CUDA, "register_backend: only the CUDA backend can be registered");
  cuda_backend = b;
}

}  // namespace rill
