// Flow matching with the learnable Swish (swish.h): a velocity field v(t, x) for the 2-D
// moons, N(0, I) -> moons, trained by conditional flow matching (rill::flowmatch), then
// sampled with Euler steps. Prints the loss as it goes down and ends with checks that
// can fail (exit status 1):
//   - the loss of the last 50 steps is well below that of the first 50;
//   - the samples are close to the moons: their W2 distance to fresh data is much smaller
//     than that of the source N(0, I), and near the W2 between two fresh data samples;
//   - the slopes beta were learned (they moved from their start at 1).
// Usage: train_moons [steps, default 600]
#include <rill/version.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "autograd/autograd.h"
#include "data/toy2d.h"
#include "flowmatch/flowmatch.h"
#include "nn/linear.h"
#include "nn/optim.h"
#include "nn/schedule.h"
#include "nn/sequential.h"
#include "swish.h"
#include "tensor/ops.h"

using namespace rill;

namespace {

// concat(x [B, 2], t [B, 1]) -> Linear(3, w) Swish Linear(w, w) Swish Linear(w, 2), where
// each Swish learns one slope per unit. Takes (t, x, labels) like rill's own models, so it
// is a flowmatch::Model as it is.
class SwishMLP : public nn::Module {
 public:
  explicit SwishMLP(int64_t width) {
    net = register_module(
        "net", std::make_shared<nn::Sequential>(std::vector<std::shared_ptr<nn::UnaryModule>>{
                   std::make_shared<nn::Linear>(3, width), std::make_shared<swish::LearnableSwish>(width),
                   std::make_shared<nn::Linear>(width, width), std::make_shared<swish::LearnableSwish>(width),
                   std::make_shared<nn::Linear>(width, 2)}));
  }
  Tensor operator()(const Tensor& t, const Tensor& x, const Tensor& labels) {
    RILL_CHECK(!labels.defined(), "SwishMLP is unconditional");
    return net->forward(cat({x, t.dim() == 1 ? unsqueeze(t, 1) : t}, 1));
  }
  std::shared_ptr<nn::Sequential> net;
};

}  // namespace

int main(int argc, char** argv) {
  const int64_t steps = argc > 1 ? std::atoll(argv[1]) : 600, batch = 256, window = 50;
  if (steps < 2 * window) {
    std::fprintf(stderr, "train_moons: steps must be at least %lld\n", static_cast<long long>(2 * window));
    return 2;
  }
  std::printf("rill %s: flow matching N(0, I) -> moons with a learnable-Swish MLP, %lld steps\n", RILL_VERSION_STRING,
              static_cast<long long>(steps));
  manual_seed(0);
  SwishMLP model(64);
  nn::Adam opt(model.named_parameters(), {3e-3});
  const auto schedule = nn::LRSchedule::cosine(3e-3, steps, 20);
  Generator gen(1);
  const flowmatch::CFMOptions cfm;  // independent pairs, straight paths (I-CFM)
  const flowmatch::Model velocity = std::ref(model);

  double first = 0, last = 0;
  for (int64_t step = 0; step < steps; ++step) {
    opt.set_lr(schedule.at(step));
    opt.zero_grad();
    const Tensor loss =
        flowmatch::cfm_loss(velocity, cfm, randn({batch, 2}, {}, &gen), data::sample_2d("moons", batch, &gen), &gen);
    autograd::backward(loss);
    opt.step();
    const double l = loss.item<double>();
    if (step < window) first += l / window;
    if (step >= steps - window) last += l / window;
    if (step % 100 == 0 || step == steps - 1) std::printf("step %5lld  loss %.4f\n", static_cast<long long>(step), l);
  }

  // Evaluation, from a generator of its own so that it draws the same points whatever the
  // number of steps. Sample: 1000 points, 50 Euler steps from t = 0 to 1, without a graph.
  Generator eval_gen(2);
  const int64_t n = 1000;
  Tensor samples;
  {
    const no_grad off;  // sampling needs no graph
    samples = flowmatch::odeint(flowmatch::as_field(velocity), randn({n, 2}, {}, &eval_gen), 0.0, 1.0,
                                flowmatch::OdeOptions::fixed(flowmatch::Solver::Euler, 50))
                  .x;
  }
  // The floor: W2 between two independent data samples of the same size, which a perfect
  // model would also show (a finite-sample distance, not zero); its average over three
  // pairs, since one pair's varies by +-30% here.
  const Tensor fresh = data::sample_2d("moons", n, &eval_gen);
  double floor = 0;
  for (int i = 0; i < 3; ++i) floor += flowmatch::wasserstein2(data::sample_2d("moons", n, &eval_gen), fresh) / 3;
  const double w2 = flowmatch::wasserstein2(samples, fresh);
  const double w2_source = flowmatch::wasserstein2(randn({n, 2}, {}, &eval_gen), fresh);
  double beta_moved = 0;
  for (const auto& [name, p] : model.named_parameters())
    if (name.ends_with(".beta")) beta_moved = std::max(beta_moved, ops::max(ops::abs(ops::sub(p, 1.0))).item<double>());

  std::printf("mean loss: first %lld steps %.4f, last %lld steps %.4f\n", static_cast<long long>(window), first,
              static_cast<long long>(window), last);
  std::printf("W2 to fresh moons: samples %.3f, N(0, I) source %.3f, two data samples %.3f (the floor, mean of 3)\n",
              w2, w2_source, floor);
  std::printf("largest |beta - 1| after training: %.3f\n", beta_moved);

  int failed = 0;
  auto expect = [&failed](bool ok, const char* what) {
    std::printf("%s: %s\n", ok ? "ok  " : "FAIL", what);
    failed += !ok;
  };
  expect(last < 0.8 * first, "the loss went down (last 50 steps below 0.8 x the first 50)");
  expect(w2 < 0.4 * w2_source, "the samples are much closer to the moons than the source is (W2 < 0.4 x)");
  expect(w2 < 2.0 * floor, "the samples are within 2x the two-sample W2 floor");
  expect(beta_moved > 0.01, "the Swish slopes were learned (some |beta - 1| > 0.01)");
  return failed ? 1 : 0;
}
