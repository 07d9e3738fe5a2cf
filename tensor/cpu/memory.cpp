// rill CPU — memory: host memory through the caching allocator (allocator.h).
#include <cstring>

#include "tensor/cpu/allocator.h"
#include "tensor/cpu/cpu_backend.h"

namespace rill {

CpuBackend& cpu_backend() {
  static CpuBackend instance;
  return instance;
}

void* CpuBackend::allocate(size_t nbytes) { return cpu::host_allocator().allocate(nbytes); }

void CpuBackend::deallocate(void* ptr, size_t nbytes) { cpu::host_allocator().deallocate(ptr, nbytes); }

void CpuBackend::copy_to_host(void* host_dst, const void* src, size_t nbytes) {
  if (nbytes) std::memcpy(host_dst, src, nbytes);
}

void CpuBackend::copy_from_host(void* dst, const void* host_src, size_t nbytes) {
  if (nbytes) std::memcpy(dst, host_src, nbytes);
}

}  // namespace rill
