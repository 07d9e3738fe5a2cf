// bench_data_parallel — the U-Net training step on P processes (data parallelism), timed.
//
//   OMP_NUM_THREADS=1 ./build/bench/bench_data_parallel 1                  1 process  x 1 thread
//   OMP_NUM_THREADS=1 mpirun -np 2 ./build/bench/bench_data_parallel 1     2 processes x 1 thread
//   ./build/bench/bench_data_parallel 2                                    1 process  x 2 threads
//
// One step is what image_flow does (examples/common/data_parallel.h): every rank builds
// the global batch of 64 images (random pixels here, MNIST-sized, 1 x 28 x 28) and its
// noise, pairs them by exact OT on the global batch, keeps its 64/P rows, forward and
// backward of UNet(in_ch=1) (docs/models.md) on them, the gradients averaged over the ranks
// in buckets, gradient clipping, Adam. Rank 0 prints the median over the timed steps of:
//   step         the whole step (wall time, rank 0)
//   batch        building the global batch and this rank's share (pairs, t, x_t, u_t)
//   all-reduce   average_gradients: the loss/which-gradients all-reduce and the buckets
//   CPU time     the CPU seconds rank 0 used per step (all threads; MPI's busy wait included)
// (and the fastest step: on a shared machine the least disturbed one), the bytes
// all-reduced per step, then the all-reduce of the whole gradient alone, repeated, for
// the scaling estimate (bench/README.md).
//
// Usage: bench_data_parallel [threads] [timed steps, 6] [global batch, 64] [bucket bytes, 25 MiB]
#include "examples/common/data_parallel.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <vector>

#include "autograd/autograd.h"
#include "flowmatch/flowmatch.h"
#include "nn/nn.h"
#include "tensor/blas_info.h"
#include "tensor/ops.h"
#include "tensor/threads.h"

using namespace rill;
namespace fm = rill::flowmatch;

namespace {

using Clock = std::chrono::steady_clock;
double since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// CPU seconds this process has used (all its threads): on a busy machine the work a step
// costs, whatever share of the cores the process got.
double cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  const int threads = argc > 1 ? std::atoi(argv[1]) : 1;
  const int steps = argc > 2 ? std::atoi(argv[2]) : 6;
  const int64_t batch = argc > 3 ? std::atoll(argv[3]) : 64;
  const int64_t bucket_bytes = argc > 4 ? std::atoll(argv[4]) : distributed::kDefaultBucketBytes;
  examples::DataParallel dp = examples::DataParallel::from_launcher(bucket_bytes);
  set_num_threads(threads);
  dp.shard().check_batch(batch, "batch");
  const bool root = dp.is_root();
  if (root)
    fmt::print("BLAS: {}\n{} process(es) x {} thread(s), global batch {} ({} rows per process), buckets of {} bytes\n",
               blas_info(), dp.size(), get_num_threads(), batch, batch / dp.size(), bucket_bytes);

  manual_seed(0);
  nn::UNet model;  // in_ch = 1, base 32: 1,062,497 parameters
  nn::Adam opt(model.named_parameters(), {2e-4});
  nn::TrainingState state{&model, &opt, nullptr, nullptr, 0};
  dp.sync_training_state(state, nullptr, false, "");
  fm::CFMOptions cfm;
  cfm.coupling = fm::exact_ot_coupling();
  Generator gen(1);

  std::vector<double> step_s, batch_s, reduce_s, cpu_s;
  for (int s = -1; s < steps; ++s) {  // step -1: warm-up
    const auto start = Clock::now();
    const double cpu_start = cpu_seconds();
    opt.zero_grad();
    const Tensor x1 = ops::tanh(randn({batch, 1, 28, 28}, {}, &gen)), x0 = randn({batch, 1, 28, 28}, {}, &gen);
    const fm::CFMBatch b = fm::cfm_batch_shard(cfm, x0, x1, dp.shard(), fm::OTScope::Global, &gen);
    const double t_batch = since(start);
    const Tensor loss = mse_loss(model(b.sample.t, b.sample.xt), b.sample.ut);
    autograd::backward(loss);
    const auto reduce_start = Clock::now();
    dp.average_gradients(model.parameters(), loss.item());
    const double t_reduce = since(reduce_start);
    nn::clip_grad_norm_(model.parameters(), 1.0);
    opt.step();
    if (s < 0) continue;
    step_s.push_back(since(start)), batch_s.push_back(t_batch), reduce_s.push_back(t_reduce);
    cpu_s.push_back(cpu_seconds() - cpu_start);
  }
  if (root) {
    const double step = median(step_s), fastest = *std::min_element(step_s.begin(), step_s.end());
    fmt::print(
        "U-Net step: median {:.3f} s ({:.2f} steps/s), fastest {:.3f} s ({:.2f} steps/s); building the batch {:.1f} "
        "ms; "
        "averaging the gradients {:.1f} ms\n",
        step, 1 / step, fastest, 1 / fastest, median(batch_s) * 1e3, median(reduce_s) * 1e3);
    fmt::print("CPU time per step of rank 0 (all its threads): median {:.3f} s\n", median(cpu_s));
    if (dp.size() > 1)
      fmt::print("all-reduced per step: {} bytes in {} bucket(s) (+ {} bytes of losses and gradient flags)\n",
                 dp.last_stats().bytes, dp.last_stats().buckets, (1 + model.parameters().size()) * 8);
  }
  if (dp.size() > 1) {
    // The all-reduce alone, on the gradient tensors, 20 times: its cost without the step around it.
    std::vector<Tensor> grads;
    for (const Tensor& p : model.parameters()) grads.push_back(grad_of(p));
    std::vector<double> t;
    for (int k = 0; k < 20; ++k) {
      dp.comm().barrier();
      const auto start = Clock::now();
      distributed::all_reduce_buckets_(dp.comm(), grads, distributed::ReduceOp::Mean, bucket_bytes);
      t.push_back(since(start));
    }
    if (root)
      fmt::print("all-reduce of the gradient alone ({} tensors): median {:.2f} ms, min {:.2f} ms\n", grads.size(),
                 median(t) * 1e3, *std::min_element(t.begin(), t.end()) * 1e3);
  }
  return 0;
}
