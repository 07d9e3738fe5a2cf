// What only the CUDA device has: the caching allocator's statistics and the errors
// for tensors on different devices. Skipped visibly without a GPU.
#include "cuda/device_test.h"

using namespace rill;

#ifdef RILL_WITH_CUDA
TEST_CASE("cuda: the caching allocator reuses freed blocks of the same size", "[cuda][allocator]") {
  SKIP_WITHOUT_GPU();
  cuda::synchronize();
  const size_t n = 1000003;  // an odd element count: rounded up to the allocator's granule
  const cuda::MemoryStats before = cuda::memory_stats();
  void* first = nullptr;
  {
    const Tensor a = empty({static_cast<int64_t>(n)}, Device::cuda());
    first = a.raw_data();
    const cuda::MemoryStats s = cuda::memory_stats();
    CHECK(s.allocated_bytes >= before.allocated_bytes + 4 * n);
    CHECK(s.peak_allocated_bytes >= s.allocated_bytes);
  }
  const cuda::MemoryStats freed = cuda::memory_stats();
  CHECK(freed.allocated_bytes == before.allocated_bytes);
  CHECK(freed.cached_bytes >= 4 * n);
  // The same size again: served from the cache, no cudaMalloc, the same block.
  const Tensor b = empty({static_cast<int64_t>(n)}, Device::cuda());
  const cuda::MemoryStats again = cuda::memory_stats();
  CHECK(b.raw_data() == first);
  CHECK(again.cuda_malloc_calls == freed.cuda_malloc_calls);
  CHECK(again.reuses == freed.reuses + 1);
  // Another size: a fresh block.
  const Tensor c = empty({static_cast<int64_t>(n + 4096)}, Device::cuda());
  CHECK(cuda::memory_stats().cuda_malloc_calls == freed.cuda_malloc_calls + 1);
  cuda::empty_cache();
  CHECK(cuda::memory_stats().cached_bytes == 0);
  cuda::reset_peak_memory_stats();
  CHECK(cuda::memory_stats().peak_allocated_bytes == cuda::memory_stats().allocated_bytes);
}

TEST_CASE("cuda: a training step reuses its buffers instead of calling cudaMalloc", "[cuda][allocator]") {
  SKIP_WITHOUT_GPU();
  manual_seed(1);
  nn::MLP model(2, 64);
  model.to(Device::cuda());
  nn::Adam opt(model.named_parameters(), {1e-3});
  const Tensor x = randn({128, 2}, Device::cuda()), t = rand({128}, Device::cuda());
  auto step = [&] {
    opt.zero_grad();
    const Tensor loss = mse_loss(model(t, x), x);
    autograd::backward(loss);
    opt.step();
  };
  step(), step();  // warm up: the optimizer state and the cache fill
  const size_t mallocs = cuda::memory_stats().cuda_malloc_calls;
  step(), step();
  CHECK(cuda::memory_stats().cuda_malloc_calls == mallocs);
}

TEST_CASE("cuda: ops on tensors on different devices name the op and the devices", "[cuda][errors]") {
  SKIP_WITHOUT_GPU();
  const Tensor a = ones({2, 3}), b = ones({2, 3}, Device::cuda());
  REQUIRE_ERROR(ops::add(a, b), "add: tensors are on different devices (cpu and cuda:0)");
  REQUIRE_ERROR(ops::matmul(a, ops::transpose(b, 0, 1)), "matmul: operands on different devices (cpu and cuda:0)");
  REQUIRE_ERROR(ops::where(b, a, a), "where: tensors are on different devices (cuda:0 and cpu)");
  REQUIRE_ERROR(ops::cat({a, b}, 0), "cat: tensor 1 is float32 on cuda:0, tensor 0 is float32 on cpu");
  REQUIRE_ERROR(ops::index_select(b, 0, tensor(std::vector<int64_t>{0})), "index_select: x on cuda:0 but index on cpu");
  REQUIRE_ERROR(ops::copy_(a, b), "copy_: destination on cpu but source on cuda:0");
  // An index out of range is caught before any kernel runs.
  REQUIRE_ERROR(ops::index_select(b, 0, tensor(std::vector<int64_t>{2}, {}, Device::cuda())), "index_select");
}
#endif

TEST_CASE("cuda: the device query never throws", "[cuda]") {
#ifdef RILL_WITH_CUDA
  const int n = cuda::device_count();
  CHECK(n >= 0);
  // Without a device, the query itself is what this test checks (it answered 0, no throw).
  if (n > 0) CHECK_FALSE(cuda::device_description(0).empty());
#else
  SKIP_WITHOUT_GPU();
#endif
}

// rill_cuda registers its backend from a static constructor (cuda/register.cpp), which a
// static library member nobody refers to would lose: it is an object file that every
// program linking rill_cuda gets (cuda/CMakeLists.txt). No GPU is needed to see that the
// registration happened.
TEST_CASE("cuda: the CUDA backend registered itself with the tensor layer", "[cuda]") {
#ifdef RILL_WITH_CUDA
  CHECK(std::string(backend(Device::cuda()).name()) == "cuda");
  REQUIRE_ERROR(backend(Device::cuda(1)), "device cuda:1: rill's CUDA backend uses one GPU, cuda:0");
#else
  REQUIRE_ERROR(backend(Device::cuda()), "device cuda:0: this build of rill has no CUDA backend");
#endif
}
