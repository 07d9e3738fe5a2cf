// rill CPU — random fills. Element i is a pure function of (seed, offset, i) as
// specified in tensor/philox.h, so the loop can be split across threads freely.
#include <cmath>

#include "tensor/cpu/cpu_backend.h"
#include "tensor/cpu/parallel.h"
#include "tensor/philox.h"

namespace rill {

void CpuBackend::random_uniform(const Tensor& out, uint64_t seed, uint64_t offset) {
  const int64_t n = out.numel();
  dispatch_float(out.dtype(), "rand", [&]<typename T>() {
    T* p = static_cast<T*>(out.raw_data());
#pragma omp parallel for schedule(static) if (n >= kParallelGrain / 8)
    for (int64_t i = 0; i < n; ++i) {
      const philox::Block b = philox::block(seed, offset + static_cast<uint64_t>(i));
      if constexpr (std::is_same_v<T, float>)
        p[i] = philox::uniform24(b.x[0]);
      else
        p[i] = philox::uniform53(b.x[0], b.x[1]);
    }
  });
}

void CpuBackend::random_normal(const Tensor& out, uint64_t seed, uint64_t offset) {
  const int64_t n = out.numel();
  dispatch_float(out.dtype(), "randn", [&]<typename T>() {
    T* p = static_cast<T*>(out.raw_data());
#pragma omp parallel for schedule(static) if (n >= kParallelGrain / 8)
    for (int64_t i = 0; i < n; ++i) {
      // Box-Muller on block i/2: (r cos theta, r sin theta) feed elements 2j and 2j+1.
      const philox::Block b = philox::block(seed, offset + static_cast<uint64_t>(i / 2));
      const double u1 = 1.0 - philox::uniform53(b.x[0], b.x[1]);  // (0, 1]: log is finite
      const double u2 = philox::uniform53(b.x[2], b.x[3]);
      const double r = std::sqrt(-2.0 * std::log(u1));
      const double theta = 2.0 * M_PI * u2;
      p[i] = static_cast<T>(i % 2 == 0 ? r * std::cos(theta) : r * std::sin(theta));
    }
  });
}

void CpuBackend::random_int(const Tensor& out, int64_t low, int64_t high, uint64_t seed, uint64_t offset) {
  const int64_t n = out.numel();
  dispatch(out.dtype(), "randint", [&]<typename T>() {
    T* p = static_cast<T*>(out.raw_data());
#pragma omp parallel for schedule(static) if (n >= kParallelGrain / 8)
    for (int64_t i = 0; i < n; ++i)
      p[i] = static_cast<T>(philox::int_in_range(philox::block(seed, offset + static_cast<uint64_t>(i)), low, high));
  });
}

}  // namespace rill
