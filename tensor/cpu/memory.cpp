// rill CPU — memory. Host memory, 64-byte aligned (a cache line; what AVX-512 loads like).
#include <cstdlib>
#include <cstring>
#include <new>

#include "tensor/cpu/cpu_backend.h"

namespace rill {

CpuBackend& cpu_backend() {
  static CpuBackend instance;
  return instance;
}

void* CpuBackend::allocate(size_t nbytes) {
  constexpr size_t kAlign = 64;
  const size_t rounded = (nbytes + kAlign - 1) / kAlign * kAlign;
  if (rounded == 0) return nullptr;
  void* p = std::aligned_alloc(kAlign, rounded);
  RILL_CHECK(p != nullptr, "cpu allocate: out of memory allocating {} bytes", nbytes);
  return p;
}

void CpuBackend::deallocate(void* ptr, size_t /*nbytes*/) { std::free(ptr); }

void CpuBackend::copy_to_host(void* host_dst, const void* src, size_t nbytes) {
  if (nbytes) std::memcpy(host_dst, src, nbytes);
}

void CpuBackend::copy_from_host(void* dst, const void* host_src, size_t nbytes) {
  if (nbytes) std::memcpy(dst, host_src, nbytes);
}

}  // namespace rill
