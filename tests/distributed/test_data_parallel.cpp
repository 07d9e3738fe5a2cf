// Data-parallel training (examples/common/data_parallel.h, flowmatch/shard.h): P
// processes with B/P rows each must train the model one process trains on all B rows.
// The [mpi] cases run under `mpiexec -n 2` (ctest); each rank computes the one-process
// reference itself, in the same process, with a single-process communicator, and
// compares. The other cases run plainly.
#include <cmath>

#include "data/toy2d.h"
#include "distributed/single_process.h"
#include "examples/common/data_parallel.h"
#include "examples/common/train_loop.h"
#include "flowmatch/flowmatch.h"
#include "nn/nn.h"
#include "tests/distributed/dist_helpers.h"

using namespace rill;
using namespace rill::test;
namespace fm = rill::flowmatch;

namespace {

// ||a - b|| / ||b|| over all elements (float64 sums).
double relative_difference(const Tensor& a, const Tensor& b) {
  const std::vector<double> x = a.to_vector<double>(), y = b.to_vector<double>();
  REQUIRE(x.size() == y.size());
  double diff = 0, norm = 0;
  for (size_t i = 0; i < x.size(); ++i) diff += (x[i] - y[i]) * (x[i] - y[i]), norm += y[i] * y[i];
  return norm > 0 ? std::sqrt(diff / norm) : std::sqrt(diff);
}

// The largest relative difference over the tensors of two state dicts of one architecture.
double max_relative_difference(const nn::StateDict& a, const nn::StateDict& b) {
  REQUIRE(a.size() == b.size());
  double worst = 0;
  for (size_t k = 0; k < a.size(); ++k) {
    REQUIRE(a[k].first == b[k].first);
    worst = std::max(worst, relative_difference(a[k].second, b[k].second));
  }
  return worst;
}

// The single-process communicator's DataParallel: the one-process reference.
examples::DataParallel one_process() {
  return examples::DataParallel(std::make_shared<distributed::SingleProcessCommunicator>());
}

// What one training step left: the loss, the gradients (before the optimizer step) and
// the weights after it.
struct StepResult {
  double loss = NAN;
  nn::StateDict grads, weights;
};

// One step of train_loop (the examples' loop: backward, averaging over the ranks,
// clipping, Adam) for `model` on dp's ranks; loss_at builds the rank's loss of step 0.
StepResult one_step(nn::Module& model, examples::DataParallel& dp, double max_grad_norm,
                    const std::function<Tensor(int64_t)>& loss_at) {
  nn::Adam opt(model.named_parameters(), {1e-3});
  nn::TrainingState state{&model, &opt, nullptr, nullptr, 0};
  dp.sync_training_state(state, nullptr, false, "");
  const auto schedule = nn::LRSchedule::constant(1e-3);
  examples::LoopOptions loop;
  loop.program = "test", loop.total_steps = loop.last_step = 1, loop.max_grad_norm = max_grad_norm, loop.parallel = &dp;
  StepResult r;
  // The gradients as the optimizer sees them: after averaging and clipping, before Adam.
  // (before_step runs before each step and once after the last: it sees step 1's start,
  // when the gradients of step 0 are still there.)
  loop.before_step = [&](int64_t step) {
    if (step == 1)
      for (const auto& [name, p] : model.named_parameters()) r.grads.emplace_back(name, ops::clone(grad_of(p)));
  };
  r.loss = examples::train_loop(state, schedule, loss_at, loop).last_loss;
  for (const auto& [name, p] : model.named_parameters()) r.weights.emplace_back(name, ops::clone(detach(p)));
  return r;
}

// Checks that rank 0's tensors are, bit for bit, every rank's (the replicas stay identical).
void check_replicas_identical(distributed::Communicator& comm, const nn::StateDict& tensors) {
  for (const auto& [name, t] : tensors) {
    INFO(name);
    const Tensor all = comm.all_gather(ops::contiguous(t));  // [P, ...]
    for (int r = 1; r < comm.size(); ++r) require_close(ops::select(all, 0, r), ops::select(all, 0, 0), 0);
  }
}

}  // namespace

TEST_CASE("shard: Shard{0, 1} with either scope is cfm_batch exactly", "[distributed][shard]") {
  for (const fm::OTScope scope : {fm::OTScope::Global, fm::OTScope::Local}) {
    Generator g(5), h(5);
    const Tensor x0 = randn({12, 2}, {}, &g), x1 = randn({12, 2}, {}, &g);
    h.set_state(g.state());
    fm::CFMOptions o;
    o.coupling = fm::sinkhorn_coupling(0.5), o.path = fm::independent_path(0.1);
    const fm::CFMBatch a = fm::cfm_batch_shard(o, x0, x1, {0, 1}, scope, &g), b = fm::cfm_batch(o, x0, x1, &h);
    require_close(a.sample.xt, b.sample.xt, 0);
    require_close(a.sample.ut, b.sample.ut, 0);
    require_close(a.sample.t, b.sample.t, 0);
    CHECK(g.state().offset == h.state().offset);
  }
}

