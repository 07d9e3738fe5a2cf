// image_flow — flow matching on images with the U-Net of docs/models.md (docs/tour.md).
//
//   ./build/examples/image_flow                                   Fashion-MNIST (Debian's), 2000 steps
//   ./build/examples/image_flow --conditional                     class-conditional, one class per grid row
//   ./build/examples/image_flow --conditional --minutes 15        the best model 15 minutes give
//   ./build/examples/image_flow --preset cifar10 --data DIR/cifar-10-batches-bin
//   ./build/examples/image_flow --method meanflow --conditional    one-step samples (MeanFlow)
//
// A preset names the dataset: its reader, default folder, output folder and augmentation.
//   mnist    IDX files (MNIST or Fashion-MNIST; .gz or raw), 1x28x28, default folder
//            /usr/share/datasets/fashion-mnist (Debian's dataset-fashion-mnist)
//   cifar10  the CIFAR-10 binary batches, 3x32x32, random horizontal flips
// Writes into --out: config.json, metrics.csv (with val_loss: the loss of a fixed batch of
// the test split, every --val-every steps), checkpoint.safetensors (resumable),
// model.safetensors (the weights that sampled: EMA unless --weights model), samples.png (a grid: conditional, one row of up to 10
// per class, named; else the first 100 in rows of 10), samples.npy (pixel scale 0..255),
// labels.npy (conditional), loss.png, report.html, metrics.json (with --bpd: bits per
// dimension; with --judge FILE: Frechet distance, its floor and class accuracy by a
// classifier the judge program trained); with --sample-every N also samples_step<N>.png.
//
// --method meanflow trains the U-Net with a second time as an average velocity u(t, r, x)
// (flowmatch/meanflow.h) and samples in --nfe jumps (default 1); --cfg-scale is then
// trained into the model (the guided target), so sampling needs no second pass.
//
// On several processes (data-parallel, examples/common/data_parallel.h):
//   mpirun -np 2 ./build/examples/image_flow --conditional --batch 64   32 rows per process, the model of one process
// --batch is the global batch; rank 0 prints and writes every file.
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "autograd/autograd.h"
#include "data/cifar10.h"
#include "data/idx.h"
#include "data/loader.h"
#include "examples/common/data_parallel.h"
#include "examples/common/flags.h"
#include "examples/common/image_grid.h"
#include "examples/common/image_presets.h"
#include "examples/common/judge.h"
#include "examples/common/meanflow_flags.h"
#include "examples/common/report.h"
#include "examples/common/run.h"
#include "examples/common/train_loop.h"
#include "flowmatch/flowmatch.h"
#include "io/npy.h"
#include "nn/nn.h"
#include "tensor/ops.h"
#include <CLI/CLI.hpp>

using namespace rill;
using namespace rill::examples;
namespace fm = rill::flowmatch;

