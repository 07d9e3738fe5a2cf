// fm_marginal — idea 2: conditional flow matching learns the marginal velocity field.
//
// The target is a mixture of 8 Gaussians (radius 4, std 0.4: the `8gaussians` data),
// whose marginal velocity u_t(x) on the straight path from N(0, I) is known in closed form
// (flowmatch/gmm.h). While the MLP trains on per-pair targets u_t(x | x0, x1) = x1 - x0,
// every 100 steps on a fixed evaluation batch this program measures
//   loss      E || v(t, x_t) - u_t(x_t | x0, x1) ||^2        (what is minimised)
//   marginal  E || v(t, x_t) - u_t(x_t) ||^2                 (distance to the marginal field)
//   spread    E || u_t(x_t | x0, x1) - u_t(x_t) ||^2         (the per-pair targets' own distance from it)
// Lipman et al. (2023, Thm. 2): in expectation loss = marginal + spread (on a finite batch
// up to a small cross term), with `spread` independent of the model; so the loss plateaus at `spread` while `marginal`
// goes to 0. Writes marginal.csv, marginal.png (the three curves, log scale), loss.png
// (the minibatch training loss), report.html and metrics.json.
#include <cmath>

#include "autograd/grad_mode.h"
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
  std::string out = "runs/fm_marginal";
  int64_t steps = 3000, eval_points = 4096;
  int threads = 0;
  std::string device_name = "cpu";
  CLI::App app{"fm_marginal: conditional flow matching converges to the closed-form marginal field (rill)"};
  app.add_option("--out", out, "output folder")->capture_default_str();
  app.add_option("--steps", steps, "training steps")->capture_default_str()->check(examples::at_least(1));
  app.add_option("--eval-points", eval_points, "evaluation batch")->capture_default_str()->check(examples::at_least(2));
  app.add_option("--threads", threads, "threads (0: all cores)")->capture_default_str()->check(examples::at_least(0));
  app.add_option("--device", device_name, "cpu or cuda: where the networks train")
      ->capture_default_str()
      ->check(examples::device_name());
  return examples::program_main("fm_marginal", app, argc, argv, [&] {
    const Device device = Device::parse(device_name);
    examples::startup_report("fm_marginal", threads, device);
    examples::RunDir dir(out, "fm_marginal");
    std::vector<std::vector<double>> means;
    for (int k = 0; k < 8; ++k) means.push_back({4 * std::cos(M_PI / 4 * k), 4 * std::sin(M_PI / 4 * k)});
    const fm::GaussianMixture gmm(means, std::vector<double>(8, 0.4));
    const auto schedule = fm::linear_schedule();
    const auto path = fm::independent_path();

    // A fixed evaluation batch: pairs, times, points and both targets.
    Generator eval(11);
    const Tensor e0 = randn({eval_points, 2}, {}, &eval), e1 = gmm.sample(eval_points, &eval);
    const Tensor et = rand({eval_points}, {}, &eval);
    const fm::PathSample es = path->sample(et, e0, e1, &eval);
    std::vector<Tensor> marginal_rows;
    const auto tv = et.to_vector<double>();
    for (int64_t i = 0; i < eval_points; ++i)  // u_t(x) at each point's own time
      marginal_rows.push_back(gmm.marginal_velocity(*schedule, tv[i], ops::narrow(es.xt, 0, i, 1)));
    const Tensor u_marginal = ops::cat(marginal_rows, 0);
    auto mean_sq = [](const Tensor& a, const Tensor& b) {
      const Tensor d = ops::to(ops::sub(a, b), DType::Float64);
      return ops::mean(ops::sum(ops::mul(d, d), {1})).item();
    };
    const double spread = mean_sq(es.ut, u_marginal);

    std::vector<double> xs, loss_curve, marginal_curve;
    std::ofstream csv(dir.file("marginal.csv"));
    csv << "step,loss,marginal,spread\n";
    examples::Train2dOptions train;
    train.device = device;
    train.steps = steps, train.every = 100;
    examples::LossLog losses;
    train.losses = &losses;
    train.callback = [&](int64_t step, nn::MLP& model) {
      no_grad guard;
      const Tensor v = examples::evaluate(model, es.t, es.xt);
      const double loss = mean_sq(v, es.ut), marginal = mean_sq(v, u_marginal);
      csv << step << ',' << loss << ',' << marginal << ',' << spread << '\n';
      xs.push_back(static_cast<double>(step)), loss_curve.push_back(loss), marginal_curve.push_back(marginal);
    };
    const examples::Sampler2d data = [&](int64_t n, Generator& g) { return gmm.sample(n, &g); };
    examples::train_2d("i-cfm", fm::CFMOptions{}, examples::named_sampler("gaussian"), data, train);
    fmt::print("\nfm_marginal: {:>6} {:>10} {:>10} {:>10} {:>12}\n", "step", "loss", "marginal", "spread",
               "marg+spread");
    for (size_t i = 0; i < xs.size(); i += std::max<size_t>(1, xs.size() / 10))
      fmt::print("fm_marginal: {:>6} {:>10.4f} {:>10.4f} {:>10.4f} {:>12.4f}\n", xs[i], loss_curve[i],
                 marginal_curve[i], spread, marginal_curve[i] + spread);
    fmt::print("fm_marginal: {:>6} {:>10.4f} {:>10.4f} {:>10.4f} {:>12.4f}\n", xs.back(), loss_curve.back(),
               marginal_curve.back(), spread, marginal_curve.back() + spread);

    examples::Figure f(640, 420);
    f.title("CFM loss = distance to the marginal field + spread")
        .xlabel("step")
        .ylabel("mean squared error (log scale)")
        .log_y();
    f.line(xs, std::vector<double>(xs.size(), spread), examples::colors::grey, 2, "spread of the targets");
    f.line(xs, loss_curve, examples::colors::red, 2, "CFM loss (evaluation batch)");
    f.line(xs, marginal_curve, examples::colors::blue, 2, "distance to the marginal field");
    f.save(dir.file(examples::plot_file("marginal")));
    examples::save_loss_plot(dir.file(examples::plot_file("loss")), {{"i-cfm", losses}}, {},
                             "fm_marginal: training loss (minibatches)");
    dir.write_metrics({{"spread", spread},
                       {"final_loss", loss_curve.back()},
                       {"final_marginal_error", marginal_curve.back()},
                       {"initial_marginal_error", marginal_curve.front()},
                       {"steps", steps}});
    examples::write_report(dir);
    fmt::print("fm_marginal: wrote {}/{{marginal.png, marginal.csv, loss.png, report.html, metrics.json}}\n", out);
    return 0;
  });
}
