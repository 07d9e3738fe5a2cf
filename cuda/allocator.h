// rill CUDA — a caching allocator for device memory.
//
// Why: cudaMalloc and cudaFree are slow (they synchronise the device and can take
// hundreds of microseconds), and a training step frees and re-requests the same
// buffers every iteration. Freed blocks are therefore kept and handed out again.
//
// How (the same design as the CPU's tensor/cpu/allocator.h): sizes are rounded up
// to kRoundBytes; free lists are keyed by rounded size; a request takes a cached
// block of exactly its rounded size if there is one, else calls cudaMalloc. When
// cudaMalloc runs out of memory, the cache is emptied and the call retried once.
// Blocks go back to the driver only in empty_cache().
//
// Reuse without events is safe because rill issues all device work on one stream
// (context.h): work that reuses a block is queued after all work that used it.
#pragma once

#include <cstddef>
#include <map>
#include <mutex>
#include <vector>

#include "cuda/runtime.h"

namespace rill::cuda {

class DeviceAllocator {
 public:
  static constexpr size_t kRoundBytes = 512;  // also cudaMalloc's alignment is 256

  void* allocate(size_t nbytes);
  void deallocate(void* ptr, size_t nbytes);
  void empty_cache();
  MemoryStats stats() const;
  void reset_peak();

 private:
  void* fresh_block(size_t rounded);  // cudaMalloc, emptying the cache once on failure
  void release_cache_locked();

  std::map<size_t, std::vector<void*>> free_blocks_;  // rounded size -> cached blocks
  MemoryStats stats_;
  mutable std::mutex mutex_;
};

// The allocator behind every CUDA tensor.
DeviceAllocator& device_allocator();

}  // namespace rill::cuda
