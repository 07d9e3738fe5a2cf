#include "examples/common/image_flow.h"

#include <filesystem>

#include "autograd/autograd.h"
#include "examples/common/progress.h"
#include "examples/common/run.h"
#include "flowmatch/flowmatch.h"
#include "nn/io.h"
#include "nn/nn.h"
#include "tensor/ops.h"

namespace rill::examples {

namespace fm = rill::flowmatch;

void add_image_options(CLI::App& app, ImageOptions& o) {
  app.add_option("--data", o.data, "dataset folder")->capture_default_str();
  app.add_option("--out", o.out, "output folder")->capture_default_str();
  app.add_option("--steps", o.steps, "training steps")->capture_default_str();
  app.add_option("--batch", o.batch, "batch size")->capture_default_str();
  app.add_option("--lr", o.lr, "learning rate (Adam)")->capture_default_str();
  app.add_option("--schedule", o.schedule, "learning-rate schedule: constant, warmup or cosine")->capture_default_str();
  app.add_option("--base", o.base, "U-Net base channels (MODELS.md: 32)")->capture_default_str();
  app.add_option("--path", o.path, "independent, ot (exact minibatch OT; class-aware when --conditional), target, sb or vp")->capture_default_str();
  app.add_option("--sigma", o.sigma, "path noise")->capture_default_str();
  app.add_option("--ema", o.ema, "EMA decay; samples use the EMA weights")->capture_default_str();
  app.add_option("--seed", o.seed, "random seed")->capture_default_str();
  app.add_option("--threads", o.threads, "threads (0: all cores)")->capture_default_str();
  app.add_option("--device", o.device, "cpu or cuda")->capture_default_str();
  app.add_option("--solver", o.solver, "euler, midpoint, heun, rk4 or dopri5")->capture_default_str();
  app.add_option("--nfe", o.nfe, "function evaluations for fixed-grid solvers")->capture_default_str();
  app.add_option("--rtol", o.rtol, "dopri5 relative tolerance")->capture_default_str();
  app.add_option("--atol", o.atol, "dopri5 absolute tolerance")->capture_default_str();
  app.add_option("--samples", o.samples, "images to sample (the grid shows up to 100)")->capture_default_str();
  app.add_option("--save-every", o.save_every, "checkpoint every N steps")->capture_default_str();
  app.add_option("--limit", o.limit, "use only the first N training images (0: all)")->capture_default_str();
  app.add_flag("--conditional", o.conditional, "class-conditional with classifier-free guidance");
  app.add_option("--cfg-scale", o.cfg_scale, "guidance weight w (1: plain conditional)")->capture_default_str();
  app.add_option("--label-dropout", o.label_dropout, "probability of training on the null label")->capture_default_str();
  app.add_option("--bpd", o.bpd, "after sampling, bits/dim of this many test images (Hutchinson, dopri5)")->capture_default_str();
  app.add_flag("--resume", o.resume, "continue from --out/checkpoint.safetensors");
  app.add_flag("--sample-only", o.sample_only, "skip training: sample from --out/checkpoint.safetensors");
}

namespace {

fm::CFMOptions cfm_options(const ImageOptions& o, int64_t null_label) {
  fm::CFMOptions c;
  if (o.path == "independent") c.path = fm::independent_path(o.sigma);
  else if (o.path == "ot") c.path = fm::independent_path(o.sigma), c.coupling = o.conditional ? fm::class_ot_coupling() : fm::exact_ot_coupling();
  else if (o.path == "target") c.path = fm::target_path(o.sigma > 0 ? o.sigma : 1e-4);
  else if (o.path == "vp") c.path = fm::affine_path(fm::cosine_schedule());
  else if (o.path == "sb") {
    const double sigma = o.sigma > 0 ? o.sigma : 0.5;
    c.path = fm::schrodinger_bridge_path(sigma), c.coupling = fm::sinkhorn_coupling(2 * sigma * sigma);
  } else throw Error(fmt::format("unknown --path '{}' (expected independent, ot, target, sb or vp)", o.path));
  if (o.conditional) c.label_dropout = o.label_dropout, c.null_label = null_label;
  return c;
}

Json config_json(const ImageOptions& o) {
  return {{"program", o.program}, {"data", o.data},       {"out", o.out},         {"steps", o.steps},     {"batch", o.batch},
          {"lr", o.lr},           {"schedule", o.schedule}, {"base", o.base},     {"path", o.path},       {"sigma", o.sigma},
          {"ema", o.ema},         {"seed", o.seed},       {"device", o.device},   {"solver", o.solver},   {"nfe", o.nfe},
          {"rtol", o.rtol},       {"atol", o.atol},       {"samples", o.samples}, {"limit", o.limit},
          {"conditional", o.conditional}, {"cfg_scale", o.cfg_scale}, {"label_dropout", o.label_dropout}};
}

}  // namespace

int run_image_flow(const ImageOptions& o, const std::function<nn::data::ImageDataset(const std::string&)>& load) {
  const Device device = Device::parse(o.device);
  startup_report(o.program, o.threads, device);
  RunDir dir(o.out);
  const std::string ckpt = dir.file("checkpoint.safetensors");

  nn::data::ImageDataset data = load("train");
  if (o.limit > 0 && o.limit < data.count) {
    data.count = o.limit;
    data.pixels.resize(static_cast<size_t>(o.limit * data.channels * data.height * data.width));
    data.labels.resize(static_cast<size_t>(o.limit));
  }
  fmt::print("{}: {} training images of {}x{}x{} from {}\n", o.program, data.count, data.channels, data.height, data.width, o.data);

  manual_seed(static_cast<uint64_t>(o.seed));
  Generator gen(static_cast<uint64_t>(o.seed) + 1);
  nn::UNetConfig cfg;
  cfg.in_ch = data.channels, cfg.base = o.base, cfg.num_classes = o.conditional ? data.num_classes : 0;
  nn::UNet model(cfg);
  model.to(device);
  fmt::print("{}: U-Net with {} parameters{}\n", o.program, model.num_parameters(), o.conditional ? " (class-conditional)" : "");
  nn::Adam opt(model.named_parameters(), {o.lr});
  nn::EMA ema(model, o.ema);
  nn::TrainingState state{&model, &opt, &ema, &gen, 0};
  if (o.resume || o.sample_only) {
    RILL_CHECK(std::filesystem::exists(ckpt), "{} needs {}, which does not exist", o.resume ? "--resume" : "--sample-only", ckpt);
    nn::load_checkpoint(ckpt, state);
    fmt::print("{}: loaded {} at step {}\n", o.program, ckpt, state.step);
  }
  if (!o.sample_only) dir.write_config(config_json(o));  // sampling leaves the training run's config alone

  const int64_t null_label = data.num_classes;
  const fm::CFMOptions cfm = cfm_options(o, null_label);
  const fm::Model velocity = [&](const Tensor& t, const Tensor& x, const Tensor& y) { return model(x, t, y); };
  double train_seconds = 0, last_loss = NAN;
  if (!o.sample_only && state.step < o.steps) {
    nn::data::LoaderOptions lo;
    lo.batch_size = o.batch, lo.hflip = o.hflip;
    nn::data::DataLoader loader(data, lo, static_cast<uint64_t>(o.seed));
    loader.seek(state.step);  // a resumed run continues with the batches it would have seen
    const auto schedule = nn::LRSchedule::parse(o.schedule, o.lr, o.steps, std::min<int64_t>(200, o.steps / 10));
    dir.open_metrics_csv(o.resume);
    Progress progress(o.steps, state.step, 10);
    model.train();
    for (int64_t step = state.step; step < o.steps; ++step) {
      const nn::data::Batch b = loader.next();
      const Tensor x1 = ops::to(b.images, device);
      const Tensor labels = o.conditional ? ops::to(b.labels, device) : Tensor();
      opt.set_lr(schedule.at(step));
      opt.zero_grad();
      const Tensor loss = fm::cfm_loss(velocity, cfm, randn(x1.shape(), x1.options(), &gen), x1, &gen, labels);
      last_loss = loss.item();
      check_loss(last_loss, step);
      autograd::backward(loss);
      check_grad_norm(nn::clip_grad_norm_(model.parameters(), 1.0), step);
      opt.step();
      ema.update(model);
      progress.update(step, last_loss);
      dir.log_step(step, last_loss, opt.lr(), progress.elapsed_seconds());
      state.step = step + 1;
      if (state.step % o.save_every == 0 || state.step == o.steps) nn::save_checkpoint(ckpt, state);
    }
    progress.finish();
    train_seconds = progress.elapsed_seconds();
    last_loss = progress.smoothed_loss();
  }

  // Sample with the EMA weights; conditional grids show one class per row.
  nn::UNet sampler(cfg);
  sampler.to(device);
  ema.copy_to(sampler);
  sampler.eval();
  nn::safetensors::save(dir.file("model.safetensors"), sampler.state_dict(), {{"model", "UNet"}});
  const fm::Model sample_model = [&](const Tensor& t, const Tensor& x, const Tensor& y) { return sampler(x, t, y); };
  Tensor labels;
  fm::VectorField field;
  if (o.conditional) {
    std::vector<int64_t> l(o.samples);
    for (int64_t i = 0; i < o.samples; ++i) l[i] = std::min<int64_t>(i * data.num_classes / std::max<int64_t>(o.samples, 1), data.num_classes - 1);
    labels = ops::to(tensor(l), device);
    field = fm::guided_field(sample_model, labels, null_label, o.cfg_scale);
  } else {
    field = fm::as_field(sample_model);
  }
  const fm::Solver solver = fm::parse_solver(o.solver);
  const fm::OdeOptions ode = solver == fm::Solver::Dopri5 ? fm::OdeOptions::adaptive(o.rtol, o.atol)
                                                          : fm::OdeOptions::fixed(solver, std::max<int64_t>(1, o.nfe / fm::evals_per_step(solver)));
  const auto start = std::chrono::steady_clock::now();
  const fm::OdeResult r = fm::odeint(field, randn({o.samples, data.channels, data.height, data.width}, device, &gen), 0.0, 1.0, ode);
  const double sample_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const Tensor images = ops::clamp(r.x, -1, 1);
  nn::save_npy(dir.file("samples.npy"), ops::mul(ops::add(images, 1.0), 127.5));  // pixel scale [0, 255]
  if (labels.defined()) nn::save_npy(dir.file("labels.npy"), labels);
  nn::save_image_grid(dir.file("samples.png"), ops::narrow(images, 0, 0, std::min<int64_t>(100, o.samples)), 10);
  Json metrics = {{"steps", state.step},         {"final_loss", last_loss}, {"train_seconds", train_seconds},
                  {"nfe", r.nfe},               {"sample_seconds", sample_seconds}, {"samples", o.samples}};
  if (o.bpd > 0) {
    // Negative log-likelihood of dequantised test images through the reverse ODE, with
    // Hutchinson's divergence (exact would need one VJP per pixel), as bits per dimension.
    const nn::data::ImageDataset test = load("test");
    nn::data::DataLoader test_loader(test, {std::min(o.bpd, test.count), false, true, false});
    const nn::data::Batch b = test_loader.next();
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
    fmt::print("{}: {:.3f} bits/dim on {} test images ({} NFE)\n", o.program, bpd, x.size(0), lr.nfe);
  }
  dir.write_metrics(metrics);
  fmt::print("{}: {} samples with {} NFE in {:.1f} s; wrote {}/{{samples.png, samples.npy, metrics.json, checkpoint.safetensors}}\n",
             o.program, o.samples, r.nfe, sample_seconds, o.out);
  return 0;
}

}  // namespace rill::examples
