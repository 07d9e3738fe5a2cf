// End to end: train the MLP velocity field by CFM on a 2-D mixture and check the samples
// by a distance, against the distance between two independent samples of the data.
#include <chrono>

#include "helpers.h"

using namespace rill;
using namespace rill::flowmatch;

namespace {

struct Trained {
  double w2, floor, straightness;
};

Trained train_and_sample(const std::shared_ptr<Coupling>& coupling) {
  const GaussianMixture data({{2.5, 0}, {-2.5, 0}, {0, 2.5}, {0, -2.5}}, {0.3, 0.3, 0.3, 0.3});
  manual_seed(0);
  nn::MLP model(2, 128);
  nn::Adam opt(model.named_parameters(), {2e-3});
  Generator gen(1);
  CFMOptions cfm;
  cfm.coupling = coupling;
  const Model velocity = std::ref(model);  // the MLP takes (t, x, labels): it is a Model as it is
  const int64_t steps = 1500, batch = 256;
  const auto schedule = nn::LRSchedule::cosine(2e-3, steps, 50);
  for (int64_t step = 0; step < steps; ++step) {
    opt.set_lr(schedule.at(step));
    opt.zero_grad();
    autograd::backward(cfm_loss(velocity, cfm, randn({batch, 2}, {}, &gen), data.sample(batch, &gen), &gen));
    opt.step();
  }
  const int64_t n = 1000;
  OdeOptions ode = OdeOptions::fixed(Solver::Euler, 50);
  ode.save_times = linspace_times(0, 1, 50);
  const OdeResult r = odeint(as_field(velocity), randn({n, 2}, {}, &gen), 0.0, 1.0, ode);
  const Tensor fresh_a = data.sample(n, &gen), fresh_b = data.sample(n, &gen);
  return {wasserstein2(r.x, fresh_a), wasserstein2(fresh_a, fresh_b), flowmatch::straightness(r.trajectory)};
}

}  // namespace

TEST_CASE("CFM trains an MLP to sample a 2-D mixture, and OT pairing gives straighter flows", "[flowmatch][train]") {
  const auto start = std::chrono::steady_clock::now();
  const Trained ot = train_and_sample(exact_ot_coupling());
  const Trained independent = train_and_sample(independent_coupling());
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  INFO("OT-CFM: W2 " << ot.w2 << " (floor " << ot.floor << "), straightness " << ot.straightness << "; I-CFM: W2 "
                     << independent.w2 << ", straightness " << independent.straightness << "; " << seconds
                     << " s for both");
  CHECK(ot.w2 <= 1.5 * ot.floor);
  CHECK(independent.w2 <= 1.5 * independent.floor);
  CHECK(ot.straightness < independent.straightness);
  fmt::print(
      "flowmatch end-to-end: OT-CFM W2 {:.3f} (two-sample floor {:.3f}), straightness {:.4f}; "
      "I-CFM W2 {:.3f}, straightness {:.4f}; {:.1f} s\n",
      ot.w2, ot.floor, ot.straightness, independent.w2, independent.straightness, seconds);
}
