#include "helpers.h"
#include "nn/unet.h"
#include "tensor/cpu/allocator.h"

using namespace rill;
using namespace rill::flowmatch;
using rill::test::require_close;
using rill::test::values;

TEST_CASE("time samplers: uniform and logit-normal", "[flowmatch][cfm]") {
  Generator gen(1);
  const Tensor u = TimeSampler::uniform().sample(20000, {}, &gen);
  CHECK(ops::min(u).item() >= 0);
  CHECK(ops::max(u).item() < 1);
  const Tensor ln = TimeSampler::logit_normal(0.5, 0.8).sample(20000, DType::Float64, &gen);
  CHECK(ops::min(ln).item() > 0);
  CHECK(ops::max(ln).item() < 1);
  // logit(t) = log(t / (1 - t)) is N(0.5, 0.8^2).
  const Tensor logit = ops::log(ops::div(ln, ops::sub(ones_like(ln), ln)));
  CHECK(ops::mean(logit).item() == Approx(0.5).margin(0.03));
  CHECK(std::sqrt(ops::var(logit).item()) == Approx(0.8).margin(0.03));
  REQUIRE_ERROR(TimeSampler::parse("beta"), "TimeSampler: unknown sampler 'beta'");
}

TEST_CASE("cfm_batch: labels follow their data rows and drop to null at the given rate", "[flowmatch][cfm]") {
  Generator gen(2);
  const int64_t n = 4000;
  const Tensor x0 = randn({n, 2}, {}, &gen);
  const Tensor labels = randint(0, 3, {n}, DType::Int64, &gen);
  // Data row k sits at (label, 0): after pairing, each row's label must match its x1.
  const Tensor x1 = ops::cat({ops::unsqueeze(ops::to(labels, DType::Float32), 1), zeros({n, 1})}, 1);
  CFMOptions o;
  o.coupling = exact_ot_coupling();
  const CFMBatch b =
      cfm_batch(o, ops::narrow(x0, 0, 0, 256), ops::narrow(x1, 0, 0, 256), &gen, ops::narrow(labels, 0, 0, 256));
  // x1 of row k = x_t + (1 - t) u_t for the straight path: its first coordinate is the label.
  const Tensor tcol = ops::unsqueeze(b.sample.t, 1);
  const Tensor recovered = ops::add(b.sample.xt, ops::mul(ops::sub(ones_like(tcol), tcol), b.sample.ut));
  require_close(ops::select(recovered, 1, 0), values(ops::to(b.labels, DType::Float64)), 1e-5);

  o.coupling = independent_coupling();
  o.label_dropout = 0.25;
  o.null_label = 3;
  const CFMBatch d = cfm_batch(o, x0, x1, &gen, labels);
  const auto lv = d.labels.to_vector<int64_t>(), orig = labels.to_vector<int64_t>();
  int64_t dropped = 0;
  for (int64_t k = 0; k < n; ++k) {
    if (lv[k] == 3)
      ++dropped;
    else
      CHECK(lv[k] == orig[k]);
  }
  CHECK(static_cast<double>(dropped) / n == Approx(0.25).margin(0.03));
  o.null_label = -1;
  REQUIRE_ERROR(cfm_batch(o, x0, x1, &gen, labels), "cfm: label_dropout needs a null_label");
}

TEST_CASE("guided fields mix the conditional and the unconditional velocity", "[flowmatch][cfm]") {
  // A toy model: v = x * (label + 1); the null label is 9.
  const Model model = [](const Tensor&, const Tensor& x, const Tensor& labels) {
    return ops::mul(x, ops::unsqueeze(ops::add(ops::to(labels, DType::Float64), 1.0), 1));
  };
  const Tensor x = tensor(std::vector<double>{1, 2, 3, 4}, {2, 2});
  const Tensor labels = tensor(std::vector<int64_t>{0, 1});
  // w = 3: v = v_null + 3 (v_cond - v_null) = x (10 + 3 (label + 1 - 10))
  require_close(guided_field(model, labels, 9, 3.0)(0.5, x),
                {1 * (10 + 3 * -9.0), 2 * (10 + 3 * -9.0), 3 * (10 + 3 * -8.0), 4 * (10 + 3 * -8.0)});
  require_close(guided_field(model, labels, 9, 1.0)(0.5, x), {1, 2, 6, 8});
  require_close(guided_field(model, labels, 9, 0.0)(0.5, x), {10, 20, 30, 40});
  // Guidance on t <= until only: at t = 0.5 <= 0.5 guided, after it the conditional field.
  require_close(guided_field(model, labels, 9, 3.0, 0.5)(0.5, x),
                {1 * (10 + 3 * -9.0), 2 * (10 + 3 * -9.0), 3 * (10 + 3 * -8.0), 4 * (10 + 3 * -8.0)});
  require_close(guided_field(model, labels, 9, 3.0, 0.5)(0.75, x), {1, 2, 6, 8});
}

TEST_CASE("reflow pairs are (x0, ODE(x0)) - dequantisation stays in the pixel's bin", "[flowmatch][cfm]") {
  const GaussianMixture gmm({{2, 0}, {-2, 0}}, {0.3, 0.3});
  const auto s = linear_schedule();
  const VectorField field = [&](double t, const Tensor& x) { return gmm.marginal_velocity(*s, t, x); };
  Generator gen(3), replay(3);
  const ReflowPairs pairs = make_reflow_pairs(field, 64, {2}, OdeOptions::fixed(Solver::RK4, 20), &gen, DType::Float64);
  const Tensor x0 = randn({64, 2}, DType::Float64, &replay);
  require_close(pairs.x0, values(x0), 0);
  require_close(pairs.x1, values(odeint(field, x0, 0, 1, OdeOptions::fixed(Solver::RK4, 20)).x), 0);

  const Tensor pixels = tensor(std::vector<double>{0, 17, 255});
  const Tensor x = dequantize(pixels, &gen);
  for (int64_t i = 0; i < 3; ++i) {
    const double level = (x.at({i}) + 1) * 127.5;  // back to the intensity scale: k + u - 1/2
    CHECK(level >= pixels.at({i}) - 0.5);
    CHECK(level < pixels.at({i}) + 0.5);
  }
}

TEST_CASE("sampling a U-Net takes no new memory after its first step", "[flowmatch][cfm][memory]") {
  // Every buffer of a solver step (activations, the padded images and packing of the
  // convolutions, the state update) is requested again at the same size in the next step,
  // so the caching allocator serves all of them: no memory from the system once the first
  // step has run. (4 MNIST-sized images: the U-Net's activations exceed the cache's
  // 256 KiB minimum block, so they pass through it.)
  if (!cpu::host_allocator().caching()) RILL_SKIP("the caching allocator is off in this build");
  Generator gen(7);
  nn::UNet net;
  const Tensor x0 = randn({4, 1, 28, 28}, {}, &gen);
  const Model model = std::ref(net);
  const VectorField v = as_field(model);
  for (Solver solver : {Solver::Euler, Solver::Midpoint}) {
    INFO(solver_name(solver));
    odeint(v, x0, 0, 1, OdeOptions::fixed(solver, 1));  // the first step fills the cache
    const auto before = cpu::host_allocator().stats();
    const OdeResult r = odeint(v, x0, 0, 1, OdeOptions::fixed(solver, 5));
    const auto after = cpu::host_allocator().stats();
    CHECK(after.misses == before.misses);
    CHECK(after.hits > before.hits);  // the large buffers did go through the cache
    CHECK(r.nfe == 5 * evals_per_step(solver));
  }
}
