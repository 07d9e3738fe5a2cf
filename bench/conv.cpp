// bench_conv — the U-Net's 3x3 convolutions (batch 64, padding 1) on each CPU path:
//   forward:  rill's GEMM (the default), Winograd F(2x2, 3x3) (set_winograd), and the BLAS
//             shifted GEMMs (the reference, set_conv_gemm(blas): OpenBLAS's kernels as the
//             environment picks them)
//   backward: rill's GEMMs and the BLAS reference, dx and dW together
// Rates are "direct" GFLOP/s: 2 N F C 9 H W flops per forward whatever the algorithm does,
// so Winograd's fewer multiplications show as a higher rate; medians of 5 calls.
//
// Usage: bench_conv [threads]
#include <cstdlib>

#include "bench/timing.h"
#include "tensor/blas_info.h"
#include "tensor/cpu/conv_shifted.h"
#include "tensor/ops.h"

using namespace rill;
using rill::bench::median_seconds;

int main(int argc, char** argv) {
  const int threads = argc > 1 ? std::atoi(argv[1]) : 1;
  set_num_threads(threads);
  fmt::print("GEMM {}; BLAS {}\nthreads: {}\n\n", gemm_info(), blas_info(), threads);
  struct Shape {
    int64_t C, H, F;
  };
  const Shape shapes[] = {{1, 28, 32},  {32, 28, 32},  {64, 28, 32}, {96, 28, 32}, {64, 28, 64},
                          {32, 14, 64}, {64, 14, 64},  {128, 14, 64}, {64, 7, 64}, {128, 7, 64}, {32, 28, 1}};
  fmt::print("{:>4} {:>5} {:>4}  {:>22} {:>22} {:>22}  {:>20} {:>20}\n", "C", "HxW", "F", "forward rill GEMM",
             "forward Winograd", "forward BLAS", "backward rill GEMM", "backward BLAS");
  Generator gen(0);
  Window2d w;
  w.kernel_h = w.kernel_w = 3, w.pad_h = w.pad_w = 1;
  for (const Shape& s : shapes) {
    const int64_t N = 64;
    const Tensor x = randn({N, s.C, s.H, s.H}, {}, &gen), weight = randn({s.F, s.C, 3, 3}, {}, &gen);
    const Tensor bias = randn({s.F}, {}, &gen), y = Tensor::empty({N, s.F, s.H, s.H}, DType::Float32);
    const Tensor gx = Tensor::empty(x.shape(), DType::Float32), gw = Tensor::empty(weight.shape(), DType::Float32);
    const Tensor gb = Tensor::empty(bias.shape(), DType::Float32);
    const double flops = 2.0 * N * s.F * s.C * 9 * s.H * s.H;
    const auto cell = [&](double seconds, double scale) {
      return fmt::format("{:7.2f} ms {:6.1f} GF/s", seconds * 1e3, scale * flops / seconds / 1e9);
    };
    const double own = median_seconds([&] { cpu::shifted_conv2d_fast(x, weight, bias, w, y, threads); }, 5);
    const double wino = median_seconds([&] { cpu::winograd_conv2d(x, weight, bias, w, y, threads); }, 5);
    const double blas = median_seconds([&] { cpu::shifted_conv2d(x, weight, bias, w, y, threads); }, 5);
    const double own_b =
        median_seconds([&] { cpu::shifted_conv2d_backward_fast(y, x, weight, w, gx, gw, gb, threads); }, 5);
    const double blas_b = median_seconds([&] { cpu::shifted_conv2d_backward(y, x, weight, w, gx, gw, gb, threads); }, 5);
    fmt::print("{:>4} {:>2}x{:<2} {:>4}  {:>22} {:>22} {:>22}  {:>20} {:>20}\n", s.C, s.H, s.H, s.F, cell(own, 1),
               cell(wino, 1), cell(blas, 1), cell(own_b, 2), cell(blas_b, 2));
  }
}
