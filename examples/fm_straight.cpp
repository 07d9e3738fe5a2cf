// fm_straight — idea 3: OT couplings straighten the paths, so fewer solver steps suffice.
//
// Trains the same MLP from N(0, I) to moons with independent pairs (I-CFM), exact
// minibatch OT (OT-CFM) and the Schrodinger bridge (entropic OT + SB path), then one
// round of reflow on the I-CFM model. For each: straightness and W2 to fresh data after
// Euler sampling with 1, 2, 4, 8, 16 and 100 steps. Writes straight_<method>.png (the
// trajectories of each method), straight.csv, loss.png, report.html and metrics.json into --out.
#include "autograd/autograd.h"
#include "data/toy2d.h"
#include "examples/common/flags.h"
#include "examples/common/plot.h"
#include "examples/common/report.h"
#include "examples/common/run.h"
#include "examples/common/train2d.h"
#include "nn/optim.h"
#include "tensor/ops.h"
#include <CLI/CLI.hpp>

using namespace rill;
namespace fm = rill::flowmatch;

int main(int argc, char** argv) {
  std::string out = "runs/fm_straight", data_name = "moons";
  int64_t steps = 2000, eval_points = 500, reflow_pairs = 10000;
  int threads = 0;
  std::string device_name = "cpu";
  CLI::App app{"fm_straight: OT couplings and reflow straighten flow-matching paths (rill)"};
  app.add_option("--out", out, "output folder")->capture_default_str();
  app.add_option("--data", data_name, "2-D target")
      ->capture_default_str()
      ->check(examples::one_of(data::toy2d_names()));
  app.add_option("--steps", steps, "training steps per model")->capture_default_str()->check(examples::at_least(1));
  app.add_option("--eval-points", eval_points, "points for W2 (exact assignment, O(n^3))")
      ->capture_default_str()
      ->check(examples::at_least(2));
  app.add_option("--reflow-pairs", reflow_pairs, "pairs generated for reflow")
      ->capture_default_str()
      ->check(examples::at_least(1));
  app.add_option("--threads", threads, "threads (0: all cores)")->capture_default_str()->check(examples::at_least(0));
  app.add_option("--device", device_name, "cpu or cuda: where the networks train")
      ->capture_default_str()
      ->check(examples::device_name());
  return examples::program_main("fm_straight", app, argc, argv, [&] {
    const Device device = Device::parse(device_name);
    examples::startup_report("fm_straight", threads, device);
    examples::RunDir dir(out, "fm_straight");
    const auto source = examples::named_sampler("gaussian"), data = examples::named_sampler(data_name);
    examples::Train2dOptions train;
    train.device = device;
    train.steps = steps;

    struct Method {
      std::string name;
      fm::CFMOptions cfm;
    };
    std::vector<Method> methods(3);
    methods[0].name = "independent";
    methods[1].name = "ot", methods[1].cfm.coupling = fm::exact_ot_coupling();
    methods[2].name = "sb", methods[2].cfm.path = fm::schrodinger_bridge_path(0.5),
    methods[2].cfm.coupling = fm::sinkhorn_coupling(0.5, 1000, 1e-4);
    std::vector<std::pair<std::string, std::shared_ptr<nn::MLP>>> models;
    std::vector<std::pair<std::string, examples::LossLog>> losses;
    for (const Method& m : methods) {
      fmt::print("fm_straight: training {}\n", m.name);
      examples::LossLog log;
      train.losses = &log;
      models.emplace_back(m.name, examples::train_2d(m.name, m.cfm, source, data, train));
      losses.emplace_back(m.name, std::move(log));
    }
    train.losses = nullptr;  // (it pointed at the loop's log)
    // Reflow (Liu et al. 2023): pairs (x0, ODE(x0)) from the I-CFM model, then fine-tune it on them.
    {
      fmt::print("fm_straight: reflow of the independent model on {} generated pairs\n", reflow_pairs);
      Generator gen(7);
      const fm::ReflowPairs pairs = fm::make_reflow_pairs(examples::field_of(*models[0].second), reflow_pairs, {2},
                                                          fm::OdeOptions::fixed(fm::Solver::RK4, 25), &gen);
      auto reflowed = std::make_shared<nn::MLP>(2, train.width);
      reflowed->to(device);
      reflowed->load_state_dict(models[0].second->state_dict());
      // Fine-tune on minibatches of whole generated pairs, straight-line path, pairs kept as
      // they are (independent coupling on aligned rows): the coupling is the first flow's.
      const fm::CFMOptions cfm;
      Generator train_gen(8);
      nn::Adam opt(reflowed->named_parameters(), {1e-3});
      examples::LossLog log;
      for (int64_t step = 0; step < steps / 2; ++step) {
        const Tensor idx = randint(0, reflow_pairs, {train.batch}, DType::Int64, &train_gen);
        opt.zero_grad();
        const Tensor x0 = ops::to(ops::index_select(pairs.x0, 0, idx), device),
                     x1 = ops::to(ops::index_select(pairs.x1, 0, idx), device);
        const Tensor loss = fm::cfm_loss(std::ref(*reflowed), cfm, x0, x1, &train_gen);
        log.emplace_back(step, loss.item());
        autograd::backward(loss);
        opt.step();
      }
      losses.emplace_back("reflow (fine-tuning)", std::move(log));
      models.emplace_back("reflow", reflowed);
    }

    // Evaluation: straightness (100-step Euler trajectories) and W2 against fresh data by NFE.
    Generator eval(123);
    const Tensor x0 = source(eval_points, eval), fresh_a = data(eval_points, eval), fresh_b = data(eval_points, eval);
    const double floor = fm::wasserstein2(fresh_a, fresh_b);
    const std::vector<int64_t> nfes = {1, 2, 4, 8, 16, 100};
    examples::Json results = {
        {"w2_floor", floor}, {"eval_points", eval_points}, {"steps", steps}, {"methods", examples::Json::object()}};
    std::ofstream csv(dir.file("straight.csv"));
    csv << "method,nfe,w2,straightness\n";
    fmt::print("\nfm_straight: W2 to fresh data by Euler steps (two-sample floor {:.3f})\n{:<12} {:>12}", floor,
               "method", "straightness");
    for (int64_t n : nfes) fmt::print(" {:>8}", fmt::format("NFE {}", n));
    fmt::print("\n");
    for (auto& [name, model] : models) {
      fm::OdeOptions ode = fm::OdeOptions::fixed(fm::Solver::Euler, 100);
      ode.save_times = fm::linspace_times(0, 1, 100);
      const fm::OdeResult full = fm::odeint(examples::field_of(*model), x0, 0, 1, ode);
      const double s = fm::straightness(full.trajectory);
      fmt::print("{:<12} {:>12.4f}", name, s);
      examples::Json by_nfe = examples::Json::object();
      for (int64_t n : nfes) {
        const Tensor samples =
            n == 100 ? full.x
                     : fm::odeint(examples::field_of(*model), x0, 0, 1, fm::OdeOptions::fixed(fm::Solver::Euler, n)).x;
        const double w2 = fm::wasserstein2(samples, fresh_a);
        by_nfe[std::to_string(n)] = w2;
        csv << name << ',' << n << ',' << w2 << ',' << s << '\n';
        fmt::print(" {:>8.3f}", w2);
      }
      fmt::print("\n");
      results["methods"][name] = {{"straightness", s}, {"w2_by_nfe", by_nfe}};
      // The paths over the data, their noise (red) and their ends (blue).
      const int64_t shown = std::min<int64_t>(200, eval_points);
      examples::plane_figure(400, ops::cat({fresh_a, x0}, 0), fmt::format("{}: straightness {:.3f}", name, s))
          .scatter(fresh_a, examples::colors::light_grey, 0.4, 1.4, "data")
          .trajectories(full.trajectory, shown, examples::colors::grey, 0.35)
          .scatter(ops::narrow(x0, 0, 0, shown), examples::colors::red, 0.8, 1.8, "noise")
          .scatter(ops::narrow(full.x, 0, 0, shown), examples::colors::blue, 0.8, 1.8, "samples")
          .save(dir.file(examples::plot_file("straight_" + name)));
    }
    examples::save_loss_plot(dir.file(examples::plot_file("loss")), losses, {}, "fm_straight: training losses");
    dir.write_metrics(results);
    examples::write_report(dir);
    fmt::print("fm_straight: wrote {}/{{straight_*.png, straight.csv, loss.png, report.html, metrics.json}}\n", out);
    return 0;
  });
}