TEST_CASE("shard: a batch that does not divide among the processes is refused, naming the flag",
          "[distributed][shard]") {
  CHECK_THROWS_WITH(
      (fm::Shard{1, 4}.check_batch(10, "--batch")),
      Catch::Contains("--batch 10 is not divisible by the 4 processes") && Catch::Contains("multiple of 4"));
  fm::CFMOptions o;
  CHECK_THROWS_WITH(fm::cfm_batch_shard(o, zeros({6, 2}), zeros({6, 2}), {0, 4}, fm::OTScope::Global),
                    Catch::Contains("batch 6 is not divisible by the 4 processes"));
  CHECK_NOTHROW(fm::Shard{3, 4}.check_batch(12));
}

TEST_CASE("shard: local scope pairs within blocks, and differs from the global pairing", "[distributed][shard]") {
  Generator g(3);
  const Tensor x0 = randn({16, 2}, {}, &g), x1 = randn({16, 2}, {}, &g);
  const auto ot = fm::exact_ot_coupling();
  const fm::Pairing global = fm::pair_in_blocks(*ot, x0, x1, 1), local = fm::pair_in_blocks(*ot, x0, x1, 4);
  const std::vector<int64_t> i1 = local.i1.to_vector<int64_t>(), i0 = local.i0.to_vector<int64_t>();
  for (int64_t k = 0; k < 16; ++k) {
    CHECK(i0[k] / 4 == k / 4);  // every pair stays in its block of 4 rows
    CHECK(i1[k] / 4 == k / 4);
  }
  // Block b's pairs are the coupling's own pairs of that block, shifted by 4 b.
  const fm::Pairing block2 = ot->pair(ops::narrow(x0, 0, 8, 4), ops::narrow(x1, 0, 8, 4));
  for (int64_t k = 0; k < 4; ++k) CHECK(i1[8 + k] == 8 + block2.i1.to_vector<int64_t>()[k]);
  // With 16 random points the global assignment crosses blocks somewhere.
  CHECK(global.i1.to_vector<int64_t>() != i1);
}

TEST_CASE("mpi: global OT on P ranks gives exactly the pairs, times, noise and labels of one rank", "[mpi]") {
  RILL_MPI_WORLD(comm);
  const int P = comm->size();
  const int64_t B = 8 * P;
  for (const bool conditional : {false, true}) {
    INFO((conditional ? "class-aware OT, labels with dropout" : "exact OT"));
    Generator g(11);
    const Tensor x0 = randn({B, 3}, {}, &g), x1 = randn({B, 3}, {}, &g);
    const Tensor labels = conditional ? randint(0, 3, {B}, DType::Int64, &g) : Tensor();
    fm::CFMOptions o;
    o.coupling = conditional ? fm::class_ot_coupling() : fm::exact_ot_coupling();
    o.path = fm::independent_path(0.05);  // noise too: it must be the one-rank noise, row for row
    if (conditional) o.label_dropout = 0.3, o.null_label = 3;
    Generator mine = g, reference = g;
    const fm::CFMBatch shard = fm::cfm_batch_shard(o, x0, x1, {comm->rank(), P}, fm::OTScope::Global, &mine, labels);
    const fm::CFMBatch whole = fm::cfm_batch(o, x0, x1, &reference, labels);
    // The ranks' shards, gathered in rank order, are the one-rank batch, bit for bit.
    const auto gathered = [&](const Tensor& t) { return ops::flatten(comm->all_gather(t), 0, 1); };
    require_close(gathered(shard.sample.ut), whole.sample.ut, 0);  // u = x1 - x0: the pairs
    require_close(gathered(shard.sample.xt), whole.sample.xt, 0);
    require_close(gathered(shard.sample.t), whole.sample.t, 0);
    if (conditional) require_close(gathered(shard.labels), whole.labels, 0);
    CHECK(shard.sample.ut.size(0) == 8);
    CHECK(mine.state().offset == reference.state().offset);  // the streams stay in step

    // Local scope: the pairs of OT within each rank's 8 rows, which differ from the global ones.
    Generator local_gen = g;
    const fm::CFMBatch local =
        fm::cfm_batch_shard(o, x0, x1, {comm->rank(), P}, fm::OTScope::Local, &local_gen, labels);
    Generator blocks_gen = g;
    const fm::CFMBatch blocks =
        fm::cfm_batch_of_pairs(o, fm::pair_in_blocks(*o.coupling, x0, x1, P, &blocks_gen, labels), &blocks_gen, labels);
    require_close(gathered(local.sample.ut), blocks.sample.ut, 0);
    CHECK(relative_difference(gathered(local.sample.ut), whole.sample.ut) > 1e-3);
  }
}

