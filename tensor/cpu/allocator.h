// rill CPU — a caching allocator for host memory.
//
// Why: a training step allocates the same large buffers (activations, columns,
// gradients) every iteration. Fresh large allocations come from the kernel via mmap,
// and the first write to every 4 KiB page then faults: for a 58 MB GEMM output that
// alone made ops::matmul 3x slower than the GEMM itself. Keeping freed blocks and
// handing them out again for a request of the same size removes that cost.
//
// How: blocks of at least kMinCachedBytes are kept on free lists keyed by their
// (64-byte rounded) size; a request takes a cached block of exactly its size if one
// exists. Smaller blocks go straight to malloc, which handles them well. The cache
// holds at most kMaxCachedBytes; beyond that, freed blocks go back to the system.
// empty_cache() returns everything cached. (The CUDA backend has the same design.)
//
// A cached block stays allocated as far as AddressSanitizer can tell, so a use after
// free of a tensor's memory goes unnoticed while the block waits in the cache. With
// caching off every block goes straight back to the system instead. The host allocator
// caches unless the build says otherwise (CMake RILL_CACHING_ALLOCATOR, OFF by default
// under RILL_SANITIZE) or the environment does: RILL_CACHING_ALLOCATOR=0 turns it off,
// =1 on, for one run.
#pragma once

#include <cstddef>
#include <map>
#include <mutex>
#include <vector>

namespace rill::cpu {

class CachingAllocator {
 public:
  static constexpr size_t kAlignment = 64;                    // a cache line; AVX-512 loads
  static constexpr size_t kMinCachedBytes = size_t{1} << 18;  // 256 KiB
  static constexpr size_t kMaxCachedBytes = size_t{4} << 30;  // 4 GiB

  struct Stats {
    size_t allocated_bytes = 0;   // handed out and not yet freed
    size_t cached_bytes = 0;      // kept for reuse
    size_t hits = 0, misses = 0;  // large requests served from / not from the cache
  };

  explicit CachingAllocator(bool caching = true) : caching_(caching) {}
  bool caching() const { return caching_; }

  void* allocate(size_t nbytes);
  void deallocate(void* ptr, size_t nbytes);
  void empty_cache();
  Stats stats() const;

 private:
  std::map<size_t, std::vector<void*>> free_blocks_;  // rounded size -> cached blocks
  Stats stats_;
  const bool caching_;
  mutable std::mutex mutex_;
};

CachingAllocator& host_allocator();

}  // namespace rill::cpu
