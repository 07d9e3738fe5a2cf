// bench_cuda_train_step — the GPU figures of issue 19, timed on the CUDA backend.
//
//   MLP training step:    docs/models.md MLP, batch 256, CFM loss, Adam
//   U-Net training step:  docs/models.md U-Net (in_ch = 1, 28x28), batch 64 and batch 256, CFM loss, Adam
//   sampling:             64 MNIST-sized images, 100 Euler steps with the U-Net
//   peak memory:          the caching allocator's peak of tensor bytes during the batch-256
//                         U-Net steps (cuda::memory_stats; PyTorch: max_memory_allocated)
// Float32 throughout; TF32 GEMMs only with --tf32. Each figure is the median of several
// repetitions after a warm-up, each timed from an idle GPU to an idle GPU
// (cuda::synchronize), so that the asynchronous kernels are counted in full.
// bench/pytorch_reference.py --device cuda runs the same networks in PyTorch and, given
// this program's path or its saved output, prints the ratios; both print each figure as
// "label   value unit" with the same labels.
//
// Usage: bench_cuda_train_step [--tf32]
#include <algorithm>
#include <chrono>
#include <cstring>
#include <functional>
#include <vector>

#include "bench/timing.h"
#include "autograd/autograd.h"
#include "cuda/runtime.h"
#include "flowmatch/flowmatch.h"
#include "nn/nn.h"
#include "tensor/ops.h"

using namespace rill;
using rill::bench::median_seconds;
namespace fm = rill::flowmatch;

namespace {

void wait_for_gpu() { cuda::synchronize(); }

// Median time of one CFM training step (straight path, independent pairs, Adam).
double train_step_seconds(nn::Module& model, const fm::Model& v, const Shape& shape, int repeats, Generator& gen) {
  const Device gpu = Device::cuda();
  nn::Adam opt(model.named_parameters(), {1e-3});
  const fm::CFMOptions cfm;
  return median_seconds(
      [&] {
        opt.zero_grad();
        const Tensor loss = fm::cfm_loss(v, cfm, randn(shape, gpu, &gen), randn(shape, gpu, &gen), &gen);
        autograd::backward(loss);
        opt.step();
      },
      repeats, wait_for_gpu);
}

void print_figure(const char* label, double value, const char* unit) {
  fmt::print("{:<44}{:10.3f} {}\n", label, value, unit);
}

}  // namespace

int main(int argc, char** argv) {
  const bool tf32 = argc > 1 && std::strcmp(argv[1], "--tf32") == 0;
  if (cuda::device_count() == 0) {
    fmt::print(stderr, "bench_cuda_train_step: no CUDA device\n");
    return 1;
  }
  cuda::set_allow_tf32(tf32);
  fmt::print("device: {}\nTF32 GEMMs: {}\n\n", cuda::device_description(0), tf32 ? "on" : "off");
  Generator gen(0);

  nn::MLP mlp;  // docs/models.md defaults: 2-D data, width 256
  mlp.to(Device::cuda());
  print_figure("MLP training step (batch 256)", train_step_seconds(mlp, std::ref(mlp), {256, 2}, 50, gen) * 1e3, "ms");

  nn::UNet unet;  // docs/models.md defaults, in_ch = 1
  unet.to(Device::cuda());
  const fm::Model v = std::ref(unet);
  print_figure("U-Net training step (batch 64)", train_step_seconds(unet, v, {64, 1, 28, 28}, 10, gen) * 1e3, "ms");
  cuda::reset_peak_memory_stats();
  print_figure("U-Net training step (batch 256)", train_step_seconds(unet, v, {256, 1, 28, 28}, 10, gen) * 1e3, "ms");
  const cuda::MemoryStats m = cuda::memory_stats();
  const double peak_mib = static_cast<double>(m.peak_allocated_bytes) / (1 << 20);
  print_figure("peak memory, U-Net training (batch 256)", peak_mib, "MiB");

  const Tensor x0 = randn({64, 1, 28, 28}, Device::cuda(), &gen);
  const double sample_s = median_seconds(
      [&] {
        no_grad guard;
        fm::odeint(fm::as_field(v), x0, 0, 1, fm::OdeOptions::fixed(fm::Solver::Euler, 100));
      },
      3, wait_for_gpu);
  print_figure("64 samples, 100 Euler steps (U-Net)", sample_s * 1e3, "ms");

  const cuda::MemoryStats end = cuda::memory_stats();
  fmt::print("\nallocator: {:.2f} GiB cached, {} cudaMalloc calls, {} reuses\n",
             static_cast<double>(end.cached_bytes) / (1 << 30), end.cuda_malloc_calls, end.reuses);
}
