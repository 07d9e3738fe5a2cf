// bench_train_step — the reference models' training steps and sampling, timed.
//
//   MLP   training step: docs/models.md MLP, batch 256, CFM loss, Adam      (issue 8: PyTorch 9.8 ms at 1 thread)
//   U-Net training step: UNet(in_ch=1), batch 64, CFM loss, Adam         (PyTorch 1.17 s at 1 thread)
//   sampling: 64 MNIST-sized samples, 100 Euler steps with the U-Net     (PyTorch 33.8 s at 1 thread)
// Each figure is the median of several repetitions after a warm-up.
//
//   profile-sample: one Euler step of sampling, per op
//   profile, profile-mlp: one U-Net (MLP) training step split into forward, backward and optimizer, per op
//            (tensor/profiler.h), to see where the time goes
// With `unet` alone, the peak resident memory of the process is that of a U-Net
// training run (compare: bench/pytorch_reference.py --memory).
//
// Usage: bench_train_step [threads] [which: all|mlp|unet|sample|profile|profile-mlp|profile-sample]
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "bench/timing.h"
#include "autograd/autograd.h"
#include "flowmatch/flowmatch.h"
#include "nn/nn.h"
#include "tensor/ops.h"
#include "tensor/profiler.h"

using namespace rill;
using rill::bench::median_seconds;
namespace fm = rill::flowmatch;

