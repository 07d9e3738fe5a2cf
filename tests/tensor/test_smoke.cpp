// The smoke run: what a user sees first (README's main command, until the examples
// exist). It reports the machine setup and runs a small computation end to end:
// least squares for y = 2 x0 - 3 x1 + 0.5 through the normal equations, by
// Richardson iteration with matmul, checked against the known coefficients.
#include "helpers.h"
#ifdef RILL_WITH_CUDA
#include "cuda/runtime.h"
#endif

using namespace rill;

TEST_CASE("smoke: setup report and a small regression end to end", "[smoke]") {
  fmt::print("rill smoke run\n  BLAS:    {}\n  threads: {}\n", blas_info(), get_num_threads());
#ifdef RILL_WITH_CUDA
  const int gpus = cuda::device_count();
  fmt::print("  CUDA:    built; {} device(s){}\n", gpus, gpus > 0 ? ": " + cuda::device_description(0) : "");
#else
  fmt::print("  CUDA:    not built\n");
#endif
  CHECK(!blas_core().empty());

  Generator gen(0);
  const Tensor x = randn({256, 2}, DType::Float64, &gen);
  const Tensor X = ops::cat({x, ones({256, 1}, DType::Float64)}, 1);            // [256, 3]
  const Tensor y = ops::matmul(X, tensor(std::vector<double>{2, -3, 0.5}));     // [256]
  const Tensor XtX = ops::div(ops::matmul(ops::transpose(X, 0, 1), X), 256.0);  // [3, 3]
  const Tensor Xty = ops::div(ops::matmul(ops::transpose(X, 0, 1), y), 256.0);  // [3]
  Tensor w = zeros({3}, DType::Float64);
  for (int it = 0; it < 500; ++it)  // w <- w + 0.5 (X^T y - X^T X w)
    w = ops::add(w, ops::mul(ops::sub(Xty, ops::matmul(XtX, w)), 0.5));
  fmt::print("  fit:     {}  (expected [2, -3, 0.5])\n", w);
  rill::test::require_close(w, {2, -3, 0.5}, 1e-9);
}
