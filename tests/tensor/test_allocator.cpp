#include "helpers.h"
#include "tensor/cpu/allocator.h"

using namespace rill;

TEST_CASE("the host caching allocator reuses freed large blocks of the same size", "[tensor][allocator]") {
  cpu::CachingAllocator alloc;
  const size_t big = size_t{1} << 20;
  void* a = alloc.allocate(big);
  CHECK(reinterpret_cast<uintptr_t>(a) % cpu::CachingAllocator::kAlignment == 0);
  CHECK(alloc.stats().allocated_bytes == big);
  alloc.deallocate(a, big);
  CHECK(alloc.stats().allocated_bytes == 0);
  CHECK(alloc.stats().cached_bytes == big);
  void* b = alloc.allocate(big);  // same size: the cached block comes back
  CHECK(b == a);
  CHECK(alloc.stats().hits == 1);
  CHECK(alloc.stats().misses == 1);
  void* c = alloc.allocate(big + 4096);  // another size: a fresh block
  CHECK(c != a);
  CHECK(alloc.stats().misses == 2);
  alloc.deallocate(b, big);
  alloc.deallocate(c, big + 4096);
  CHECK(alloc.stats().cached_bytes == 2 * big + 4096);
  alloc.empty_cache();
  CHECK(alloc.stats().cached_bytes == 0);
  // Small blocks are not cached.
  void* s = alloc.allocate(100);
  alloc.deallocate(s, 100);
  CHECK(alloc.stats().cached_bytes == 0);
}

TEST_CASE("tensors go through the host allocator", "[tensor][allocator]") {
  const auto before = cpu::host_allocator().stats();
  {
    const Tensor t = zeros({1 << 20});  // 4 MiB
    CHECK(cpu::host_allocator().stats().allocated_bytes == before.allocated_bytes + (size_t{4} << 20));
  }
  CHECK(cpu::host_allocator().stats().allocated_bytes == before.allocated_bytes);
}

TEST_CASE("with caching off, every block goes back to the system (what AddressSanitizer needs)",
          "[tensor][allocator]") {
  cpu::CachingAllocator alloc(false);
  CHECK_FALSE(alloc.caching());
  const size_t big = size_t{1} << 20;
  void* a = alloc.allocate(big);
  CHECK(alloc.stats().allocated_bytes == big);
  alloc.deallocate(a, big);
  CHECK(alloc.stats().allocated_bytes == 0);
  CHECK(alloc.stats().cached_bytes == 0);  // freed, not kept
  void* b = alloc.allocate(big);
  CHECK(alloc.stats().hits == 0);
  alloc.deallocate(b, big);
  // The process-wide allocator follows the build (RILL_CACHING_ALLOCATOR) and the
  // environment variable of the same name.
  const char* env = std::getenv("RILL_CACHING_ALLOCATOR");
  if (env != nullptr) CHECK(cpu::host_allocator().caching() == (std::string(env) == "1"));
}
