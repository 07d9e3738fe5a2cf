// bench_cuda_train_step — the GPU figures of issue 7, timed on the CUDA backend.
//
//   MNIST U-Net training step:   UNet(in_ch=1), batch 128, 28x28, CFM loss, Adam
//   CIFAR-10 U-Net training step: UNet(in_ch=3), batch 128, 32x32, CFM loss, Adam
//   sampling: 1000 MNIST-sized images, 100 Euler steps with the MNIST U-Net
// Float32 throughout; TF32 GEMMs only with --tf32. Each training figure is the median
// of 10 repetitions after a warm-up, sampling is one run; each timed from an idle GPU to an idle GPU
// (cuda::synchronize), so that the asynchronous kernels are counted in full.
// bench/pytorch_reference.py --device cuda runs the same networks in PyTorch and, given
// this program's path, prints the ratios.
//
// Usage: bench_cuda_train_step [--tf32]
#include <algorithm>
#include <chrono>
#include <cstring>
#include <functional>
#include <vector>

#include "autograd/autograd.h"
#include "cuda/runtime.h"
#include "flowmatch/flowmatch.h"
#include "nn/nn.h"
#include "tensor/ops.h"

using namespace rill;
namespace fm = rill::flowmatch;

namespace {

double median_seconds(const std::function<void()>& f, int repeats, bool warm_up = true) {
  if (warm_up) f();  // fills the allocator's cache, creates the cuBLAS handle
  std::vector<double> t;
  for (int i = 0; i < repeats; ++i) {
    cuda::synchronize();
    const auto start = std::chrono::steady_clock::now();
    f();
    cuda::synchronize();
    t.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

// Median time of one CFM training step (straight path, independent pairs, Adam).
double train_step_seconds(nn::UNet& unet, const Shape& shape, Generator& gen) {
  const Device gpu = Device::cuda();
  nn::Adam opt(unet.named_parameters(), {1e-3});
  const fm::Model v = std::ref(unet);
  const fm::CFMOptions cfm;
  return median_seconds([&] {
    opt.zero_grad();
    const Tensor loss = fm::cfm_loss(v, cfm, randn(shape, gpu, &gen), randn(shape, gpu, &gen), &gen);
    autograd::backward(loss);
    opt.step();
  }, 10);
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

  nn::UNet mnist;  // MODELS.md defaults, in_ch = 1
  mnist.to(Device::cuda());
  const double mnist_s = train_step_seconds(mnist, {128, 1, 28, 28}, gen);
  fmt::print("MNIST U-Net training step (batch 128)      {:8.2f} ms\n", mnist_s * 1e3);

  nn::UNetConfig rgb;
  rgb.in_ch = 3;
  nn::UNet cifar(rgb);
  cifar.to(Device::cuda());
  const double cifar_s = train_step_seconds(cifar, {128, 3, 32, 32}, gen);
  fmt::print("CIFAR-10 U-Net training step (batch 128)   {:8.2f} ms\n", cifar_s * 1e3);

  const fm::Model v = std::ref(mnist);
  const Tensor x0 = randn({1000, 1, 28, 28}, Device::cuda(), &gen);
  const double sample_s = median_seconds([&] {
    no_grad guard;
    fm::odeint(fm::as_field(v), x0, 0, 1, fm::OdeOptions::fixed(fm::Solver::Euler, 100));
  }, 1, /*warm_up=*/false);  // the training steps above warmed everything; step 1 of 100 fills the cache
  fmt::print("1000 MNIST samples, 100 Euler steps        {:8.2f} s\n", sample_s);

  const cuda::MemoryStats m = cuda::memory_stats();
  fmt::print("\nallocator: peak {:.2f} GiB in tensors, {:.2f} GiB cached, {} cudaMalloc calls, {} reuses\n",
             static_cast<double>(m.peak_allocated_bytes) / (1 << 30), static_cast<double>(m.cached_bytes) / (1 << 30),
             m.cuda_malloc_calls, m.reuses);
}
