// toy2d — flow matching on 2-D data, the first thing to run.
//
//   ./build/examples/toy2d                      moons from N(0, I) with OT-CFM, < 1 minute
//   ./build/examples/toy2d --path independent   the same with independent pairs (curvier paths)
//   ./build/examples/toy2d --source 8gaussians --data moons --solver rk4 --nfe 8
//
// Trains the MLP velocity field of docs/models.md by conditional flow matching, then samples
// with an ODE solver and writes into --out: config.json, metrics.csv, checkpoint.safetensors
// (resumable), model.safetensors (EMA weights), samples.npy, samples.png,
// trajectories.png, flow.gif (always: the samples moving along the flow), loss.png,
// report.html and metrics.json (W2 to fresh data and the two-sample W2 floor, each the
// mean and sd over --w2-sets data sets; NFE, straightness); with --sample-every N also
// samples_step<N>.png during training.
//
// On several processes (data-parallel, examples/common/data_parallel.h):
//   mpirun -np 2 ./build/examples/toy2d --batch 256            the same model as one process
//   mpirun -np 4 ./build/examples/toy2d --ot-scope local       OT within each process's 64 rows
// --batch is the global batch; rank 0 prints and writes every file.
#include "data/toy2d.h"

#include <cmath>
#include <filesystem>
#include <memory>
#include <optional>

#include "autograd/autograd.h"
#include "examples/common/animation.h"
#include "examples/common/data_parallel.h"
#include "examples/common/flags.h"
#include "examples/common/meanflow_flags.h"
#include "examples/common/plot.h"
#include "examples/common/report.h"
#include "examples/common/run.h"
#include "examples/common/train_loop.h"
#include "flowmatch/flowmatch.h"
#include "io/npy.h"
#include "nn/nn.h"
#include "tensor/ops.h"
#include <CLI/CLI.hpp>

using namespace rill;
namespace fm = rill::flowmatch;

