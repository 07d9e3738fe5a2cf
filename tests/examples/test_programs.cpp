// Short end-to-end runs of the example programs on tiny data in the real formats:
// every output file must exist and parse.
#include "examples/program_helpers.h"
#include "io/npy.h"
#include "io/png.h"

using namespace rill;
using namespace rill::test;

namespace {

void check_common_outputs(const fs::path& out, int64_t steps, bool validation = false) {
  const auto config = read_json(out / "config.json");
  CHECK(config.contains("seed"));
  std::ifstream csv(out / "metrics.csv");
  std::string header;
  std::getline(csv, header);
  CHECK(header == (validation ? "step,loss,lr,time,val_loss" : "step,loss,lr,time"));
  std::string line;
  int rows = 0;
  while (std::getline(csv, line)) ++rows;
  CHECK(rows >= 1);
  const auto metrics = read_json(out / "metrics.json");
  CHECK(metrics.at("steps").get<int64_t>() == steps);
  CHECK(metrics.at("nfe").get<int64_t>() > 0);
  const auto ckpt = io::safetensors::load((out / "checkpoint.safetensors").string());
  CHECK(ckpt.metadata.at("step") == std::to_string(steps));
  CHECK(!io::safetensors::load((out / "model.safetensors").string()).tensors.empty());
  check_png(out / "samples.png");
  check_png(out / "loss.png");  // every training run draws its loss curve
  const std::string report = read_file(out / "report.html");
  CHECK(report.find("src=\"loss.png\"") != std::string::npos);
  CHECK(report.find("src=\"samples.png\"") != std::string::npos);
}

// Two runs' checkpoint.safetensors hold the same tensors, bit for bit.
void require_same_checkpoints(const fs::path& a_dir, const fs::path& b_dir) {
  const auto a = io::safetensors::load((a_dir / "checkpoint.safetensors").string()).tensors;
  const auto b = io::safetensors::load((b_dir / "checkpoint.safetensors").string()).tensors;
  REQUIRE(a.size() == b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    INFO(a[i].first);
    CHECK(rill::test::values(a[i].second) == rill::test::values(b[i].second));
  }
}

}  // namespace

TEST_CASE("toy2d: a short run writes every output, then resumes and samples from the checkpoint", "[examples]") {
  const fs::path dir = rill::test::temp_dir("toy2d");
  const std::string base = rill::test::program("toy2d") + " --out " + (dir / "run").string() +
                           " --batch 32 --width 16 --samples 64 --nfe 4 --save-every 10 --threads 1";
  run(dir, base + " --steps 20");
  check_common_outputs(dir / "run", 20);
  check_png(dir / "run" / "trajectories.png");
  check_png(dir / "run" / "snapshots.png");
  const Tensor samples = io::load_npy((dir / "run" / "samples.npy").string());
  CHECK(samples.shape() == Shape{64, 2});
  const auto metrics = read_json(dir / "run" / "metrics.json");
  for (const char* key : {"w2", "w2_floor", "straightness"}) CHECK(metrics.at(key).get<double>() >= 0);
  run(dir, base + " --steps 30 --resume");
  check_common_outputs(dir / "run", 30);
  run(dir, base + " --steps 30 --sample-only --solver dopri5");
  CHECK(read_json(dir / "run" / "metrics.json").at("solver") == "dopri5");
  // A bad flag value is a clear error and a non-zero exit.
  CHECK(
      std::system((rill::test::program("toy2d") + " --path bogus --out " + (dir / "bad").string() + " > /dev/null 2>&1")
                      .c_str()) != 0);

  // MeanFlow: train, then resume, then sample one step from the checkpoint.
  const std::string mf = rill::test::program("toy2d") + " --out " + (dir / "mf").string() +
                         " --batch 32 --width 16 --samples 64 --save-every 10 --threads 1 --method meanflow";
  run(dir, mf + " --steps 20 --nfe 4");
  check_common_outputs(dir / "mf", 20);
  auto mf_metrics = read_json(dir / "mf" / "metrics.json");
  for (const char* key : {"w2_1step", "w2_2step", "w2_ratio_1step"}) CHECK(mf_metrics.at(key).get<double>() > 0);
  CHECK(mf_metrics.at("solver") == "meanflow");
  CHECK(mf_metrics.at("nfe") == 4);
  run(dir, mf + " --steps 30 --nfe 4 --resume");
  check_common_outputs(dir / "mf", 30);
  run(dir, mf + " --steps 30 --sample-only --nfe 1");
  CHECK(read_json(dir / "mf" / "metrics.json").at("nfe") == 1);
  CHECK(io::load_npy((dir / "mf" / "samples.npy").string()).shape() == Shape{64, 2});
  CHECK(std::system((mf + " --path sb > /dev/null 2>&1").c_str()) != 0);  // MeanFlow's path is the straight one
  fs::remove_all(dir);
}

