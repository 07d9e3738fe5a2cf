// Tests that run one body on every device, checked against the CPU.
//
//   DEVICE_TEST_CASE("add broadcasts", "[tensor]") {
//     const Tensor a = on(device, pattern({3, 4}));           // `device` is the parameter
//     require_same(ops::add(a, a), ops::add(cpu_a, cpu_a));  // compared with the CPU result
//   }
//
// defines the body once and registers it as the Catch2 test case "add broadcasts (cuda)",
// run on the GPU and compared with the CPU. Without a GPU (or in a build without CUDA)
// it does not pass silently: it ends with RILL_SKIP, which ctest reports as skipped.
// There is no "(cpu)" twin: comparing the CPU with itself checks nothing (the CPU kernels
// are tested against float64 references in tests/tensor/). The body takes the device as a
// parameter so that a second accelerator backend would add one registration here.
#pragma once

#include "helpers.h"
#ifdef RILL_WITH_CUDA
#include "cuda/runtime.h"
#endif

namespace rill::test {

// Why this machine cannot run CUDA tensors, or "" when it can.
inline std::string no_gpu_reason() {
#ifdef RILL_WITH_CUDA
  return cuda::device_count() > 0 ? std::string() : std::string("no CUDA device");
#else
  return "no CUDA device (rill built without CUDA)";
#endif
}
// In a test body: skip the test (see RILL_SKIP) when there is no GPU.
#define SKIP_WITHOUT_GPU()                                                                   \
  do {                                                                                       \
    if (const std::string why = ::rill::test::no_gpu_reason(); !why.empty()) RILL_SKIP(why); \
  } while (0)

// x on `device` (a copy when it is elsewhere).
inline Tensor on(Device device, const Tensor& x) { return ops::to(x, device); }

// `actual` (any device) equals the CPU tensor `expected` within tol (absolute + relative).
inline void require_same(const Tensor& actual, const Tensor& expected, double tol) {
  REQUIRE(actual.dtype() == expected.dtype());
  require_close(actual, expected, tol);
}

// Tolerance for comparing two backends' float results: the kernels compute the same
// formulas, but in other orders (tree sums vs loops) and with other libm's.
inline double tol_for(DType d) { return d == DType::Float32 ? 2e-6 : 1e-12; }

inline constexpr DType kFloatTypes[] = {DType::Float32, DType::Float64};
inline constexpr DType kAllTypes[] = {DType::Float32, DType::Float64, DType::Int64};

}  // namespace rill::test

#define RILL_TEST_CAT2(a, b) a##b
#define RILL_TEST_CAT(a, b) RILL_TEST_CAT2(a, b)
#define DEVICE_TEST_CASE(name, tags) DEVICE_TEST_CASE_IMPL(name, tags, RILL_TEST_CAT(rill_device_test_, __LINE__))
#define DEVICE_TEST_CASE_IMPL(name, tags, body) \
  static void body(::rill::Device device);      \
  TEST_CASE(name " (cuda)", tags "[cuda]") {    \
    SKIP_WITHOUT_GPU();                         \
    body(::rill::Device::cuda());               \
  }                                             \
  static void body(::rill::Device device)
