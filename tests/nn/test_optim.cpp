#include "helpers.h"

using namespace rill;
using rill::test::pattern;
using rill::test::require_close;
using rill::test::values;

namespace {

// One parameter p (start 1.0) with loss L = c * p, so dL/dp = c exactly every step.
struct Scalar {
  Tensor p = requires_grad_(tensor(std::vector<double>{1.0}));
  std::vector<nn::NamedTensor> named() { return {{"p", p}}; }
  void backward(double c) {
    zero_grad(p);
    autograd::backward(sum(p * c));
  }
  double value() const { return p.item(); }
};

}  // namespace

TEST_CASE("SGD: plain, momentum, Nesterov and weight decay match hand-computed steps", "[nn][optim]") {
  const double lr = 0.1, mu = 0.9, wd = 0.01;
  const std::vector<double> grads = {0.5, -0.2, 0.3};
  for (bool nesterov : {false, true}) {
    Scalar s;
    nn::SGD opt(s.named(), {lr, mu, 0.0, wd, nesterov});
    double p = 1, b = 0;
    for (size_t k = 0; k < grads.size(); ++k) {
      s.backward(grads[k]);
      opt.step();
      double d = grads[k] + wd * p;
      b = k == 0 ? d : mu * b + d;
      d = nesterov ? d + mu * b : b;
      p -= lr * d;
      CHECK(s.value() == Approx(p).epsilon(1e-14));
    }
  }
  Scalar plain;
  nn::SGD opt(plain.named(), {0.5});
  plain.backward(2.0);
  opt.step();
  CHECK(plain.value() == Approx(0.0).margin(1e-15));  // 1 - 0.5 * 2
  REQUIRE_ERROR(nn::SGD(plain.named(), {0.1, 0.0, 0.0, 0.0, true}), "SGD: Nesterov momentum needs momentum > 0");
}

TEST_CASE("Adam and AdamW match hand-computed steps", "[nn][optim]") {
  const std::vector<double> grads = {0.5, -0.2, 0.3, 1.0};
  for (bool decoupled : {false, true}) {
    Scalar s;
    const nn::AdamOptions o{0.01, 0.9, 0.999, 1e-8, 0.1};
    std::unique_ptr<nn::Optimizer> opt = decoupled ? std::unique_ptr<nn::Optimizer>(new nn::AdamW(s.named(), o))
                                                   : std::unique_ptr<nn::Optimizer>(new nn::Adam(s.named(), o));
    double p = 1, m = 0, v = 0;
    for (size_t k = 0; k < grads.size(); ++k) {
      s.backward(grads[k]);
      opt->step();
      const double t = static_cast<double>(k + 1);
      double g = grads[k];
      if (decoupled)
        p *= 1 - o.lr * o.weight_decay;
      else
        g += o.weight_decay * p;
      m = o.beta1 * m + (1 - o.beta1) * g;
      v = o.beta2 * v + (1 - o.beta2) * g * g;
      const double m_hat = m / (1 - std::pow(o.beta1, t)), v_hat = v / (1 - std::pow(o.beta2, t));
      p -= o.lr * m_hat / (std::sqrt(v_hat) + o.eps);
      INFO("decoupled " << decoupled << " step " << k);
      CHECK(s.value() == Approx(p).epsilon(1e-10));
    }
  }
}

TEST_CASE("optimizer state saves and restores: a restored optimizer continues identically", "[nn][optim]") {
  Scalar a, b;
  nn::Adam opt_a(a.named(), {0.05});
  for (double g : {0.3, -0.1}) a.backward(g), opt_a.step();
  // b: same parameter value, optimizer restored from a's state.
  ops::copy_(b.p, detach(a.p));
  nn::Adam opt_b(b.named(), {0.05});
  opt_b.load_state_dict(opt_a.state_dict());
  CHECK(opt_b.steps_taken() == 2);
  a.backward(0.7), opt_a.step();
  b.backward(0.7), opt_b.step();
  CHECK(a.value() == b.value());
  REQUIRE_ERROR(opt_b.load_state_dict({{"exp_avg.q", zeros({1})}}),
                "optimizer load_state_dict: 'exp_avg.q' names no parameter");
}

TEST_CASE("learning-rate schedules", "[nn][optim]") {
  const auto c = nn::LRSchedule::constant(0.3);
  CHECK(c.at(0) == 0.3);
  CHECK(c.at(1000) == 0.3);
  const auto w = nn::LRSchedule::warmup(1.0, 4);
  CHECK(w.at(0) == 0.25);
  CHECK(w.at(3) == 1.0);
  CHECK(w.at(100) == 1.0);
  const auto cos = nn::LRSchedule::cosine(1.0, 10, 2, 0.1);
  CHECK(cos.at(0) == 0.5);
  CHECK(cos.at(2) == Approx(1.0));
  CHECK(cos.at(6) == Approx(0.1 + 0.9 * 0.5));  // halfway through the decay
  CHECK(cos.at(10) == Approx(0.1));
  CHECK(cos.at(50) == Approx(0.1));
  CHECK(nn::LRSchedule::parse("cosine", 1.0, 10, 0).at(5) == Approx(0.5));
  REQUIRE_ERROR(nn::LRSchedule::parse("step", 1, 10, 0), "LRSchedule: unknown schedule 'step'");
}