TEST_CASE("toy2d --minutes: a time budget becomes a step count that leaves no trace, and --resume keeps it",
          "[examples]") {
  const fs::path dir = rill::test::temp_dir("minutes");
  const std::string base =
      rill::test::program("toy2d") + " --batch 32 --width 16 --samples 16 --nfe 2 --threads 1 --out ";
  // A budget of about 0.2 s: the run times a few steps, then trains the count that fits.
  run(dir, base + (dir / "budget").string() + " --minutes 0.003");
  const int64_t steps = read_json(dir / "budget" / "config.json").at("steps").get<int64_t>();
  REQUIRE(steps >= 1);
  CHECK(read_json(dir / "budget" / "metrics.json").at("steps").get<int64_t>() == steps);
  CHECK(read_json(dir / "budget" / "config.json").at("minutes").get<double>() == 0.003);
  // The timing steps changed nothing: the same run with --steps N ends bitwise equal.
  run(dir, base + (dir / "fixed").string() + " --steps " + std::to_string(steps));
  require_same_checkpoints(dir / "budget", dir / "fixed");
  // Stopped early and resumed with --minutes: the planned count, not a new plan.
  if (steps >= 2) {
    run(dir, base + (dir / "stopped").string() + " --minutes 0.003 --stop-after 1");
    const int64_t planned = read_json(dir / "stopped" / "config.json").at("steps").get<int64_t>();
    run(dir, base + (dir / "stopped").string() + " --minutes 0.003 --resume");
    CHECK(read_json(dir / "stopped" / "config.json").at("steps").get<int64_t>() == planned);
    CHECK(read_json(dir / "stopped" / "metrics.json").at("steps").get<int64_t>() == planned);
  }
  fs::remove_all(dir);
}

TEST_CASE("image_flow --preset mnist: a short conditional run on tiny IDX files", "[examples]") {
  const fs::path dir = rill::test::temp_dir("mnist");
  const fs::path data = dir / "data";
  write_tiny_mnist(data);
  run(dir, image_flow("mnist") + " --data " + data.string() + " --out " + (dir / "run").string() +
               " --steps 3 --batch 4 --base 8 --samples 4 --nfe 2 --conditional --bpd 2 --threads 1");
  check_common_outputs(dir / "run", 3, true);
  // Bits/dim of dequantised 8-bit data under a model near N(0, I): finite and positive.
  const double bpd = read_json(dir / "run" / "metrics.json").at("bits_per_dim").get<double>();
  CHECK(std::isfinite(bpd));
  CHECK(bpd > 0);
  CHECK(io::load_npy((dir / "run" / "samples.npy").string()).shape() == Shape{4, 1, 28, 28});
  CHECK(io::load_npy((dir / "run" / "labels.npy").string()).shape() == Shape{4});
  // Resuming reproduces the uninterrupted run exactly: 4 steps = 2 steps + resume to 4 (a
  // constant learning rate, so that the first, shorter run has the same schedule)
  // (with a negative seed, which the checkpoint stores as an unsigned number).
  const std::string common = image_flow("mnist") + " --data " + data.string() +
                             " --batch 4 --base 8 --samples 2 --solver euler --nfe 1 --threads 1 --seed -3 --schedule constant --out ";
  run(dir, common + (dir / "straight").string() + " --steps 4");
  run(dir, common + (dir / "resumed").string() + " --steps 2");
  run(dir, common + (dir / "resumed").string() + " --steps 4 --resume");
  require_same_checkpoints(dir / "straight", dir / "resumed");
  fs::remove_all(dir);
}

