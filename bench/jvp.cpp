// bench_jvp — what forward mode costs: one JVP of the reference U-Net against one
// forward pass (issue 15's target: a JVP at most 3x the forward).
//
//   forward            v(t, x) under no_grad                       UNet(in_ch=1), batch 64, 28x28
//   jvp                v and dv along (dt, dx) = (1, randn), no_grad (what a divergence or an
//                      evaluation of MeanFlow's du/dt needs)
//   forward+grad       v with its reverse graph recorded (a training forward)
//   jvp+grad           v with its reverse graph and dv: MeanFlow's training forward
// Each figure is the median of several repetitions after a warm-up.
//
// Usage: bench_jvp [threads] [batch]
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <vector>

#include "bench/timing.h"
#include "autograd/autograd.h"
#include "nn/nn.h"
#include "tensor/ops.h"
#include "tensor/threads.h"

using namespace rill;
using rill::bench::median_seconds;

int main(int argc, char** argv) {
  const int threads = argc > 1 ? std::atoi(argv[1]) : 1;
  const int64_t batch = argc > 2 ? std::atoll(argv[2]) : 64;
  set_num_threads(threads);
  nn::UNet unet(nn::UNetConfig{});
  Generator gen(1);
  const Tensor t = rand({batch}, {}, &gen), x = randn({batch, 1, 28, 28}, {}, &gen);
  const Tensor dt = ones({batch}), dx = randn({batch, 1, 28, 28}, {}, &gen);
  const auto field = [&](const std::vector<Tensor>& in) { return std::vector<Tensor>{unet(in[0], in[1])}; };
  const int repeats = 5;

  const double fwd = median_seconds([&] {
    no_grad guard;
    (void)unet(t, x);
  }, repeats);
  const double jvp = median_seconds([&] {
    no_grad guard;
    (void)autograd::jvp(field, {t, x}, {dt, dx});
  }, repeats);
  const double fwd_grad = median_seconds([&] { (void)unet(t, x); }, repeats);
  const double jvp_grad = median_seconds([&] { (void)autograd::jvp(field, {t, x}, {dt, dx}); }, repeats);

  std::printf("U-Net (docs/models.md), batch %lld, %d thread(s)\n", static_cast<long long>(batch), threads);
  std::printf("  forward        %8.1f ms\n", fwd * 1e3);
  std::printf("  jvp            %8.1f ms   %.2fx the forward\n", jvp * 1e3, jvp / fwd);
  std::printf("  forward+graph  %8.1f ms\n", fwd_grad * 1e3);
  std::printf("  jvp+graph      %8.1f ms   %.2fx the forward with graph\n", jvp_grad * 1e3, jvp_grad / fwd_grad);
  return 0;
}