namespace {

// Peak resident set size of this process so far, in MB: VmHWM of /proc/self/status.
// (Not getrusage's ru_maxrss, which Linux carries over from the parent across fork and
// exec: started from the PyTorch script it would report the script's peak.)
double peak_rss_mb() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);)
    if (line.rfind("VmHWM:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;  // "VmHWM:  123456 kB"
  return -1;
}

// One training step of `model` (CFM loss, Adam) split into forward (with the loss),
// backward and the optimizer step, each profiled per op on its own, averaged over
// `steps` steps after a warm-up step.
void profile_step(const std::string& title, nn::Module& model, const fm::Model& v, const Shape& batch, int steps,
                  Generator& gen) {
  nn::Adam opt(model.named_parameters(), {1e-3});
  const fm::CFMOptions cfm;
  const char* names[3] = {"forward", "backward", "optimizer"};
  std::map<std::string, profiler::Entry> phases[3];
  double step_seconds = 0;
  for (int s = -1; s < steps; ++s) {
    const Tensor x0 = randn(batch, {}, &gen), x1 = randn(batch, {}, &gen);
    Tensor loss;
    opt.zero_grad();
    const std::function<void()> phase[3] = {[&] { loss = fm::cfm_loss(v, cfm, x0, x1, &gen); },
                                            [&] { autograd::backward(loss); }, [&] { opt.step(); }};
    for (int p = 0; p < 3; ++p) {
      profiler::reset();
      profiler::enable(true);
      const auto start = std::chrono::steady_clock::now();
      phase[p]();
      const double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      profiler::enable(false);
      if (s < 0) continue;
      step_seconds += t;
      for (const auto& e : profiler::report()) {
        profiler::Entry& acc = phases[p][e.name];
        acc.name = e.name, acc.calls += e.calls, acc.seconds += e.seconds;
      }
    }
  }
  step_seconds /= steps;
  fmt::print("{}, per op, mean of {} steps: {:.3f} ms\n", title, steps, step_seconds * 1e3);
  for (int p = 0; p < 3; ++p) {
    std::vector<profiler::Entry> rows;
    double total = 0;
    for (const auto& [name, e] : phases[p]) rows.push_back(e), total += e.seconds / steps;
    std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.seconds > b.seconds; });
    fmt::print("\n{:<30} {:>6} {:>9} {:>6}\n", names[p], "calls", "ms", "%");
    for (const auto& e : rows) {
      if (e.seconds / steps < 5e-3 * step_seconds) continue;  // under 0.5% of the step
      fmt::print("  {:<28} {:6.0f} {:9.3f} {:6.1f}\n", e.name, static_cast<double>(e.calls) / steps,
                 e.seconds / steps * 1e3, 100 * e.seconds / steps / step_seconds);
    }
    fmt::print("  {:<28} {:>6} {:9.3f} {:6.1f}\n", "(all ops)", "", total * 1e3, 100 * total / step_seconds);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1) set_num_threads(std::atoi(argv[1]));
  const std::string which = argc > 2 ? argv[2] : "all";
  fmt::print("BLAS: {}\nthreads: {}\n\n", blas_info(), get_num_threads());
  if (const std::string advice = blas_core_advice(); !advice.empty()) fmt::print("note: {}\n\n", advice);
  Generator gen(0);
  fm::CFMOptions cfm;  // straight path, independent pairs: the model's own cost

  if (which == "profile-mlp") {
    nn::MLP mlp;
    profile_step("MLP training step (batch 256, Adam)", mlp, std::ref(mlp), {256, 2}, 50, gen);
  }
  if (which == "all" || which == "mlp") {
    nn::MLP mlp;
    nn::Adam opt(mlp.named_parameters(), {1e-3});
    const fm::Model v = std::ref(mlp);
    const double s = median_seconds(
        [&] {
          opt.zero_grad();
          autograd::backward(fm::cfm_loss(v, cfm, randn({256, 2}, {}, &gen), randn({256, 2}, {}, &gen), &gen));
          opt.step();
        },
        50);
    fmt::print("MLP training step (batch 256, Adam)      {:8.2f} ms\n", s * 1e3);
  }
  nn::UNet unet;
  const fm::Model v = std::ref(unet);
  if (which == "all" || which == "unet") {
    nn::Adam opt(unet.named_parameters(), {1e-3});
    const double s = median_seconds(
        [&] {
          opt.zero_grad();
          autograd::backward(
              fm::cfm_loss(v, cfm, randn({64, 1, 28, 28}, {}, &gen), randn({64, 1, 28, 28}, {}, &gen), &gen));
          opt.step();
        },
        5);
    fmt::print("U-Net training step (batch 64, Adam)     {:8.3f} s   ({:.1f} GFLOP/s at 71.7 GFLOP/step)\n", s,
               71.7 / s);
    if (which == "unet") fmt::print("peak resident memory (U-Net training)    {:8.0f} MB\n", peak_rss_mb());
  }
  if (which == "profile") profile_step("U-Net training step (batch 64, Adam)", unet, v, {64, 1, 28, 28}, 3, gen);
  if (which == "profile-sample") {  // the forward pass of sampling (no graph), per op
    const Tensor x0 = randn({64, 1, 28, 28}, {}, &gen);
    const auto euler = [&](int steps) {
      fm::odeint(fm::as_field(v), x0, 0, 1, fm::OdeOptions::fixed(fm::Solver::Euler, steps));
    };
    euler(1);  // warm-up
    profiler::reset();
    profiler::enable(true);
    const auto start = std::chrono::steady_clock::now();
    euler(5);
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() / 5;
    profiler::enable(false);
    fmt::print("One Euler step of sampling (64 images, U-Net forward): {:.1f} ms\n", s * 1e3);
    for (const auto& e : profiler::report())
      if (e.seconds / 5 > 5e-3 * s)
        fmt::print("  {:<28} {:6.0f} {:9.2f} ms {:6.1f}%\n", e.name, e.calls / 5.0, e.seconds / 5 * 1e3,
                   100 * e.seconds / 5 / s);
  }
  if (which == "all" || which == "sample") {
    const Tensor x0 = randn({64, 1, 28, 28}, {}, &gen);
    const double s = median_seconds(
        [&] { fm::odeint(fm::as_field(v), x0, 0, 1, fm::OdeOptions::fixed(fm::Solver::Euler, 100)); }, 1);
    fmt::print("64 samples, 100 Euler steps (U-Net)      {:8.2f} s\n", s);
  }
}
