// bench_gemm — float32 GEMM throughput: OpenBLAS, rill's tensor API, rill's own GEMM.
//
// For each shape this times
//   BLAS:        cblas_sgemm on preallocated buffers (one call per batch element), with
//                the kernels OpenBLAS picked (OPENBLAS_CORETYPE decides them)
//   ops::matmul: rill's tensor API, allocating its output each call as a training step
//                would; float32 runs on rill's own GEMM (tensor/cpu/sgemm.h)
//   gemm_nn:     rill's own GEMM on the BLAS column's buffers (B's rows given as pointers),
//                its micro-kernel chosen from the CPU's flags
// and prints GFLOP/s (2 M N K B flops per product).
//
// Shapes: a square 1024^3, and the GEMMs of the MNIST U-Net's convolutions
// (docs/models.md, batch 64) lowered by im2col: weight [Cout, C*9] times
// columns [B, C*9, H*W] per image, and the input-gradient GEMM w^T @ dY that uses a
// transposed view of the weight.
//
// Usage: bench_gemm [threads]     (OPENBLAS_CORETYPE=SkylakeX selects a kernel by hand)
#include <cblas.h>

#include <chrono>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include "tensor/cpu/sgemm.h"
#include "tensor/ops.h"

using namespace rill;

namespace {

struct Shape3 {
  std::string name;
  int64_t M, K, N, B;
  bool transposed_weight;  // a = transpose of a [K, M] tensor (backward-style GEMM)
};

// Seconds per call of f: repeats until at least `budget` seconds have passed (after one warm-up).
double seconds_per_call(const std::function<void()>& f, double budget = 1.0) {
  f();
  int64_t calls = 0;
  const auto start = std::chrono::steady_clock::now();
  double elapsed = 0;
  do {
    f();
    ++calls;
    elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  } while (elapsed < budget);
  return elapsed / static_cast<double>(calls);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1) set_num_threads(std::atoi(argv[1]));
  fmt::print("BLAS: {}\nthreads: {}\n\n", blas_info(), get_num_threads());
  if (const std::string advice = blas_core_advice(); !advice.empty()) fmt::print("note: {}\n\n", advice);
  const std::vector<Shape3> shapes = {
      {"square 1024^3", 1024, 1024, 1024, 1, false},          {"conv 28x28 32->32 fwd", 32, 288, 784, 64, false},
      {"conv 14x14 64->64 fwd", 64, 576, 196, 64, false},     {"conv 7x7 64->64 fwd", 64, 576, 49, 64, false},
      {"conv 28x28 32->32 dX (w^T)", 288, 32, 784, 64, true},
  };
  fmt::print("rill's own GEMM: {} micro-kernel\n\n", cpu::isa_name(cpu::gemm_isa()));
  fmt::print("{:<28} {:>5} {:>5} {:>5} {:>4} {:>12} {:>12} {:>12}   (GFLOP/s)\n", "shape", "M", "K", "N", "B", "BLAS",
             "ops::matmul", "gemm_nn");
  Generator gen(0);
  for (const Shape3& s : shapes) {
    const Tensor a =
        s.transposed_weight ? ops::transpose(randn({s.K, s.M}, {}, &gen), 0, 1) : randn({s.M, s.K}, {}, &gen);
    const Tensor b = randn({s.B, s.K, s.N}, {}, &gen);
    std::vector<float> c(static_cast<size_t>(s.B * s.M * s.N));
    const float* pa = a.data<float>();
    const float* pb = b.data<float>();
    const auto trans = s.transposed_weight ? CblasTrans : CblasNoTrans;
    const int64_t lda = s.transposed_weight ? s.M : s.K;
    const double raw = seconds_per_call([&] {
      for (int64_t i = 0; i < s.B; ++i)
        cblas_sgemm(CblasRowMajor, trans, CblasNoTrans, s.M, s.N, s.K, 1.0f, pa, lda, pb + i * s.K * s.N, s.N, 0.0f,
                    c.data() + i * s.M * s.N, s.N);
    });
    const double api = seconds_per_call([&] { (void)ops::matmul(a, b); });
    const double flops = 2.0 * s.M * s.N * s.K * s.B;
    std::string own = "-";  // gemm_nn takes A row-major: the transposed-weight shape is not its case
    if (!s.transposed_weight) {
      std::vector<const float*> rows(static_cast<size_t>(s.B * s.K));
      for (int64_t i = 0; i < s.B * s.K; ++i) rows[i] = pb + i * s.N;
      const int threads = get_num_threads();
      std::vector<float> scratch(static_cast<size_t>(cpu::gemm_scratch(s.M, s.K, threads)));
      const double t = seconds_per_call([&] {
        for (int64_t i = 0; i < s.B; ++i)
          cpu::gemm_nn(s.M, s.N, s.K, pa, lda, rows.data() + i * s.K, c.data() + i * s.M * s.N, s.N, false,
                       scratch.data(), threads);
      });
      own = fmt::format("{:.1f}", flops / t / 1e9);
    }
    fmt::print("{:<28} {:>5} {:>5} {:>5} {:>4} {:>12.1f} {:>12.1f} {:>12}\n", s.name, s.M, s.K, s.N, s.B,
               flops / raw / 1e9, flops / api / 1e9, own);
  }
}
