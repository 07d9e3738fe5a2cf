#include <algorithm>

#include "cuda/allocator.h"
#include "cuda/check.h"
#include "cuda/context.h"

namespace rill::cuda {
namespace {
size_t round_up(size_t nbytes) {
  return (std::max<size_t>(nbytes, 1) + DeviceAllocator::kRoundBytes - 1) / DeviceAllocator::kRoundBytes *
         DeviceAllocator::kRoundBytes;
}
}  // namespace

void* DeviceAllocator::allocate(size_t nbytes) {
  const size_t rounded = round_up(nbytes);
  std::lock_guard<std::mutex> lock(mutex_);
  void* ptr = nullptr;
  if (auto it = free_blocks_.find(rounded); it != free_blocks_.end() && !it->second.empty()) {
    ptr = it->second.back();
    it->second.pop_back();
    stats_.cached_bytes -= rounded;
    ++stats_.reuses;
  } else {
    ptr = fresh_block(rounded);
    ++stats_.cuda_malloc_calls;
  }
  stats_.allocated_bytes += rounded;
  stats_.peak_allocated_bytes = std::max(stats_.peak_allocated_bytes, stats_.allocated_bytes);
  return ptr;
}

void* DeviceAllocator::fresh_block(size_t rounded) {
  void* ptr = nullptr;
  cudaError_t status = cudaMalloc(&ptr, rounded);
  if (status == cudaErrorMemoryAllocation) {  // out of memory: give the cache back, try once more
    cudaGetLastError();
    release_cache_locked();
    status = cudaMalloc(&ptr, rounded);
  }
  if (status != cudaSuccess) {
    cudaGetLastError();
    RILL_CHECK(device_count() > 0, "allocate: no usable CUDA device for cuda:0 (cudaMalloc: {})",
               cudaGetErrorString(status));
    throw Error(fmt::format("allocate: cudaMalloc of {} bytes on cuda:0 failed: {} ({} bytes in use by tensors)",
                            rounded, cudaGetErrorString(status), stats_.allocated_bytes));
  }
  return ptr;
}

void DeviceAllocator::deallocate(void* ptr, size_t nbytes) {
  if (ptr == nullptr) return;
  const size_t rounded = round_up(nbytes);
  std::lock_guard<std::mutex> lock(mutex_);
  free_blocks_[rounded].push_back(ptr);
  stats_.allocated_bytes -= rounded;
  stats_.cached_bytes += rounded;
}

void DeviceAllocator::release_cache_locked() {
  // Kernels queued on rill's stream may still use a cached block: wait for them first
  // (the stream is non-blocking, so cudaFree's implicit wait is not to be relied on).
  RILL_CUDA_CHECK(cudaStreamSynchronize(stream()), "empty_cache");
  // Each block leaves the cache as it is freed, so a failing cudaFree leaves no freed
  // block behind to be handed out or freed again.
  for (auto it = free_blocks_.begin(); it != free_blocks_.end(); it = free_blocks_.erase(it))
    while (!it->second.empty()) {
      void* p = it->second.back();
      it->second.pop_back();
      stats_.cached_bytes -= it->first;
      RILL_CUDA_CHECK(cudaFree(p), "empty_cache");
    }
}

void DeviceAllocator::empty_cache() {
  std::lock_guard<std::mutex> lock(mutex_);
  release_cache_locked();
}

MemoryStats DeviceAllocator::stats() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return stats_;
}

void DeviceAllocator::reset_peak() {
  std::lock_guard<std::mutex> lock(mutex_);
  stats_.peak_allocated_bytes = stats_.allocated_bytes;
}

DeviceAllocator& device_allocator() {
  // Never destroyed: tensors in static storage may be freed after it would be.
  static DeviceAllocator* instance = new DeviceAllocator();
  return *instance;
}

MemoryStats memory_stats() { return device_allocator().stats(); }
void reset_peak_memory_stats() { device_allocator().reset_peak(); }
void empty_cache() { device_allocator().empty_cache(); }

}  // namespace rill::cuda