TEST_CASE("gradient clipping by global norm", "[nn][optim]") {
  const Tensor a = requires_grad_(tensor(std::vector<double>{1, 1}));
  const Tensor b = requires_grad_(tensor(std::vector<double>{1}));
  autograd::backward(sum(a * tensor(std::vector<double>{3, 0})) + sum(b * 4.0));  // grads [3, 0], [4]: norm 5
  CHECK(nn::clip_grad_norm_({a, b}, 10.0) == Approx(5.0));
  require_close(grad_of(a), {3, 0});  // under the limit: unchanged
  CHECK(nn::clip_grad_norm_({a, b}, 1.0) == Approx(5.0));
  require_close(grad_of(a), {3 / (5 + 1e-6), 0}, 1e-12);
  require_close(grad_of(b), {4 / (5 + 1e-6)}, 1e-12);
}

TEST_CASE("EMA averages parameters and copies them into a model", "[nn][optim]") {
  nn::Linear lin(1, 1, false);
  ops::fill_(lin.weight, 1.0);
  nn::EMA ema(lin, 0.5);
  ops::fill_(lin.weight, 3.0);
  ema.update(lin);  // 0.5 * 1 + 0.5 * 3
  ops::fill_(lin.weight, 4.0);
  ema.update(lin);  // 0.5 * 2 + 0.5 * 4
  nn::Linear other(1, 1, false);
  ema.copy_to(other);
  CHECK(other.weight.item() == 3.0);
  CHECK(lin.weight.item() == 4.0);
}

TEST_CASE("EMA warm-up: decay min(d, (1 + n) / (10 + n)) after step n", "[nn][optim]") {
  nn::Linear lin(1, 1, false);
  ops::fill_(lin.weight, 0.0);
  nn::EMA ema(lin, 0.999, true);
  CHECK(ema.decay_at(0) == 0.1);
  CHECK(ema.decay_at(80) == 0.9);
  CHECK(ema.decay_at(100000) == 0.999);  // capped at the decay
  CHECK(nn::EMA(lin, 0.999).decay_at(0) == 0.999);  // without warm-up, the decay from the start
  // The weight goes 0 -> 10 at step 0: the average is 0.1 * 0 + 0.9 * 10 = 9, not 0.01.
  ops::fill_(lin.weight, 10.0);
  ema.update(lin, 0);
  nn::Linear out(1, 1, false);
  ema.copy_to(out);
  CHECK(out.weight.item() == Approx(9.0).epsilon(1e-6));
  ema.update(lin, 1);  // decay 2/11: 2/11 * 9 + 9/11 * 10
  ema.copy_to(out);
  CHECK(out.weight.item() == Approx(2.0 / 11 * 9 + 9.0 / 11 * 10).epsilon(1e-6));
  REQUIRE_ERROR(ema.decay_at(-1), "EMA: step must be >= 0, got -1");
}

TEST_CASE("adam_step_: the fused update equals the formulas, for Adam and AdamW, float64 and float32", "[nn][optim]") {
  for (const bool decoupled : {false, true})
    for (const DType dtype : {DType::Float64, DType::Float32}) {
      const Tensor p = pattern({7, 9}, dtype), g = pattern({7, 9}, dtype, 0.3);
      const Tensor m = pattern({7, 9}, dtype, 0.1), v = ops::abs(pattern({7, 9}, dtype, 0.05));
      const std::vector<double> p0 = values(p), g0 = values(g), m0 = values(m), v0 = values(v);
      const AdamStep s{0.01, 0.8, 0.95, 1e-3, 0.1, decoupled, 1 - std::pow(0.8, 3), 1 - std::pow(0.95, 3)};
      ops::adam_step_(p, g, m, v, s);
      std::vector<double> want_p, want_m, want_v;
      for (size_t i = 0; i < p0.size(); ++i) {
        const double gi = decoupled ? g0[i] : g0[i] + s.weight_decay * p0[i];
        const double pi = decoupled ? p0[i] * (1 - s.lr * s.weight_decay) : p0[i];
        want_m.push_back(s.beta1 * m0[i] + (1 - s.beta1) * gi);
        want_v.push_back(s.beta2 * v0[i] + (1 - s.beta2) * gi * gi);
        want_p.push_back(pi - s.lr / s.bias1 * want_m.back() / (std::sqrt(want_v.back()) / std::sqrt(s.bias2) + s.eps));
      }
      const double tol = dtype == DType::Float64 ? 1e-14 : 1e-6;
      INFO("decoupled " << decoupled << " " << dtype_name(dtype));
      require_close(p, want_p, tol);
      require_close(m, want_m, tol);
      require_close(v, want_v, tol);
    }
  REQUIRE_ERROR(ops::adam_step_(zeros({3}), zeros({4}), zeros({3}), zeros({3}), AdamStep{}),
                "adam_step_: parameter [3] (float32, cpu) but gradient or state [4] (float32, cpu)");
  REQUIRE_ERROR(
      ops::adam_step_(ops::transpose(zeros({3, 2}), 0, 1), zeros({2, 3}), zeros({2, 3}), zeros({2, 3}), AdamStep{}),
      "adam_step_: the parameter [2, 3] and its state must be contiguous");
}
