// bench_train_step — the reference models' training steps and sampling, timed.
//
//   MLP   training step: MODELS.md MLP, batch 256, CFM loss, Adam      (issue 8: PyTorch 9.8 ms at 1 thread)
//   U-Net training step: UNet(in_ch=1), batch 64, CFM loss, Adam         (PyTorch 1.17 s at 1 thread)
//   sampling: 64 MNIST-sized samples, 100 Euler steps with the U-Net     (PyTorch 33.8 s at 1 thread)
// Each figure is the median of several repetitions after a warm-up.
//
// Usage: bench_train_step [threads] [which: all|mlp|unet|sample]
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include "autograd/autograd.h"
#include "flowmatch/flowmatch.h"
#include "nn/nn.h"
#include "tensor/ops.h"

using namespace rill;
namespace fm = rill::flowmatch;

namespace {

double median_seconds(const std::function<void()>& f, int repeats) {
  f();  // warm-up: allocator caches, OpenBLAS buffers
  std::vector<double> t;
  for (int i = 0; i < repeats; ++i) {
    const auto start = std::chrono::steady_clock::now();
    f();
    t.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1) set_num_threads(std::atoi(argv[1]));
  const std::string which = argc > 2 ? argv[2] : "all";
  fmt::print("BLAS: {}\nthreads: {}\n\n", blas_info(), get_num_threads());
  Generator gen(0);
  fm::CFMOptions cfm;  // straight path, independent pairs: the model's own cost

  if (which == "all" || which == "mlp") {
    nn::MLP mlp;
    nn::Adam opt(mlp.named_parameters(), {1e-3});
    const fm::Model v = [&](const Tensor& t, const Tensor& x, const Tensor&) { return mlp(x, t); };
    const double s = median_seconds([&] {
      opt.zero_grad();
      autograd::backward(fm::cfm_loss(v, cfm, randn({256, 2}, {}, &gen), randn({256, 2}, {}, &gen), &gen));
      opt.step();
    }, 50);
    fmt::print("MLP training step (batch 256, Adam)      {:8.2f} ms\n", s * 1e3);
  }
  nn::UNet unet;
  const fm::Model v = [&](const Tensor& t, const Tensor& x, const Tensor&) { return unet(x, t); };
  if (which == "all" || which == "unet") {
    nn::Adam opt(unet.named_parameters(), {1e-3});
    const double s = median_seconds([&] {
      opt.zero_grad();
      autograd::backward(fm::cfm_loss(v, cfm, randn({64, 1, 28, 28}, {}, &gen), randn({64, 1, 28, 28}, {}, &gen), &gen));
      opt.step();
    }, 5);
    fmt::print("U-Net training step (batch 64, Adam)     {:8.3f} s   ({:.1f} GFLOP/s at 71.7 GFLOP/step)\n", s, 71.7 / s);
  }
  if (which == "all" || which == "sample") {
    const Tensor x0 = randn({64, 1, 28, 28}, {}, &gen);
    const double s = median_seconds([&] { fm::odeint(fm::as_field(v), x0, 0, 1, fm::OdeOptions::fixed(fm::Solver::Euler, 100)); }, 1);
    fmt::print("64 samples, 100 Euler steps (U-Net)      {:8.2f} s\n", s);
  }
}