TEST_CASE("mpi: one MLP training step on P ranks with B/P rows each equals one process with B rows", "[mpi]") {
  RILL_MPI_WORLD(comm);
  examples::DataParallel dp(comm);
  const int64_t B = 32 * comm->size();
  fm::CFMOptions cfm;
  cfm.coupling = fm::exact_ot_coupling();
  const auto run = [&](examples::DataParallel& on) {
    manual_seed(1);
    nn::MLP model(2, 64);
    Generator gen(7);
    return one_step(model, on, INFINITY, [&](int64_t) {
      const Tensor x0 = data::sample_2d("gaussian", B, &gen), x1 = data::sample_2d("moons", B, &gen);
      return fm::cfm_loss_shard(std::ref(model), cfm, x0, x1, on.shard(), fm::OTScope::Global, &gen);
    });
  };
  const StepResult parallel = run(dp);
  examples::DataParallel alone = one_process();
  const StepResult reference = run(alone);
  INFO("loss " << parallel.loss << " vs " << reference.loss);
  CHECK(std::abs(parallel.loss - reference.loss) <= 1e-5 * std::abs(reference.loss));
  CHECK(max_relative_difference(parallel.grads, reference.grads) <= 1e-5);
  CHECK(max_relative_difference(parallel.weights, reference.weights) <= 1e-5);
  CHECK(dp.last_stats().buckets == 1);
  CHECK(dp.last_stats().bytes == nn::MLP(2, 64).num_parameters() * 4);
  check_replicas_identical(*comm, parallel.weights);
}

TEST_CASE(
    "mpi: one conditional U-Net training step on P ranks equals one process (class-aware OT, label dropout, clipping)",
    "[mpi]") {
  RILL_MPI_WORLD(comm);
  // 200 KB of gradients in buckets of 64 KB: several buckets, tensors split across them.
  examples::DataParallel dp(comm, 64 << 10);
  const int64_t B = 4 * comm->size();
  nn::UNetConfig config;
  config.base = 8, config.mult = {1, 2}, config.groups = 4, config.attn_heads = 2, config.num_classes = 3;
  const fm::Method method = fm::method_by_name("ot", 0.0, /*class_aware=*/true);
  fm::CFMOptions cfm;
  cfm.path = method.path, cfm.coupling = method.coupling, cfm.label_dropout = 0.25, cfm.null_label = 3;
  const auto run = [&](examples::DataParallel& on) {
    manual_seed(2);
    nn::UNet model(config);
    Generator gen(9);
    return one_step(model, on, 1.0, [&](int64_t) {
      const Tensor x1 = ops::tanh(randn({B, 1, 8, 8}, {}, &gen)), labels = randint(0, 3, {B}, DType::Int64, &gen);
      const Tensor x0 = randn(x1.shape(), x1.options(), &gen);
      return fm::cfm_loss_shard(std::ref(model), cfm, x0, x1, on.shard(), fm::OTScope::Global, &gen, labels);
    });
  };
  const StepResult parallel = run(dp);
  examples::DataParallel alone = one_process();
  const StepResult reference = run(alone);
  INFO("loss " << parallel.loss << " vs " << reference.loss);
  CHECK(std::abs(parallel.loss - reference.loss) <= 1e-5 * std::abs(reference.loss));
  CHECK(max_relative_difference(parallel.grads, reference.grads) <= 1e-5);
  CHECK(max_relative_difference(parallel.weights, reference.weights) <= 1e-5);
  CHECK(dp.last_stats().buckets > 2);
  check_replicas_identical(*comm, parallel.weights);
}

TEST_CASE("mpi: sync_training_state gives every rank rank 0's weights, buffers and EMA", "[mpi]") {
  RILL_MPI_WORLD(comm);
  examples::DataParallel dp(comm, 256);              // small buckets: many of them
  manual_seed(static_cast<uint64_t>(comm->rank()));  // different weights on every rank
  nn::MLP model(2, 16);
  nn::EMA ema(model, 0.9);
  manual_seed(0);
  nn::MLP rank0_model(2, 16);  // what rank 0 holds
  nn::Adam opt(model.named_parameters(), {1e-3});
  nn::TrainingState state{&model, &opt, &ema, nullptr, 0};
  if (comm->rank() > 0) CHECK(max_relative_difference(model.state_dict(), rank0_model.state_dict()) > 0.1);
  dp.sync_training_state(state, nullptr, false, "");
  CHECK(max_relative_difference(model.state_dict(), rank0_model.state_dict()) == 0);
  check_replicas_identical(*comm, ema.state_dict());
  nn::MLP from_ema(2, 16);
  ema.copy_to(from_ema);
  CHECK(max_relative_difference(from_ema.state_dict(), rank0_model.state_dict()) == 0);
}