TEST_CASE("image_flow --preset cifar10: a short run on tiny CIFAR-10 binaries", "[examples]") {
  const fs::path dir = rill::test::temp_dir("cifar");
  const fs::path data = dir / "data";
  write_cifar10(data);
  run(dir, image_flow("cifar10") + " --data " + data.string() + " --out " + (dir / "run").string() +
               " --steps 2 --batch 4 --base 8 --samples 2 --nfe 2 --threads 1");
  check_common_outputs(dir / "run", 2, true);
  CHECK(io::load_npy((dir / "run" / "samples.npy").string()).shape() == Shape{2, 3, 32, 32});
  // MeanFlow on colour images: the two-time U-Net with 3 channels, one step.
  run(dir, image_flow("cifar10") + " --data " + data.string() + " --out " + (dir / "mf").string() +
               " --method meanflow --steps 2 --batch 4 --base 8 --samples 2 --threads 1");
  check_common_outputs(dir / "mf", 2, true);
  CHECK(io::load_npy((dir / "mf" / "samples.npy").string()).shape() == Shape{2, 3, 32, 32});
  fs::remove_all(dir);
}

TEST_CASE("image_flow --method meanflow: conditional one-step runs, resume and sample-only", "[examples]") {
  const fs::path dir = rill::test::temp_dir("image_meanflow");
  const fs::path data = dir / "data";
  write_tiny_mnist(data);
  const std::string common = image_flow("mnist") + " --data " + data.string() +
                             " --method meanflow --conditional --batch 4 --base 8 --samples 4 --threads 1 --out ";
  run(dir, common + (dir / "run").string() + " --steps 3 --bpd 2");
  check_common_outputs(dir / "run", 3, true);
  auto metrics = read_json(dir / "run" / "metrics.json");
  CHECK(metrics.at("nfe") == 1);  // MeanFlow's default: one jump
  CHECK(std::isfinite(metrics.at("bits_per_dim").get<double>()));  // through u(t, t, x) = v(t, x)
  CHECK(read_json(dir / "run" / "config.json").at("method") == "meanflow");
  CHECK(io::safetensors::load((dir / "run" / "model.safetensors").string()).metadata.at("method") == "meanflow");
  CHECK(io::load_npy((dir / "run" / "samples.npy").string()).shape() == Shape{4, 1, 28, 28});
  run(dir, common + (dir / "run").string() + " --steps 3 --sample-only --nfe 2");
  CHECK(read_json(dir / "run" / "metrics.json").at("nfe") == 2);
  // --weights model samples with the training weights: model.safetensors then holds the
  // checkpoint's model., not its ema., tensors.
  run(dir, common + (dir / "run").string() + " --steps 3 --sample-only --weights model");
  CHECK(read_json(dir / "run" / "metrics.json").at("weights") == "model");
  {
    const auto ckpt = io::safetensors::load((dir / "run" / "checkpoint.safetensors").string());
    const auto written = io::safetensors::load((dir / "run" / "model.safetensors").string());
    CHECK(written.metadata.at("weights") == "model");
    for (const auto& [name, t] : written.tensors)
      for (const auto& [cname, c] : ckpt.tensors)
        if (cname == "model." + name) CHECK(rill::test::values(t) == rill::test::values(c));
  }
  // Resuming reproduces the uninterrupted run exactly (constant learning rate, as above).
  run(dir, common + (dir / "straight").string() + " --steps 4 --schedule constant");
  run(dir, common + (dir / "resumed").string() + " --steps 2 --schedule constant");
  run(dir, common + (dir / "resumed").string() + " --steps 4 --schedule constant --resume");
  require_same_checkpoints(dir / "straight", dir / "resumed");
  // A CFM checkpoint is not a MeanFlow one (the second time's weights are missing), and
  // MeanFlow trains on the straight path only.
  run(dir, image_flow("mnist") + " --data " + data.string() +
               " --conditional --batch 4 --base 8 --samples 2 --solver euler --nfe 1 --threads 1 --steps 1 --out " +
               (dir / "cfm").string());
  CHECK(std::system((common + (dir / "cfm").string() + " --steps 1 --sample-only > /dev/null 2>&1").c_str()) != 0);
  CHECK(std::system((common + (dir / "bad").string() + " --steps 1 --path sb > /dev/null 2>&1").c_str()) != 0);
  fs::remove_all(dir);
}

