// fm_targets — idea 1: regress a velocity rather than a noise (score) target.
//
// The same MLP is trained twice on the same variance-preserving path
// x_t = sin(pi t/2) x1 + cos(pi t/2) x0 (the cosine schedule), with the same data and steps:
//   velocity model  v(t, x_t) ~ u_t = alpha'_t x1 + sigma'_t x0        (flow matching)
//   noise model     e(t, x_t) ~ x0                                      (DDPM's epsilon target;
//                   its score is -e / sigma_t)
// Both are sampled with the same Euler ODE; the noise model's prediction is converted to a
// velocity (flowmatch/schedule.h), v = alpha' x1-hat + sigma' e with x1-hat = (x_t - sigma e) / alpha.
// That conversion divides by alpha_t, which is 0 at t = 0: noise prediction cannot start at
// pure noise, and an error in e becomes an error (det / alpha_t) e in v (det = alpha sigma' -
// sigma alpha'), without bound as t -> 0. This program measures both models' velocity error
// at fixed times on held-out points and W2 of their samples (noise model started at
// t = 0.01). Writes targets.csv, targets_velocity.png, targets_noise.png, loss.png (each
// model's training loss: velocity error for one, noise error for the other), report.html,
// metrics.json.
#include <cmath>

#include "autograd/autograd.h"
#include "data/toy2d.h"
#include "examples/common/flags.h"
#include "examples/common/plot.h"
#include "examples/common/report.h"
#include "examples/common/run.h"
#include "examples/common/train2d.h"
#include "nn/optim.h"
#include "nn/schedule.h"
#include "tensor/ops.h"
#include <CLI/CLI.hpp>

using namespace rill;
namespace fm = rill::flowmatch;

