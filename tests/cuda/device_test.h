// Tests that run one body on every device, checked against the CPU.
//
//   DEVICE_TEST_CASE("add broadcasts", "[tensor]") {
//     const Tensor a = on(device, pattern({3, 4}));           // `device` is the parameter
//     require_same(ops::add(a, a), ops::add(cpu_a, cpu_a));  // compared with the CPU result
//   }
//
// defines the body once and registers one Catch2 test case per device:
// "add broadcasts (cpu)" and "add broadcasts (cuda)". Without a GPU (or in a build
// without CUDA) the CUDA case does not pass silently: it emits the warning
// "no CUDA device: skipped", which tests/CMakeLists.txt turns into a ctest SKIP.
// (On the CPU the comparison with the CPU is trivially exact; the CPU kernels
// themselves are tested against float64 references in tests/tensor/.)
#pragma once

#include "helpers.h"
#ifdef RILL_WITH_CUDA
#include "cuda/runtime.h"
#endif

namespace rill::test {

// True (after saying so) when this machine cannot run CUDA tensors.
inline bool skip_without_gpu() {
#ifdef RILL_WITH_CUDA
  if (cuda::device_count() > 0) return false;
  WARN("no CUDA device: skipped");
#else
  WARN("no CUDA device: skipped (rill built without CUDA)");
#endif
  return true;
}

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
#define DEVICE_TEST_CASE_IMPL(name, tags, body)                          \
  static void body(::rill::Device device);                               \
  TEST_CASE(name " (cpu)", tags "[cpu]") { body(::rill::Device::cpu()); } \
  TEST_CASE(name " (cuda)", tags "[cuda]") {                             \
    if (::rill::test::skip_without_gpu()) return;                        \
    body(::rill::Device::cuda());                                        \
  }                                                                      \
  static void body(::rill::Device device)
