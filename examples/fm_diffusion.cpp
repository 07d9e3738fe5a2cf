// fm_diffusion — idea 4: diffusion is a special case of flow matching.
//
// Trains the MLP velocity field on the variance-preserving path of the VP-SDE (Song et al.
// 2021), x_t = alpha_t x1 + sigma_t x0 with alpha_t = exp(-B(1 - t)/2), sigma_t^2 = 1 - alpha_t^2,
// by plain flow matching. Then samples it twice: with the probability-flow ODE dx = v dt,
// and with the reverse-time SDE dx = (v + g^2/2 score) dt + g dW, g = sigma_t, where the
// score comes from the velocity through the Gaussian-path conversion (flowmatch/schedule.h).
// Reports W2 to fresh data for both at several step counts; writes diffusion_ode.png,
// diffusion_sde.png, diffusion.csv, loss.png, report.html and metrics.json into --out.
#include "data/toy2d.h"
#include "examples/common/flags.h"
#include "examples/common/plot.h"
#include "examples/common/report.h"
#include "examples/common/run.h"
#include "examples/common/train2d.h"
#include "tensor/ops.h"
#include <CLI/CLI.hpp>

using namespace rill;
namespace fm = rill::flowmatch;

int main(int argc, char** argv) {
  std::string out = "runs/fm_diffusion", data_name = "moons";
  int64_t steps = 3000, eval_points = 500;
  int threads = 0;
  std::string device_name = "cpu";
  CLI::App app{"fm_diffusion: sample a flow-matching model on the VP path with the ODE and with the SDE (rill)"};
  app.add_option("--out", out, "output folder")->capture_default_str();
  app.add_option("--data", data_name, "2-D target")
      ->capture_default_str()
      ->check(examples::one_of(data::toy2d_names()));
  app.add_option("--steps", steps, "training steps")->capture_default_str()->check(examples::at_least(1));
  app.add_option("--eval-points", eval_points, "points for W2")->capture_default_str()->check(examples::at_least(2));
  app.add_option("--threads", threads, "threads (0: all cores)")->capture_default_str()->check(examples::at_least(0));
  app.add_option("--device", device_name, "cpu or cuda: where the networks train")
      ->capture_default_str()
      ->check(examples::device_name());
  return examples::program_main("fm_diffusion", app, argc, argv, [&] {
    const Device device = Device::parse(device_name);
    examples::startup_report("fm_diffusion", threads, device);
    examples::RunDir dir(out, "fm_diffusion");
    const auto schedule = fm::vp_sde_schedule();
    fm::CFMOptions cfm;
    cfm.path = fm::affine_path(schedule);
    examples::Train2dOptions train;
    train.device = device;
    train.steps = steps;
    examples::LossLog losses;
    train.losses = &losses;
    const auto data = examples::named_sampler(data_name);
    auto model = examples::train_2d("vp-sde path", cfm, examples::named_sampler("gaussian"), data, train);
    const fm::VectorField v = examples::field_of(*model);

    Generator eval(321);
    const Tensor x0 = randn({eval_points, 2}, {}, &eval);
    const Tensor fresh_a = data(eval_points, eval), fresh_b = data(eval_points, eval);
    const double floor = fm::wasserstein2(fresh_a, fresh_b);
    examples::Json results = {{"w2_floor", floor},
                              {"schedule", schedule->name()},
                              {"ode", examples::Json::object()},
                              {"sde", examples::Json::object()}};
    std::ofstream csv(dir.file("diffusion.csv"));
    csv << "sampler,steps,w2\n";
    fmt::print("\nfm_diffusion: W2 to fresh data (two-sample floor {:.3f})\n{:>6} {:>10} {:>10}\n", floor, "steps",
               "ODE", "SDE");
    Tensor ode_last, sde_last;
    for (int64_t n : {10, 25, 50, 200}) {
      ode_last = fm::odeint(v, x0, 0, 1, fm::OdeOptions::fixed(fm::Solver::Euler, n)).x;
      fm::SdeOptions sde;
      sde.steps = n, sde.generator = &eval;
      sde_last = fm::sde_sample(v, *schedule, x0, sde).x;
      const double w_ode = fm::wasserstein2(ode_last, fresh_a), w_sde = fm::wasserstein2(sde_last, fresh_a);
      results["ode"][std::to_string(n)] = w_ode, results["sde"][std::to_string(n)] = w_sde;
      csv << "ode," << n << ',' << w_ode << "\nsde," << n << ',' << w_sde << '\n';
      fmt::print("{:>6} {:>10.3f} {:>10.3f}\n", n, w_ode, w_sde);
    }
    for (const auto& [name, samples] : {std::pair{"ode", ode_last}, std::pair{"sde", sde_last}}) {
      const std::string title =
          std::string(name) == "ode" ? "probability-flow ODE, 200 steps" : "reverse SDE, 200 steps";
      examples::plane_figure(400, fresh_a, title)
          .scatter(fresh_a, examples::colors::light_grey, 0.5, 1.6, "data")
          .scatter(samples, examples::colors::blue, 0.7, 1.6, "samples")
          .save(dir.file(examples::plot_file(std::string("diffusion_") + name)));
    }
    examples::save_loss_plot(dir.file(examples::plot_file("loss")), {{"vp-sde path", losses}}, {},
                             "fm_diffusion: training loss");
    dir.write_metrics(results);
    examples::write_report(dir);
    fmt::print(
        "fm_diffusion: wrote {}/{{diffusion_ode.png, diffusion_sde.png, diffusion.csv, loss.png, report.html, "
        "metrics.json}}\n",
        out);
    return 0;
  });
}