int main(int argc, char** argv) {
  std::string out = "runs/fm_targets", data_name = "moons";
  int64_t steps = 3000, eval_points = 500;
  int threads = 0;
  std::string device_name = "cpu";
  CLI::App app{"fm_targets: velocity versus noise targets on the same path (rill)"};
  app.add_option("--out", out, "output folder")->capture_default_str();
  app.add_option("--data", data_name, "2-D target")
      ->capture_default_str()
      ->check(examples::one_of(data::toy2d_names()));
  app.add_option("--steps", steps, "training steps per model")->capture_default_str()->check(examples::at_least(1));
  app.add_option("--eval-points", eval_points, "points for W2")->capture_default_str()->check(examples::at_least(2));
  app.add_option("--threads", threads, "threads (0: all cores)")->capture_default_str()->check(examples::at_least(0));
  app.add_option("--device", device_name, "cpu or cuda: where the networks train")
      ->capture_default_str()
      ->check(examples::device_name());
  return examples::program_main("fm_targets", app, argc, argv, [&] {
    const Device device = Device::parse(device_name);
    examples::startup_report("fm_targets", threads, device);
    examples::RunDir dir(out, "fm_targets");
    const auto schedule = fm::cosine_schedule();
    const auto path = fm::affine_path(schedule);
    const auto data = examples::named_sampler(data_name);

    // The velocity model: plain CFM on the VP path.
    fm::CFMOptions cfm;
    cfm.path = path;
    examples::Train2dOptions train;
    train.device = device;
    train.steps = steps;
    examples::LossLog velocity_losses, noise_losses;
    train.losses = &velocity_losses;
    auto velocity_model = examples::train_2d("velocity target", cfm, examples::named_sampler("gaussian"), data, train);

    // The noise model: the same network and optimiser, regressing x0 instead of u_t.
    manual_seed(train.seed);
    auto noise_model = std::make_shared<nn::MLP>(2, train.width);
    noise_model->to(device);
    {
      Generator gen(train.seed + 1);
      nn::Adam opt(noise_model->named_parameters(), {train.lr});
      const auto lr = nn::LRSchedule::cosine(train.lr, steps, std::min<int64_t>(100, steps / 10));
      for (int64_t step = 0; step < steps; ++step) {
        const Tensor x0 = ops::to(randn({train.batch, 2}, {}, &gen), device),
                     x1 = ops::to(data(train.batch, gen), device);
        const Tensor t = ops::to(rand({train.batch}, {}, &gen), device);
        const Tensor xt = path->mean(t, x0, x1);
        opt.set_lr(lr.at(step));
        opt.zero_grad();
        const Tensor loss = mse_loss((*noise_model)(t, xt), x0);
        noise_losses.emplace_back(step, loss.item());
        autograd::backward(loss);
        opt.step();
      }
      fmt::print("  noise target: {} steps done\n", steps);
    }
    // The noise model as a velocity field (singular at t = 0, where alpha = 0).
    const fm::VectorField noise_as_velocity = [&](double t, const Tensor& x) {
      const Tensor tt = full({x.size(0)}, t, x.options());
      return fm::convert_prediction(*schedule, tt, x, examples::evaluate(*noise_model, tt, x), fm::Prediction::Noise,
                                    fm::Prediction::Velocity);
    };

    // Velocity error of both models at fixed times, on fresh points of the path. Fixed
    // times, not bins: the converted noise model's error grows like (|det| / alpha_t)^2,
    // i.e. like 1/t^2 as t -> 0, whose mean over any bin [0, a) is infinite, so a bin's
    // average would only report which small t happened to be drawn. At a fixed t > 0
    // every expectation is finite. The last column is that amplification factor: an
    // error e in the noise prediction becomes an error (det / alpha_t) e in the velocity
    // (v = alpha' (x_t - sigma e) / alpha + sigma' e, so dv/de = det / alpha).
    Generator eval(77);
    std::ofstream csv(dir.file("targets.csv"));
    csv << "t,velocity_model_error,noise_model_error,amplification\n";
    examples::Json times = examples::Json::array();
    fmt::print("\nfm_targets: mean squared velocity error at fixed t (held-out points)\n{:>8} {:>12} {:>12} {:>14}\n",
               "t", "velocity", "noise", "|det|/alpha");
    for (double t_value : {0.001, 0.01, 0.05, 0.1, 0.2, 0.5, 0.8, 0.95}) {
      const int64_t n = 2000;
      const Tensor t = full({n}, t_value);
      const Tensor x0 = randn({n, 2}, {}, &eval), x1 = data(n, eval);
      const Tensor xt = path->mean(t, x0, x1), ut = path->velocity(t, x0, x1, xt);
      no_grad guard;
      auto err = [&](const Tensor& v) {
        const Tensor d = ops::to(ops::sub(v, ut), DType::Float64);
        return ops::mean(ops::sum(ops::mul(d, d), {1})).item();
      };
      const double ev = err(examples::evaluate(*velocity_model, t, xt));
      const double en = err(fm::convert_prediction(*schedule, t, xt, examples::evaluate(*noise_model, t, xt),
                                                   fm::Prediction::Noise, fm::Prediction::Velocity));
      const double a = schedule->alpha(t_value), sg = schedule->sigma(t_value);
      const double amplification = std::abs(a * schedule->d_sigma(t_value) - sg * schedule->d_alpha(t_value)) / a;
      csv << fmt::format("{},{},{},{}\n", t_value, ev, en, amplification);
      times.push_back(
          {{"t", t_value}, {"velocity_model", ev}, {"noise_model", en}, {"amplification", amplification}});
      fmt::print("{:>8} {:>12.4g} {:>12.4g} {:>14.4g}\n", t_value, ev, en, amplification);
    }

    // Samples: Euler, 100 steps; the noise model from t = 0.01.
    const Tensor x0 = randn({eval_points, 2}, {}, &eval);
    const Tensor fresh_a = data(eval_points, eval), fresh_b = data(eval_points, eval);
    const double floor = fm::wasserstein2(fresh_a, fresh_b);
    const Tensor s_vel =
        fm::odeint(examples::field_of(*velocity_model), x0, 0, 1, fm::OdeOptions::fixed(fm::Solver::Euler, 100)).x;
    // x at t = 0.01 on the path is cos(0.005 pi) x0 + sin(0.005 pi) x1 ~ x0 (the data term is 0.016 x1).
    const Tensor s_noise = fm::odeint(noise_as_velocity, x0, 0.01, 1, fm::OdeOptions::fixed(fm::Solver::Euler, 99)).x;
    const double w_vel = fm::wasserstein2(s_vel, fresh_a), w_noise = fm::wasserstein2(s_noise, fresh_a);
    fmt::print("fm_targets: W2 to fresh data (floor {:.3f}): velocity model {:.3f}, noise model {:.3f}\n", floor, w_vel,
               w_noise);
    for (const auto& [name, samples] : {std::pair{"velocity", s_vel}, std::pair{"noise", s_noise}}) {
      examples::plane_figure(400, fresh_a, std::string(name) + " model, Euler 100 steps")
          .scatter(fresh_a, examples::colors::light_grey, 0.5, 1.6, "data")
          .scatter(samples, examples::colors::blue, 0.7, 1.6, "samples")
          .save(dir.file(examples::plot_file(std::string("targets_") + name)));
    }
    examples::save_loss_plot(dir.file(examples::plot_file("loss")),
                             {{"velocity target", velocity_losses}, {"noise target", noise_losses}}, {},
                             "fm_targets: training losses");
    dir.write_metrics({{"w2_floor", floor},
                       {"w2_velocity_model", w_vel},
                       {"w2_noise_model", w_noise},
                       {"velocity_error_at_t", times}});
    examples::write_report(dir);
    fmt::print(
        "fm_targets: wrote {}/{{targets_velocity.png, targets_noise.png, targets.csv, loss.png, report.html, "
        "metrics.json}}\n",
        out);
    return 0;
  });
}