TEST_CASE("the flow-matching idea programs run and write their figures and numbers", "[examples]") {
  const fs::path dir = rill::test::temp_dir("ideas");
  struct Program {
    std::string binary, args;
    std::vector<std::string> files;
  };
  const std::vector<Program> programs = {
      {rill::test::program("fm_targets"),
       "--steps 20 --eval-points 32",
       {"targets_velocity.png", "targets_noise.png", "targets.csv"}},
      {rill::test::program("fm_marginal"), "--steps 200 --eval-points 64", {"marginal.png", "marginal.csv"}},
      {rill::test::program("fm_straight"),
       "--steps 20 --eval-points 32 --reflow-pairs 64",
       {"straight_independent.png", "straight_ot.png", "straight_sb.png", "straight_reflow.png", "straight.csv"}},
      {rill::test::program("fm_diffusion"),
       "--steps 20 --eval-points 32",
       {"diffusion_ode.png", "diffusion_sde.png", "diffusion.csv"}},
      {rill::test::program("fm_likelihood"),
       "--steps 20 --eval-points 64",
       {"likelihood.csv", "loss.png", "report.html"}},
  };
  for (const Program& p : programs) {
    const fs::path out = dir / fs::path(p.binary).filename();
    run(dir, p.binary + " --threads 1 --out " + out.string() + " " + p.args);
    const auto metrics = read_json(out / "metrics.json");
    CHECK(!metrics.empty());
    for (const std::string& f : p.files) {
      INFO(out / f);
      CHECK(fs::file_size(out / f) > 0);
      if (f.size() > 4 && f.substr(f.size() - 4) == ".png") check_png(out / f);
    }
    check_png(out / "loss.png");  // the training losses of the program's models
    CHECK(fs::file_size(out / "report.html") > 0);
  }
  // The marginal-field identity: loss = distance to the marginal field + the targets' spread.
  const auto m = read_json(dir / "fm_marginal" / "metrics.json");
  CHECK(m.at("final_marginal_error").get<double>() < m.at("initial_marginal_error").get<double>());
  CHECK(m.at("final_loss").get<double>() ==
        Approx(m.at("final_marginal_error").get<double>() + m.at("spread").get<double>()).epsilon(0.05));
  // The instantaneous change of variables on the closed-form field gives the mixture's
  // exact log-density (to the solver's tolerance); Hutchinson's estimate is unbiased.
  const auto l = read_json(dir / "fm_likelihood" / "metrics.json");
  CHECK(l.at("closed_form_mean_abs_error").get<double>() < 1e-5);
  CHECK(std::abs(l.at("hutchinson_mean_error").get<double>()) < 4 * l.at("hutchinson_standard_error").get<double>());
  fs::remove_all(dir);
}
