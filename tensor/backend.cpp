#include "tensor/backend.h"

#include "tensor/cpu/cpu_backend.h"

#ifdef RILL_WITH_CUDA
// Defined in cuda/cuda_backend.h (rill_cuda): registers the CUDA backend. Called
// explicitly, not from a static initialiser, so that the static linker keeps it;
// cuda/cuda_backend.h says why.
namespace rill::cuda {
void register_cuda_backend();
}
#endif

namespace rill {
namespace {
Backend* cuda_backend = nullptr;  // set by cuda/ when that backend is built and linked
}

Backend& backend(Device device) {
  if (device.is_cpu()) return cpu_backend();
#ifdef RILL_WITH_CUDA
  static const bool registered = (cuda::register_cuda_backend(), true);
  (void)registered;
#endif
  RILL_CHECK(cuda_backend != nullptr,
             "device {}: this build of rill has no CUDA backend (configure with -DRILL_CUDA=ON "
             "on a machine with nvcc)",
             device);
  // The backend drives one GPU (one stream, one allocator); more would need a
  // backend per device.
  RILL_CHECK(device.index == 0, "device {}: rill's CUDA backend uses one GPU, cuda:0", device);
  return *cuda_backend;
}

void register_backend(DeviceType type, Backend* b) {
  RILL_CHECK(type == DeviceType::CUDA, "register_backend: only the CUDA backend can be registered");
  cuda_backend = b;
}

}  // namespace rill