namespace {

struct ImageOptions {
  std::string preset = "mnist", out, data, path = "ot", solver = "midpoint", schedule = "cosine", device = "cpu",
              ot_scope = "global", judge, judge_real = "test", time = "logit-normal";
  int64_t steps = 2000, batch = 64, samples = 100, nfe = 20, seed = 0, save_every = 250, stop_after = 0, limit = 0,
          base = 32, bpd = 0, sample_every = 0, val_batch = 256, val_every = 50;
  int threads = 0;
  double minutes = 0;
  // lr and cfg_scale chosen by measurement (docs/image-defaults.md); MeanFlow's guidance is 2
  double lr = 2e-3, rtol = 1e-4, atol = 1e-4, ema = 0.999, cfg_scale = 1.5, cfg_until = 1.0, label_dropout = 0.1,
         sigma = 0.0;
  bool conditional = false, resume = false, sample_only = false, ema_warmup = true;
  std::vector<int64_t> classes;  // --classes: train on these classes only (empty: all)
  std::string weights = "ema";
  // --method meanflow: the paper's choices (fraction 0.25 of r != t rows, logit-normal times, p = 1)
  MethodFlags method;
};

void add_options(CLI::App& app, ImageOptions& o) {
  app.add_option("--preset", o.preset,
                 "the dataset: mnist (IDX files: MNIST, Fashion-MNIST) or cifar10 (binary batches)")
      ->capture_default_str()
      ->check(one_of(image_preset_names()));
  app.add_option("--data", o.data, "dataset folder (default: the preset's)");
  app.add_option("--out", o.out, "output folder (default: runs/<preset>)");
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
  app.add_option("--base", o.base, "U-Net base channels (docs/models.md: 32)")->capture_default_str()->check(at_least(1));
  add_method_flags(app, o.method);
  app.add_option("--path", o.path, "the CFM method (flowmatch/methods.h); ot is class-aware when --conditional")
      ->capture_default_str()
      ->check(one_of(fm::method_names()));
  app.add_option("--time", o.time,
                 "cfm: training time sampler (uniform, or logit-normal(0, 1): more steps mid-path; MeanFlow's is "
                 "--mf-time)")
      ->capture_default_str()
      ->check(one_of({"uniform", "logit-normal"}));
  app.add_option("--sigma", o.sigma, "path noise; 0: the method's default")->capture_default_str()->check(at_least(0));
  app.add_option("--ema", o.ema, "EMA decay; samples use the EMA weights")
      ->capture_default_str()
      ->check(in_half_open(0, 1));
  app.add_option("--ema-warmup", o.ema_warmup,
                 "EMA decay min(--ema, (1 + n) / (10 + n)) after step n, so that a short run's average is not stuck "
                 "near the initial weights (nn/ema.h)")
      ->capture_default_str();
  app.add_option("--weights", o.weights, "the weights that sample: the EMA's or the training model's (the last step's)")
      ->capture_default_str()
      ->check(one_of({"ema", "model"}));
  app.add_option("--seed", o.seed, "random seed")->capture_default_str();
  app.add_option("--threads", o.threads, "threads (0: all cores)")->capture_default_str()->check(at_least(0));
  app.add_option("--device", o.device, "cpu or cuda")->capture_default_str()->check(device_name());
  app.add_option("--solver", o.solver, "ODE solver")->capture_default_str()->check(one_of(fm::solver_names()));
  app.add_option("--nfe", o.nfe, "function evaluations for fixed-grid solvers")
      ->capture_default_str()
      ->check(at_least(1));
  app.add_option("--rtol", o.rtol, "dopri5 relative tolerance")->capture_default_str()->check(positive());
  app.add_option("--atol", o.atol, "dopri5 absolute tolerance")->capture_default_str()->check(positive());
  app.add_option("--samples", o.samples,
                 "images to sample (the grid shows up to 10 per class, or the first 100 when unconditional)")
      ->capture_default_str()
      ->check(at_least(1));
  examples::add_checkpoint_flags(app, o.save_every, o.stop_after);
  examples::add_minutes_flag(app, o.minutes);
  app.add_option("--limit", o.limit, "use only the first N training images (0: all)")
      ->capture_default_str()
      ->check(at_least(0));
  app.add_flag("--conditional", o.conditional, "class-conditional with classifier-free guidance");
  app.add_option("--classes", o.classes,
                 "a derived dataset: only these classes, e.g. 0,2,4,6 (labels kept; training, validation, samples "
                 "and the judge's real images all keep to them)")
      ->delimiter(',')
      ->check(CLI::NonNegativeNumber);
  app.add_option("--cfg-scale", o.cfg_scale,
                 "guidance weight w (1: plain conditional); with --method meanflow (default 2) it is trained into the "
                 "model (omega of the guided target) and sampling takes none")
      ->capture_default_str()
      ->check(any_finite());
  app.add_option("--cfg-until", o.cfg_until,
                 "cfm: guidance acts on t <= this time only, the rest of the path is plain conditional (1: all the "
                 "way; flowmatch/cfm.h)")
      ->capture_default_str()
      ->check(in_closed(0, 1));
  app.add_option("--label-dropout", o.label_dropout, "probability of training on the null label")
      ->capture_default_str()
      ->check(in_half_open(0, 1));
  app.add_option("--bpd", o.bpd, "after sampling, bits/dim of this many test images (Hutchinson, dopri5)")
      ->capture_default_str()
      ->check(at_least(0));
  app.add_option("--judge", o.judge,
                 "judge.safetensors from the judge program: report the samples' Frechet distance to real images (--judge-real), "
                 "its two-real-sets floor and (conditional) class accuracy in metrics.json")
      ->check(CLI::ExistingFile);
  app.add_option("--judge-real", o.judge_real,
                 "the real images --judge compares with: test (the test split) or heldout (the training images after "
                 "the first --limit, which the run never saw: choose settings by these, never by the test split)")
      ->capture_default_str()
      ->check(one_of({"test", "heldout"}));
  app.add_option("--sample-every", o.sample_every,
                 "during training, sample a small grid (4 per class, or 40) with the EMA weights every N steps "
                 "into samples_step<N>.png (0: never)")
      ->capture_default_str()
      ->check(at_least(0));
  app.add_option("--val-batch", o.val_batch,
                 "validation: the loss of this many test images (fixed noise and times) in metrics.csv (0: none)")
      ->capture_default_str()
      ->check(at_least(0));
  app.add_option("--val-every", o.val_every, "validation period in steps")->capture_default_str()->check(at_least(1));
  app.add_flag("--resume", o.resume, "continue from --out/checkpoint.safetensors");
  app.add_flag("--sample-only", o.sample_only, "skip training: sample from --out/checkpoint.safetensors")
      ->excludes("--resume");
}

fm::CFMOptions cfm_options(const ImageOptions& o, int64_t null_label) {
  fm::CFMOptions c;
  const fm::Method m = fm::method_by_name(o.path, o.sigma, /*class_aware=*/o.conditional);
  c.path = m.path, c.coupling = m.coupling;
  if (o.time == "logit-normal") c.time = fm::TimeSampler::logit_normal(0.0, 1.0);
  if (o.conditional) c.label_dropout = o.label_dropout, c.null_label = null_label;
  return c;
}

Json config_json(const ImageOptions& o) {
  Json j = {{"program", "image_flow"},
          {"preset", o.preset},
          {"data", o.data},
          {"out", o.out},
          {"steps", o.steps},
          {"minutes", o.minutes},
          {"batch", o.batch},
          {"lr", o.lr},
          {"schedule", o.schedule},
          {"base", o.base},
          {"path", o.path},
          {"sigma", o.sigma},
          {"ema", o.ema},
          {"ema_warmup", o.ema_warmup},
          {"seed", o.seed},
          {"device", o.device},
          {"solver", o.solver},
          {"nfe", o.nfe},
          {"rtol", o.rtol},
          {"atol", o.atol},
          {"samples", o.samples},
          {"limit", o.limit},
          {"classes", o.classes},
          {"conditional", o.conditional},
          {"cfg_scale", o.cfg_scale},
          {"cfg_until", o.cfg_until},
          {"time", o.time},
          {"label_dropout", o.label_dropout},
          {"save_every", o.save_every},
          {"ot_scope", o.ot_scope},
          {"sample_every", o.sample_every},
          {"val_batch", o.val_batch},
          {"val_every", o.val_every}};
  j.update(method_json(o.method));
  return j;
}

int run(ImageOptions o) {
  const ImagePreset& preset = image_preset_named(o.preset, "image_flow");
  if (o.data.empty()) o.data = preset.data;
  if (o.out.empty()) o.out = "runs/" + preset.name;
  const auto load = [&](const std::string& split) { return preset.load(o.data, split); };
  const auto with_classes = [&](data::ImageDataset d) { return o.classes.empty() ? d : data::of_classes(d, o.classes); };
  // Everything the flags name, resolved before any work (CLI11 has checked each flag alone).
  const Device device = Device::parse(o.device);
  const bool meanflow = o.method.meanflow();
  // MeanFlow samples by --nfe jumps of its average velocity; CFM solves the ODE.
  const fm::OdeOptions sampling = meanflow ? fm::OdeOptions{} : sampling_options(o.solver, o.nfe, o.rtol, o.atol);
  RILL_CHECK(o.judge_real == "test" || o.limit > 0,
             "image_flow: --judge-real heldout compares with the training images after the first --limit N; give "
             "--limit (the same as the run trained with)");
  const fm::OTScope scope = fm::ot_scope_by_name(o.ot_scope);

  // One process, or several under mpirun: rank 0 holds the --out folder and writes every
  // file; the others train their share of each batch and write nothing.
  DataParallel dp = DataParallel::from_launcher();
  dp.shard().check_batch(o.batch, "--batch");
  startup_report("image_flow", o.threads, device, dp, o.batch);
  std::optional<RunDir> dir;
  if (dp.is_root()) dir.emplace(o.out, "image_flow");

  // The training split: --classes keeps those classes (a derived dataset), --limit the
  // first N images of what is left; --judge-real heldout judges by the rest.
  data::ImageDataset data = with_classes(load("train"));
  data::ImageDataset heldout;
  if (o.limit > 0 && o.limit < data.count) {
    if (o.judge_real == "heldout") heldout = data::slice(data, o.limit, data.count);
    data = data::slice(data, 0, o.limit);
  }
  if (dp.is_root())
    fmt::print("{}: {} training images of {}x{}x{} from {}{}\n", "image_flow", data.count, data.channels, data.height,
               data.width, o.data, o.classes.empty() ? "" : fmt::format(" (classes {})", fmt::join(o.classes, ",")));
  // The classes that samples are drawn for: --classes, or all.
  std::vector<int64_t> sample_classes = o.classes;
  if (sample_classes.empty())
    for (int64_t c = 0; c < data.num_classes; ++c) sample_classes.push_back(c);
  const auto n_classes = static_cast<int64_t>(sample_classes.size());

  manual_seed(static_cast<uint64_t>(o.seed));
  Generator gen(static_cast<uint64_t>(o.seed) + 1);
  nn::UNetConfig cfg;
  cfg.in_ch = data.channels, cfg.base = o.base, cfg.num_classes = o.conditional ? data.num_classes : 0;
  cfg.times = meanflow ? 2 : 1;  // MeanFlow's u(t, r, x)
  nn::UNet model(cfg);
  model.to(device);
  if (dp.is_root())
    fmt::print("{}: U-Net with {} parameters{}{}\n", "image_flow", model.num_parameters(),
               o.conditional ? " (class-conditional)" : "", meanflow ? " (MeanFlow: two times)" : "");
  nn::Adam opt(model.named_parameters(), {o.lr});
  nn::EMA ema(model, o.ema, o.ema_warmup);
  // Sampling needs the weights, the EMA and the generator, not the optimizer's moments.
  nn::TrainingState state{&model, o.sample_only ? nullptr : &opt, &ema, &gen, 0};
  if (o.sample_only) {
    if (!dp.is_root()) return 0;  // sampling runs on rank 0 alone
    dir->load_checkpoint(state, "--sample-only");
  } else {
    dp.sync_training_state(state, dir ? &*dir : nullptr, o.resume, "--resume");  // every rank: rank 0's state
  }

  const int64_t null_label = data.num_classes;
  const fm::CFMOptions cfm = cfm_options(o, null_label);  // CLI11 has checked --path
  fm::MeanFlowOptions mf;  // --method meanflow: the same pairs; guidance trained into the target
  if (meanflow) {
    mf = meanflow_options("image_flow", o.method, o.path, cfm.coupling, dp.size());
    if (o.conditional) mf.label_dropout = o.label_dropout, mf.null_label = null_label, mf.cfg_omega = o.cfg_scale;
  }
  LoopResult trained{0, NAN};
  if (!o.sample_only) {
    // Training: step s takes batch s of the step-indexed loader (so a resumed run sees the
    // batches it would have seen), pairs noise with it and regresses the model on the path's
    // velocity (MeanFlow: on the average velocity's target); train_loop does the rest
    // (backward, averaging over the ranks, clipping to norm 1, Adam, EMA, files). On P
    // processes every rank takes the same global batch and noise and keeps its rows
    // (flowmatch/shard.h).
    data::LoaderOptions lo;
    lo.batch_size = o.batch, lo.hflip = preset.hflip;
    data::DataLoader loader(data, lo, static_cast<uint64_t>(o.seed));
    const auto loss_at = [&](int64_t step) {
      const data::Batch b = loader.batch(step);
      const Tensor x1 = ops::to(b.images, device);
      const Tensor labels = o.conditional ? ops::to(b.labels, device) : Tensor();
      const Tensor x0 = randn(x1.shape(), x1.options(), &gen);
      if (meanflow) return fm::meanflow_loss(std::ref(model), mf, x0, x1, &gen, labels).loss;
      return fm::cfm_loss_shard(std::ref(model), cfm, x0, x1, dp.shard(), scope, &gen, labels);
    };
    if (o.minutes > 0) o.steps = budget_steps(o.minutes, o.resume, dir ? &*dir : nullptr, state, loss_at, dp.size());
    const auto schedule = nn::LRSchedule::parse(o.schedule, o.lr, o.steps, std::min<int64_t>(200, o.steps / 10));
    if (dir) dir->write_config(config_json(o));  // (sampling leaves the training run's config alone)
    LoopOptions loop;
    loop.parallel = &dp;
    loop.program = "image_flow", loop.dir = dir ? &*dir : nullptr, loop.total_steps = o.steps,
    loop.save_every = o.save_every;
    loop.last_step = o.stop_after > 0 ? std::min(o.stop_after, o.steps) : o.steps;
    loop.print_every = 10, loop.max_grad_norm = 1.0;

    // Validation: the loss of the training weights on a fixed batch of the test split, with
    // noise, times and pairs drawn once from a generator of their own, so the numbers of
    // different steps (and of a resumed run) are comparable. Rank 0 alone: the weights are
    // the same on every rank.
    std::optional<fm::CFMBatch> val;
    if (dir && o.val_batch > 0) {
      try {
        const data::ImageDataset test = with_classes(load("test"));
        data::DataLoader val_loader(test, {std::min(o.val_batch, test.count), false, false, false});
        const data::Batch b = val_loader.next();
        Generator val_gen(static_cast<uint64_t>(o.seed) + 2000);
        fm::CFMOptions val_cfm = cfm;
        val_cfm.label_dropout = 0;  // the true labels: the conditional model's loss
        const Tensor x1 = ops::to(b.images, device);
        val = fm::cfm_batch(val_cfm, randn(x1.shape(), x1.options(), &val_gen), x1, &val_gen,
                            o.conditional ? ops::to(b.labels, device) : Tensor());
        fmt::print("{}: validation loss on {} test images every {} steps\n", "image_flow", x1.size(0), o.val_every);
      } catch (const std::exception& e) {
        fmt::print("{}: no validation loss (--val-batch 0 silences this): {}\n", "image_flow", e.what());
      }
    }
    if (val) {
      loop.validate_every = o.val_every;
      loop.validate = [&] {
        no_grad guard;
        model.eval();
        // (MeanFlow: its r = t predictions, the instantaneous velocity; the same regression)
        const Tensor pred = meanflow ? model(val->sample.t, val->sample.t, val->sample.xt, val->labels)
                                     : model(val->sample.t, val->sample.xt, val->labels);
        const Tensor d = ops::sub(pred, val->sample.ut);
        const double loss = ops::mean(ops::mul(d, d)).item();  // the training loss's mean((v - u)^2)
        model.train();
        return loss;
      };
    }
    // --sample-every: a small grid from the EMA weights on fixed noise (its own generator),
    // drawn by rank 0; nothing is built for it without the flag.
    const std::vector<std::string> names = class_names(o.preset, o.data, data.num_classes);
    std::unique_ptr<nn::UNet> watcher;
    Tensor watch_x0;
    std::vector<int64_t> watch_labels;
    if (dir && o.sample_every > 0) {
      watcher = std::make_unique<nn::UNet>(cfg);
      watcher->to(device);
      for (int64_t i = 0; i < 4 * n_classes; ++i) watch_labels.push_back(o.conditional ? sample_classes[i / 4] : 0);
      Generator watch_gen(static_cast<uint64_t>(o.seed) + 1000);
      watch_x0 = randn({static_cast<int64_t>(watch_labels.size()), data.channels, data.height, data.width}, device,
                       &watch_gen);
      loop.sample_every = o.sample_every;
      loop.sample = [&](int64_t steps_done) {
        ema.copy_to(*watcher);
        watcher->eval();
        const Tensor l = ops::to(tensor(watch_labels), device);
        const fm::Model m = std::ref(*watcher);
        const Tensor x =
            meanflow ? fm::meanflow_sample(std::ref(*watcher), watch_x0, o.nfe, o.conditional ? l : Tensor())
                     : fm::odeint(o.conditional ? fm::guided_field(m, l, null_label, o.cfg_scale, o.cfg_until) : fm::as_field(m),
                                  watch_x0, 0.0, 1.0, sampling)
                           .x;
        save_image_grid(dir->file(plot_file(fmt::format("samples_step{}", steps_done))), ops::clamp(x, -1, 1),
                        o.conditional ? class_rows(watch_labels, names, 4) : plain_rows(x.size(0), 10, 40),
                        fmt::format("{} samples at step {}", dataset_name(o.preset, o.data), steps_done));
      };
    }
    trained = train_loop(state, schedule, loss_at, loop);
    if (!dp.is_root()) return 0;  // sampling and its files: rank 0's
    if (state.step < o.steps) {
      fmt::print("{}: stopped after step {} of {} (--stop-after); continue with --resume\n", "image_flow", state.step,
                 o.steps);
      return 0;
    }
  }

  // Sample with the EMA weights (or, --weights model, the training weights); conditional
  // grids show one class per row.
  nn::UNet sampler(cfg);
  sampler.to(device);
  if (o.weights == "ema")
    ema.copy_to(sampler);
  else
    sampler.load_state_dict(model.state_dict());
  sampler.eval();
  io::safetensors::save(dir->file("model.safetensors"), sampler.state_dict(),
                        {{"model", "UNet"}, {"method", o.method.method}, {"weights", o.weights}});
  // The instantaneous velocity: MeanFlow's u(t, t, x) is v(t, x) (the likelihood needs it).
  const fm::Model sample_model = meanflow ? fm::Model([&](const Tensor& t, const Tensor& x, const Tensor& y) {
    return sampler(t, t, x, y);
  })
                                          : fm::Model(std::ref(sampler));
  Tensor labels;
  fm::VectorField field;
  if (o.conditional) {
    std::vector<int64_t> l(o.samples);
    for (int64_t i = 0; i < o.samples; ++i)
      l[i] = sample_classes[std::min<int64_t>(i * n_classes / std::max<int64_t>(o.samples, 1), n_classes - 1)];
    labels = ops::to(tensor(l), device);
    field = fm::guided_field(sample_model, labels, null_label, o.cfg_scale, o.cfg_until);
  } else {
    field = fm::as_field(sample_model);
  }
  const auto start = std::chrono::steady_clock::now();
  const Tensor x0 = randn({o.samples, data.channels, data.height, data.width}, device, &gen);
  fm::OdeResult r;
  if (meanflow) {
    r.x = fm::meanflow_sample(std::ref(sampler), x0, o.nfe, labels);  // --nfe jumps, guidance already trained in
    r.nfe = o.nfe;
  } else {
    r = fm::odeint(field, x0, 0.0, 1.0, sampling);
  }
  const double sample_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const Tensor images = ops::clamp(r.x, -1, 1);
  io::save_npy(dir->file("samples.npy"), ops::mul(ops::add(images, 1.0), 127.5));  // pixel scale [0, 255]
  if (labels.defined()) io::save_npy(dir->file("labels.npy"), labels);
  {
    std::vector<int64_t> l =
        labels.defined() ? ops::to(labels, Device::cpu()).to_vector<int64_t>() : std::vector<int64_t>{};
    const std::vector<std::string> names = class_names(o.preset, o.data, data.num_classes);
    save_image_grid(dir->file(plot_file("samples")), images,
                    o.conditional ? class_rows(l, names, 10) : plain_rows(o.samples, 10, 100),
                    fmt::format("{} samples after {} steps{}", dataset_name(o.preset, o.data), state.step,
                                meanflow ? fmt::format(", MeanFlow, {} step{}", o.nfe, o.nfe > 1 ? "s" : "")
                                : o.conditional ? fmt::format(" (guidance {})", o.cfg_scale)
                                                : ""));
  }
  Json metrics = {{"steps", state.step},
                  {"weights", o.weights},
                  {"final_loss", trained.smoothed_loss},
                  {"train_seconds", trained.seconds},
                  {"nfe", r.nfe},
                  {"sample_seconds", sample_seconds},
                  {"samples", o.samples},
                  {"processes", dp.size()},
                  {"ot_scope", o.ot_scope}};
  if (o.bpd > 0) {
    // Negative log-likelihood of dequantised test images through the reverse ODE, with
    // Hutchinson's divergence (exact would need one VJP per pixel), as bits per dimension.
    const data::ImageDataset test = load("test");
    data::DataLoader test_loader(test, {std::min(o.bpd, test.count), false, true, false});
    const data::Batch b = test_loader.next();
    const Tensor pixels = ops::mul(ops::add(b.images, 1.0), 127.5);  // back to 0..255
    const Tensor x = ops::to(fm::dequantize(pixels, &gen), device);
    fm::LikelihoodOptions lo;
    lo.divergence = fm::DivergenceMethod::Hutchinson, lo.generator = &gen;
    lo.ode = fm::OdeOptions::adaptive(o.rtol, o.atol);
    const Tensor y = o.conditional ? ops::to(b.labels, device) : Tensor();
    const fm::LikelihoodResult lr = fm::log_likelihood(fm::as_field(sample_model, y), x, lo);
    const double mean_log_prob = ops::mean(ops::to(lr.log_prob, DType::Float64)).item();
    const double bpd = fm::bits_per_dim(mean_log_prob, x.numel() / x.size(0));
    metrics["bits_per_dim"] = bpd, metrics["nll_nats"] = -mean_log_prob, metrics["likelihood_nfe"] = lr.nfe;
    fmt::print("{}: {:.3f} bits/dim on {} test images ({} NFE)\n", "image_flow", bpd, x.size(0), lr.nfe);
  }
  if (!o.judge.empty()) {
    // In-framework image quality (examples/common/judge.h): the Frechet distance in the
    // judge's features against as many real test images, its floor between two real sets,
    // and for conditional samples the judge's accuracy on their classes. Its own random
    // numbers, so the training stream (and a resumed run) is untouched.
    Judge judge = load_judge(o.judge);
    Generator judge_gen(static_cast<uint64_t>(o.seed) + 3000);
    const JudgeScores js =
        judge_samples(*judge.model, images, labels, o.judge_real == "test" ? with_classes(load("test")) : heldout,
                      judge_gen);
    metrics["judge_real"] = o.judge_real;
    metrics["frechet"] = js.frechet, metrics["frechet_floor"] = js.frechet_floor;
    metrics["frechet_ratio"] = js.frechet / js.frechet_floor;
    metrics["high_freq"] = js.high_freq, metrics["high_freq_real"] = js.high_freq_real;
    metrics["high_freq_ratio"] = js.high_freq / js.high_freq_real;
    metrics["speckle"] = js.speckle, metrics["speckle_real"] = js.speckle_real;
    fmt::print("image_flow: judge ({}): Frechet distance {:.4f} to {} {} images, floor {:.4f} (ratio {:.2f}); "
               "high-frequency energy {:.2f}x the real images', background speckle {:.4f} (real {:.4f})",
               o.judge, js.frechet, js.n, o.judge_real == "test" ? "test" : "held-out training", js.frechet_floor,
               js.frechet / js.frechet_floor, js.high_freq / js.high_freq_real, js.speckle, js.speckle_real);
    if (labels.defined()) {
      metrics["class_accuracy"] = js.accuracy, metrics["judge_test_accuracy"] = judge.test_accuracy;
      metrics["real_accuracy"] = js.real_accuracy;
      fmt::print("; class accuracy {:.2f}% (the judge scores {:.2f}% on the {} real images, {:.2f}% on the whole "
                 "test split)",
                 100 * js.accuracy, 100 * js.real_accuracy, js.n, 100 * judge.test_accuracy);
    }
    fmt::print("\n");
  }
  dir->write_metrics(metrics);
  update_report(*dir);
  fmt::print(
      "{}: {} samples with {} NFE in {:.1f} s; wrote {}/{{samples.png, samples.npy, loss.png, report.html, "
      "metrics.json, checkpoint.safetensors}}\n",
      "image_flow", o.samples, r.nfe, sample_seconds, o.out);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  ImageOptions o;
  CLI::App app{
      "image_flow: train a flow-matching U-Net on images (MNIST, Fashion-MNIST, CIFAR-10) and sample it (rill)"};
  add_options(app, o);
  return program_main("image_flow", app, argc, argv, [&] {
    if (o.method.meanflow() && app.count("--nfe") == 0) o.nfe = 1;  // MeanFlow's default: one step
    // MeanFlow's omega, trained in: 2 (its measured runs, docs/flow-matching.md); CFM's w: 1.5
    if (o.method.meanflow() && app.count("--cfg-scale") == 0) o.cfg_scale = 2.0;
    return run(o);
  });
}
