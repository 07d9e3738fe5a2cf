// fm_likelihood — idea 5: a flow is a normalising flow, so it has an exact likelihood.
//
// The instantaneous change of variables (Chen et al. 2018, Thm. 1) gives the density a
// flow dx/dt = v(t, x) carries from N(0, I) to t = 1 (flowmatch/likelihood.h):
//     log p_1(x_1) = log N(x_0; 0, I) - integral_0^1 div v(t, x_t) dt
// This program checks it where the answer is known. The target is the mixture of 8
// Gaussians of fm_marginal (radius 4, std 0.4), whose exact log-density is known, and whose
// marginal velocity on the straight path from N(0, I) is known in closed form
// (flowmatch/gmm.h):
//   1. the closed-form field: its likelihood must equal the mixture's log-density, up to
//      the ODE solver's tolerance (exact divergence), or on average (Hutchinson's
//      one-probe estimate, unbiased but noisy);
//   2. a trained MLP: its mean log-likelihood on fresh mixture points falls short of the
//      exact mean log-density by KL(p_data || p_model) >= 0, which is how well it learned.
// Writes likelihood.csv, loss.png (the MLP's training loss), report.html and metrics.json.
#include <cmath>

#include "autograd/autograd.h"
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
  std::string out = "runs/fm_likelihood";
  int64_t steps = 3000, eval_points = 1000;
  int threads = 0;
  std::string device_name = "cpu";
  CLI::App app{"fm_likelihood: a flow's exact likelihood against a known density (rill)"};
  app.add_option("--out", out, "output folder")->capture_default_str();
  app.add_option("--steps", steps, "training steps of the MLP")->capture_default_str()->check(examples::at_least(1));
  app.add_option("--eval-points", eval_points, "points whose likelihood is computed")
      ->capture_default_str()
      ->check(examples::at_least(2));
  app.add_option("--threads", threads, "threads (0: all cores)")->capture_default_str()->check(examples::at_least(0));
  app.add_option("--device", device_name, "cpu or cuda: where the network trains")
      ->capture_default_str()
      ->check(examples::device_name());
  return examples::program_main("fm_likelihood", app, argc, argv, [&] {
    const Device device = Device::parse(device_name);
    examples::startup_report("fm_likelihood", threads, device);
    examples::RunDir dir(out, "fm_likelihood");
    std::vector<std::vector<double>> means;
    for (int k = 0; k < 8; ++k) means.push_back({4 * std::cos(M_PI / 4 * k), 4 * std::sin(M_PI / 4 * k)});
    const fm::GaussianMixture gmm(means, std::vector<double>(8, 0.4));
    const auto schedule = fm::linear_schedule();

    Generator eval(5);
    const Tensor x1 = gmm.sample(eval_points, &eval, DType::Float64);  // fresh data points
    const Tensor exact = gmm.log_prob(x1);                               // [n], float64
    const double exact_mean = ops::mean(exact).item();
    auto summary = [&](const Tensor& log_prob) {  // mean log p, mean |log p - exact|, mean (log p - exact)
      const Tensor d = ops::sub(ops::to(log_prob, DType::Float64), exact);
      return std::array<double, 3>{ops::mean(log_prob).item(), ops::mean(ops::abs(d)).item(), ops::mean(d).item()};
    };

    // 1. The closed-form marginal field: p_1 is the mixture itself. The exact divergence
    // differentiates the field, so it is written here with differentiable ops (the same
    // formula as gmm.h, checked against it below): with v_k = alpha^2 s_k^2 + sigma^2,
    //   r_k(x) = softmax_k( log w_k - |x - alpha m_k|^2 / (2 v_k) - (d/2) log v_k )
    //   u_t(x) = sum_k r_k(x) [ alpha' m_k + (alpha' alpha s_k^2 + sigma' sigma) / v_k (x - alpha m_k) ]
    std::vector<double> flat;
    for (const auto& mk : means) flat.insert(flat.end(), mk.begin(), mk.end());
    const Tensor centres = tensor(flat, {8, 2});  // m_k [K, 2], float64
    const double s2 = 0.4 * 0.4;                   // s_k^2, the same for every k (equal weights too)
    const fm::VectorField closed_form = [&](double t, const Tensor& x) {
      const double a = schedule->alpha(t), sg = schedule->sigma(t), da = schedule->d_alpha(t),
                   ds = schedule->d_sigma(t), vk = a * a * s2 + sg * sg;
      const Tensor diff = unsqueeze(x, 1) - unsqueeze(centres, 0) * a;             // x - alpha m_k   [n, K, 2]
      const Tensor r = softmax(sum(square(diff), {2}) * (-0.5 / vk), 1);            // r_k(x)          [n, K]
      const Tensor component = unsqueeze(centres, 0) * da + diff * ((da * a * s2 + ds * sg) / vk);  // [n, K, 2]
      return sum(unsqueeze(r, 2) * component, {1});                                 // u_t(x)          [n, 2]
    };
    double formula_gap = 0;  // the differentiable form against gmm.h's, at a few times
    for (double t : {0.0, 0.3, 0.7, 1.0})
      formula_gap = std::max(formula_gap, ops::max(ops::abs(ops::sub(closed_form(t, x1),
                                                                      gmm.marginal_velocity(*schedule, t, x1))))
                                              .item());
    fmt::print("closed-form field as differentiable ops: largest difference to gmm.h {:.1e}\n", formula_gap);
    fm::LikelihoodOptions exact_div;
    exact_div.ode = fm::OdeOptions::adaptive(1e-7, 1e-7);
    const fm::LikelihoodResult by_exact = fm::log_likelihood(closed_form, x1, exact_div);
    fm::LikelihoodOptions hutchinson = exact_div;
    hutchinson.divergence = fm::DivergenceMethod::Hutchinson, hutchinson.probes = 1, hutchinson.generator = &eval;
    const fm::LikelihoodResult by_hutchinson = fm::log_likelihood(closed_form, x1, hutchinson);
    const auto e = summary(by_exact.log_prob), h = summary(by_hutchinson.log_prob);

    // 2. A trained MLP (I-CFM, the straight path from N(0, I)).
    examples::Train2dOptions train;
    train.device = device;
    train.steps = steps;
    examples::LossLog losses;
    train.losses = &losses;
    const examples::Sampler2d data = [&](int64_t n, Generator& gen) { return gmm.sample(n, &gen); };
    auto model = examples::train_2d("I-CFM", fm::CFMOptions{}, examples::named_sampler("gaussian"), data, train);
    fm::LikelihoodOptions learned;
    learned.ode = fm::OdeOptions::adaptive(1e-5, 1e-5);
    model->to(Device::cpu());  // the divergence differentiates the network: a field with gradients
    const fm::LikelihoodResult by_model =
        fm::log_likelihood(fm::as_field(std::ref(*model)), ops::to(x1, DType::Float32), learned);
    const auto m = summary(by_model.log_prob);

    fmt::print("\nfm_likelihood: mean log-density of {} mixture points, exact {:.4f}\n", eval_points, exact_mean);
    fmt::print("{:<42} {:>10} {:>16} {:>6}\n", "field, divergence", "mean log p", "mean |error|", "NFE");
    std::ofstream csv(dir.file("likelihood.csv"));
    csv << "field,mean_log_prob,mean_abs_error,mean_error,nfe\n";
    examples::Json rows = examples::Json::array();
    for (const auto& [name, s, nfe] : {std::tuple{"closed-form field, exact divergence", e, by_exact.nfe},
                                       std::tuple{"closed-form field, Hutchinson (1 probe)", h, by_hutchinson.nfe},
                                       std::tuple{"trained MLP, exact divergence", m, by_model.nfe}}) {
      fmt::print("{:<42} {:>10.4f} {:>16.2e} {:>6}\n", name, s[0], s[1], nfe);
      csv << fmt::format("{},{},{},{},{}\n", name, s[0], s[1], s[2], nfe);
      rows.push_back({{"field", name}, {"mean_log_prob", s[0]}, {"mean_abs_error", s[1]}, {"nfe", nfe}});
    }
    // Hutchinson's estimate is unbiased: its mean error should be within a few standard
    // errors (sd of the per-point errors / sqrt(n)) of 0.
    const Tensor h_err = ops::sub(by_hutchinson.log_prob, exact);
    const double h_se = std::sqrt(ops::var(h_err).item() / static_cast<double>(eval_points));
    fmt::print("Hutchinson's mean error {:+.4f}, standard error {:.4f}\n", h[2], h_se);
    const double kl = exact_mean - m[0];
    fmt::print("KL(data || trained model) estimate: {:.4f} nats (exact mean log p - model mean log p)\n", kl);
    dir.write_metrics({{"exact_mean_log_prob", exact_mean},
                       {"fields", rows},
                       {"closed_form_mean_abs_error", e[1]},
                       {"hutchinson_mean_error", h[2]},
                       {"hutchinson_standard_error", h_se},
                       {"kl_data_model", kl}});
    examples::save_loss_plot(dir.file(examples::plot_file("loss")), {{"i-cfm", losses}}, {},
                             "fm_likelihood: training loss (minibatches)");
    examples::write_report(dir);
    fmt::print("fm_likelihood: wrote {}/{{likelihood.csv, loss.png, report.html, metrics.json}}\n", out);
    return 0;
  });
}
