#include "tensor/cpu/allocator.h"

#include <cstdlib>
#include <string_view>

#include "tensor/error.h"

namespace rill::cpu {

namespace {
size_t rounded(size_t nbytes) {
  return (nbytes + CachingAllocator::kAlignment - 1) / CachingAllocator::kAlignment * CachingAllocator::kAlignment;
}
// The build's choice (RILL_CACHING_ALLOCATOR_DEFAULT, from CMake), unless the
// environment variable RILL_CACHING_ALLOCATOR says 0 or 1.
bool caching_wanted() {
#ifndef RILL_CACHING_ALLOCATOR_DEFAULT
#define RILL_CACHING_ALLOCATOR_DEFAULT 1
#endif
  const char* env = std::getenv("RILL_CACHING_ALLOCATOR");
  if (env == nullptr) return RILL_CACHING_ALLOCATOR_DEFAULT;
  RILL_CHECK(std::string_view(env) == "0" || std::string_view(env) == "1",
             "RILL_CACHING_ALLOCATOR must be 0 (off) or 1 (on), got '{}'", env);
  return std::string_view(env) == "1";
}

}  // namespace

CachingAllocator& host_allocator() {
  // Never destroyed: tensors may outlive statics.
  static CachingAllocator* instance = new CachingAllocator(caching_wanted());
  return *instance;
}

void* CachingAllocator::allocate(size_t nbytes) {
  const size_t size = rounded(nbytes);
  if (size == 0) return nullptr;
  if (caching_ && size >= kMinCachedBytes) {
    std::lock_guard<std::mutex> lock(mutex_);
    stats_.allocated_bytes += size;
    auto it = free_blocks_.find(size);
    if (it != free_blocks_.end() && !it->second.empty()) {
      void* p = it->second.back();
      it->second.pop_back();
      stats_.cached_bytes -= size;
      ++stats_.hits;
      return p;
    }
    ++stats_.misses;
  } else {
    std::lock_guard<std::mutex> lock(mutex_);
    stats_.allocated_bytes += size;
  }
  void* p = std::aligned_alloc(kAlignment, size);
  RILL_CHECK(p != nullptr, "cpu allocate: out of memory allocating {} bytes", nbytes);
  return p;
}

void CachingAllocator::deallocate(void* ptr, size_t nbytes) {
  if (ptr == nullptr) return;
  const size_t size = rounded(nbytes);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stats_.allocated_bytes -= size;
    if (caching_ && size >= kMinCachedBytes && stats_.cached_bytes + size <= kMaxCachedBytes) {
      free_blocks_[size].push_back(ptr);
      stats_.cached_bytes += size;
      return;
    }
  }
  std::free(ptr);
}

void CachingAllocator::empty_cache() {
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto& [size, blocks] : free_blocks_)
    for (void* p : blocks) std::free(p);
  free_blocks_.clear();
  stats_.cached_bytes = 0;
}

CachingAllocator::Stats CachingAllocator::stats() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return stats_;
}

}  // namespace rill::cpu