namespace {

struct Options {
  std::string out = "runs/toy2d", data = "moons", source = "gaussian", path = "ot", solver = "euler",
              schedule = "cosine";
  std::string device = "cpu", ot_scope = "global";
  int64_t steps = 2000, batch = 256, width = 256, samples = 1000, nfe = 100, seed = 0, save_every = 500, stop_after = 0,
          sample_every = 0, w2_sets = 8;
  int threads = 0;
  double minutes = 0;
  double lr = 3e-3, sigma = 0.0, rtol = 1e-5, atol = 1e-5, ema = 0.99;
  // --method meanflow: the paper's fraction of r != t rows; uniform times and p = 1/2
  // instead of its logit-normal and p = 1, chosen by measurement on moons (docs/flow-matching.md)
  examples::MethodFlags method{"cfm", 0.25, 0.5, "uniform"};
  bool resume = false, sample_only = false;
};

Tensor draw(const std::string& name, int64_t n, Generator& gen, Device device) {
  return ops::to(data::sample_2d(name, n, &gen), device);
}

examples::Json config_json(const Options& o) {
  examples::Json j = {{"program", "toy2d"},   {"out", o.out},           {"data", o.data},
                      {"source", o.source},   {"path", o.path},         {"sigma", o.sigma},
                      {"solver", o.solver},   {"nfe", o.nfe},           {"rtol", o.rtol},
                      {"atol", o.atol},       {"steps", o.steps},       {"batch", o.batch},
                      {"lr", o.lr},           {"schedule", o.schedule}, {"width", o.width},
                      {"ema", o.ema},         {"samples", o.samples},   {"seed", o.seed},
                      {"device", o.device},   {"ot_scope", o.ot_scope}, {"sample_every", o.sample_every},
                      {"minutes", o.minutes}, {"w2_sets", o.w2_sets}};
  j.update(examples::method_json(o.method));
  return j;
}

// Samples --samples points with the EMA weights (model.safetensors), measures them
// against fresh data and draws samples.png and trajectories.png; returns the numbers.
examples::Json sample_and_measure(const Options& o, const fm::OdeOptions& sampling, const nn::EMA& ema, Generator& gen,
                                  Device device, const examples::RunDir& dir) {
  const bool meanflow = o.method.meanflow();
  nn::MLP sampler(2, o.width, meanflow ? 2 : 1);
  sampler.to(device);
  ema.copy_to(sampler);
  io::safetensors::save(dir.file("model.safetensors"), sampler.state_dict(),
                        {{"model", "MLP"}, {"width", std::to_string(o.width)}, {"method", o.method.method}});
  fm::OdeOptions ode = sampling;
  const auto start = std::chrono::steady_clock::now();
  const Tensor x0 = draw(o.source, o.samples, gen, device);
  fm::OdeResult r;
  if (meanflow) {
    // --nfe jumps of the average velocity on a uniform grid (flowmatch/meanflow.h).
    r.x = fm::meanflow_sample(std::ref(sampler), x0, o.nfe, {}, &r.trajectory);
    r.nfe = o.nfe;
    ode.save_times = fm::linspace_times(0, 1, o.nfe);
  } else {
    ode.save_times = fm::linspace_times(0, 1, ode.solver == fm::Solver::Dopri5 ? 50 : ode.steps);  // frames to draw
    r = fm::odeint(fm::as_field(std::ref(sampler)), x0, 0.0, 1.0, ode);
  }
  const double sample_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  io::save_npy(dir.file("samples.npy"), r.x);

  // W2 to fresh data against the W2 between two fresh data samples (the floor a perfect
  // sampler would reach at this sample size), NFE, straightness. One W2 of 1000 points is
  // noisy (two fresh moons sets: 0.23-0.39 over 20 draws), so both are means over
  // --w2-sets independent data sets (flowmatch/metrics.h), printed with their spread.
  std::vector<Tensor> fresh_a, fresh_b;
  for (int64_t k = 0; k < o.w2_sets; ++k) {
    fresh_a.push_back(draw(o.data, o.samples, gen, Device::cpu()));
    fresh_b.push_back(draw(o.data, o.samples, gen, Device::cpu()));
  }
  const Tensor samples = ops::to(r.x, Device::cpu());
  const fm::W2Spread w2 = fm::wasserstein2_over(samples, fresh_a), floor = fm::two_sample_floor(fresh_a, fresh_b);
  const double straight = fm::straightness(r.trajectory);
  fmt::print(
      "toy2d: W2 to fresh data {:.4f} +- {:.4f} (two-sample floor {:.4f} +- {:.4f}, ratio {:.2f}; means and sd over {} "
      "data sets), NFE {}, straightness {:.4f}\n",
      w2.mean, w2.sd, floor.mean, floor.sd, w2.mean / floor.mean, o.w2_sets, r.nfe, straight);
  // MeanFlow: also one and two jumps from the same noise, whatever --nfe is (what it is for).
  examples::Json few_steps;
  if (meanflow)
    for (const int64_t jumps : {1, 2}) {
      const Tensor x = fm::meanflow_sample(std::ref(sampler), x0, jumps);
      const double w = fm::wasserstein2_over(ops::to(x, Device::cpu()), fresh_a).mean;
      fmt::print("toy2d: MeanFlow in {} step{}: W2 {:.4f} (ratio {:.2f})\n", jumps, jumps > 1 ? "s" : "", w,
                 w / floor.mean);
      few_steps[fmt::format("w2_{}step", jumps)] = w;
      few_steps[fmt::format("w2_ratio_{}step", jumps)] = w / floor.mean;
    }

  // samples.png: samples (blue) over fresh data (grey); trajectories.png: 256 paths from
  // their noise (red) to their samples (blue), over the data; flow.gif: the samples moving
  // along the flow, one frame per saved time; snapshots.png: p_t at three times.
  using examples::colors::blue, examples::colors::grey, examples::colors::light_grey, examples::colors::red;
  const Tensor& data_shown = fresh_a[0];
  const Tensor frame = ops::cat({data_shown, ops::to(x0, Device::cpu())}, 0);
  const std::string method = meanflow ? fmt::format("{} → {}, MeanFlow ({} pairs), {} step{}", o.source, o.data, o.path,
                                                    o.nfe, o.nfe > 1 ? "s" : "")
                                      : fmt::format("{} → {}, {} path, {}", o.source, o.data, o.path, o.solver);
  examples::plane_figure(560, frame, "samples: " + method)
      .scatter(data_shown, light_grey, 0.5, 1.8, "data")
      .scatter(r.x, blue, 0.6, 1.8, "samples")
      .save(dir.file(examples::plot_file("samples")));
  const int64_t shown = std::min<int64_t>(256, o.samples);
  examples::plane_figure(560, frame, "trajectories: " + method)
      .scatter(data_shown, light_grey, 0.35, 1.5, "data")
      .trajectories(r.trajectory, shown, grey, 0.35, "paths")
      .scatter(ops::narrow(x0, 0, 0, shown), red, 0.8, 2.0, "noise (t = 0)")
      .scatter(ops::narrow(r.x, 0, 0, shown), blue, 0.8, 2.0, "samples (t = 1)")
      .save(dir.file(examples::plot_file("trajectories")));
  examples::save_flow_gif(dir.file("flow.gif"), data_shown, r.trajectory, ode.save_times);
  // snapshots.png: the generated distribution p_t at t = 0, 1/2 and 1 (the saved state
  // nearest each; 200 points of each), from noise (red) to data (blue), over the data.
  auto snapshots = examples::plane_figure(560, frame, "p_t along the flow: " + method);
  snapshots.scatter(data_shown, light_grey, 0.35, 1.5, "data");
  const int64_t per_snapshot = std::min<int64_t>(200, o.samples);
  for (const double t : {0.0, 0.5, 1.0}) {
    size_t nearest = 0;
    for (size_t i = 0; i < ode.save_times.size(); ++i)
      if (std::abs(ode.save_times[i] - t) < std::abs(ode.save_times[nearest] - t)) nearest = i;
    const examples::Rgb c{(1 - t) * red.r + t * blue.r, (1 - t) * red.g + t * blue.g, (1 - t) * red.b + t * blue.b};
    snapshots.scatter(ops::narrow(r.trajectory[nearest], 0, 0, per_snapshot), c, 0.85, 2.0,
                      fmt::format("t = {:.2f}", ode.save_times[nearest]));
  }
  snapshots.save(dir.file(examples::plot_file("snapshots")));
  examples::Json metrics = {{"w2", w2.mean},
                            {"w2_sd", w2.sd},
                            {"w2_floor", floor.mean},
                            {"w2_floor_sd", floor.sd},
                            {"w2_ratio", w2.mean / floor.mean},
                            {"w2_sets", o.w2_sets},
                            {"nfe", r.nfe},
                            {"straightness", straight},
                            {"solver", meanflow ? "meanflow" : o.solver},
                            {"sample_seconds", sample_seconds}};
  if (meanflow) metrics.update(few_steps);
  return metrics;
}

int run(Options o) {
  // Everything the flags name, resolved before any work (CLI11 has checked each flag alone).
  const Device device = Device::parse(o.device);
  const auto [path, coupling] = fm::method_by_name(o.path, o.sigma);
  const fm::OdeOptions sampling = examples::sampling_options(o.solver, o.nfe, o.rtol, o.atol);
  const fm::OTScope scope = fm::ot_scope_by_name(o.ot_scope);

  // One process, or several under mpirun: rank 0 holds the --out folder and writes every
  // file; the others train their share of each batch and write nothing.
  examples::DataParallel dp = examples::DataParallel::from_launcher();
  dp.shard().check_batch(o.batch, "--batch");
  examples::startup_report("toy2d", o.threads, device, dp, o.batch);
  std::optional<examples::RunDir> dir;
  if (dp.is_root()) dir.emplace(o.out, "toy2d");

  // The model, its optimizer and EMA, the random stream; or all of them from a checkpoint.
  manual_seed(static_cast<uint64_t>(o.seed));        // initial weights
  Generator gen(static_cast<uint64_t>(o.seed) + 1);  // data, times, noise
  const bool meanflow = o.method.meanflow();
  const fm::MeanFlowOptions mf =  // the paper's choices (flowmatch/meanflow.h) where the flags say nothing
      meanflow ? examples::meanflow_options("toy2d", o.method, o.path, coupling, dp.size()) : fm::MeanFlowOptions{};
  nn::MLP model(2, o.width, meanflow ? 2 : 1);
  model.to(device);
  nn::Adam opt(model.named_parameters(), {o.lr});
  nn::EMA ema(model, o.ema);
  // Sampling needs the weights, the EMA and the generator, not the optimizer's moments.
  nn::TrainingState state{&model, o.sample_only ? nullptr : &opt, &ema, &gen, 0};
  if (o.sample_only) {
    if (!dp.is_root()) return 0;  // sampling runs on rank 0 alone
    dir->load_checkpoint(state, "--sample-only");
  } else {
    dp.sync_training_state(state, dir ? &*dir : nullptr, o.resume, "--resume");  // every rank: rank 0's state
  }

  // Training: each step draws a batch of source and data points, pairs them (the coupling:
  // OT for --path ot) and regresses the model on the path's velocity (flowmatch/cfm.h).
  // On P processes every rank draws the same global batch and keeps its rows
  // (flowmatch/shard.h). train_loop does the rest of each step: backward, averaging over
  // the ranks, guards, Adam, EMA, metrics.csv, checkpoints.
  fm::CFMOptions cfm;
  cfm.path = path, cfm.coupling = coupling;
  examples::LoopResult trained{0, NAN};
  if (!o.sample_only) {
    const auto loss_at = [&](int64_t) {
      const Tensor x0 = draw(o.source, o.batch, gen, device),
                   x1 = draw(o.data, o.batch, gen, device);  // the global batch
      if (meanflow) return fm::meanflow_loss(std::ref(model), mf, x0, x1, &gen).loss;
      return fm::cfm_loss_shard(std::ref(model), cfm, x0, x1, dp.shard(), scope, &gen);
    };
    if (o.minutes > 0)
      o.steps = examples::budget_steps(o.minutes, o.resume, dir ? &*dir : nullptr, state, loss_at, dp.size());
    const auto schedule = nn::LRSchedule::parse(o.schedule, o.lr, o.steps, std::min<int64_t>(100, o.steps / 10));
    if (dir) dir->write_config(config_json(o));  // (sampling leaves the training run's config alone)
    examples::LoopOptions loop;
    loop.parallel = &dp;
    loop.program = "toy2d", loop.dir = dir ? &*dir : nullptr, loop.total_steps = o.steps,
    loop.save_every = o.save_every, loop.log_every = 10;
    loop.last_step = o.stop_after > 0 ? std::min(o.stop_after, o.steps) : o.steps;
    // --sample-every: the EMA weights sample the same noise (a generator of its own, so the
    // training stream is untouched and a resumed run draws the same pictures) over the
    // same fresh data at every N steps; rank 0 draws, and nothing is built without the flag.
    std::unique_ptr<nn::MLP> watcher;
    Tensor watch_x0, watch_data;
    if (dir && o.sample_every > 0) {
      Generator watch_gen(static_cast<uint64_t>(o.seed) + 1000);
      watch_x0 = draw(o.source, o.samples, watch_gen, Device::cpu());
      watch_data = draw(o.data, o.samples, watch_gen, Device::cpu());
      watcher = std::make_unique<nn::MLP>(2, o.width, meanflow ? 2 : 1);
      watcher->to(device);
      loop.sample_every = o.sample_every;
      loop.sample = [&](int64_t steps_done) {
        ema.copy_to(*watcher);
        const Tensor start = ops::to(watch_x0, device);
        const Tensor x = meanflow ? fm::meanflow_sample(std::ref(*watcher), start, o.nfe)
                                  : fm::odeint(fm::as_field(std::ref(*watcher)), start, 0.0, 1.0, sampling).x;
        examples::plane_figure(480, ops::cat({watch_data, watch_x0}, 0), fmt::format("samples at step {}", steps_done))
            .scatter(watch_data, examples::colors::light_grey, 0.5, 1.6, "data")
            .scatter(x, examples::colors::blue, 0.6, 1.6, "samples")
            .save(dir->file(examples::plot_file(fmt::format("samples_step{}", steps_done))));
      };
    }
    if (dp.is_root())
      fmt::print("toy2d: training {} -> {} with {}{} ({} pairs{}, {} path), steps {}..{}\n", o.source, o.data,
                 meanflow ? "MeanFlow, " : "", o.path, coupling->name(), dp.size() > 1 ? ", OT scope " + o.ot_scope : "",
                 meanflow ? "straight" : path->name(), state.step, o.steps);
    trained = examples::train_loop(state, schedule, loss_at, loop);
    if (!dp.is_root()) return 0;  // sampling and its files: rank 0's
    if (state.step < o.steps) {
      fmt::print("toy2d: stopped after step {} of {} (--stop-after); continue with --resume\n", state.step, o.steps);
      return 0;
    }
  }

  // Sampling and its numbers and pictures.
  // Its noise and the fresh data come from a generator of their own, seeded by --seed alone,
  // so that runs with different training flags are judged on the same points (the
  // training stream's state after training depends on the flags).
  Generator eval_gen(static_cast<uint64_t>(o.seed) + 2000);
  examples::Json metrics = sample_and_measure(o, sampling, ema, eval_gen, device, *dir);
  metrics["steps"] = state.step, metrics["final_loss"] = trained.smoothed_loss,
  metrics["train_seconds"] = trained.seconds;
  metrics["processes"] = dp.size(), metrics["ot_scope"] = o.ot_scope;
  dir->write_metrics(metrics);
  examples::update_report(*dir);
  fmt::print(
      "toy2d: wrote {}/{{samples.png, trajectories.png, snapshots.png, flow.gif, loss.png, report.html, samples.npy, metrics.json, "
      "checkpoint.safetensors}}\n",
      o.out);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  using examples::positive, examples::at_least, examples::in_half_open, examples::one_of;
  Options o;
  CLI::App app{"toy2d: train a 2-D flow-matching model and sample it (rill)"};
  app.add_option("--out", o.out, "output folder")->capture_default_str();
  app.add_option("--data", o.data, "target distribution")->capture_default_str()->check(one_of(data::toy2d_names()));
  app.add_option("--source", o.source, "source distribution")
      ->capture_default_str()
      ->check(one_of(data::toy2d_names()));
  examples::add_method_flags(app, o.method);
  app.add_option("--path", o.path, "the CFM method (flowmatch/methods.h)")
      ->capture_default_str()
      ->check(one_of(fm::method_names()));
  app.add_option("--sigma", o.sigma,
                 "path noise (independent/ot), sigma_min (target), sigma (sb); 0: the method's default")
      ->capture_default_str()
      ->check(at_least(0));
  app.add_option("--steps", o.steps, "training steps")->capture_default_str()->check(at_least(1));
  app.add_option("--batch", o.batch, "batch size: the global batch, split evenly over mpirun's processes")
      ->capture_default_str()
      ->check(at_least(1));
  app.add_option("--ot-scope", o.ot_scope,
                 "on several processes, OT pairs over the global batch or within each "
                 "process's rows (torchcfm's multi-GPU pairing)")
      ->capture_default_str()
      ->check(one_of(fm::ot_scope_names()));
  app.add_option("--lr", o.lr, "learning rate (Adam)")->capture_default_str()->check(positive());
  app.add_option("--schedule", o.schedule, "learning-rate schedule")
      ->capture_default_str()
      ->check(one_of(nn::LRSchedule::names()));
  app.add_option("--width", o.width, "MLP width")->capture_default_str()->check(at_least(1));
  app.add_option("--ema", o.ema, "EMA decay of the sampling weights")->capture_default_str()->check(in_half_open(0, 1));
  app.add_option("--seed", o.seed, "random seed")->capture_default_str();
  app.add_option("--threads", o.threads, "threads (0: all cores)")->capture_default_str()->check(at_least(0));
  app.add_option("--device", o.device, "cpu or cuda")->capture_default_str()->check(examples::device_name());
  app.add_option("--solver", o.solver, "ODE solver")->capture_default_str()->check(one_of(fm::solver_names()));
  app.add_option("--nfe", o.nfe, "function evaluations for fixed-grid solvers")
      ->capture_default_str()
      ->check(at_least(1));
  app.add_option("--rtol", o.rtol, "dopri5 relative tolerance")->capture_default_str()->check(positive());
  app.add_option("--atol", o.atol, "dopri5 absolute tolerance")->capture_default_str()->check(positive());
  app.add_option("--samples", o.samples, "points to sample and evaluate")->capture_default_str()->check(at_least(1));
  app.add_option("--w2-sets", o.w2_sets, "fresh data sets (of --samples points) that W2 and its floor average over")
      ->capture_default_str()
      ->check(at_least(1));
  examples::add_checkpoint_flags(app, o.save_every, o.stop_after);
  examples::add_minutes_flag(app, o.minutes);
  app.add_option("--sample-every", o.sample_every,
                 "during training, draw the EMA model's samples every N steps into samples_step<N>.png (0: never)")
      ->capture_default_str()
      ->check(at_least(0));
  app.add_flag("--resume", o.resume, "continue from --out/checkpoint.safetensors");
  app.add_flag("--sample-only", o.sample_only, "skip training: sample from --out/checkpoint.safetensors")
      ->excludes("--resume");
  return examples::program_main("toy2d", app, argc, argv, [&] { return run(o); });
}
