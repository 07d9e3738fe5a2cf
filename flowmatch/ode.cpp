#include "flowmatch/ode.h"

#include <algorithm>
#include <cmath>

#include "autograd/grad_mode.h"
#include "tensor/ops.h"

namespace rill::flowmatch {

const std::vector<std::string>& solver_names() {
  static const std::vector<std::string> names = {"euler", "midpoint", "heun", "rk4", "dopri5"};
  return names;
}

Solver parse_solver(const std::string& name) {
  if (name == "euler") return Solver::Euler;
  if (name == "midpoint") return Solver::Midpoint;
  if (name == "heun") return Solver::Heun;
  if (name == "rk4") return Solver::RK4;
  if (name == "dopri5") return Solver::Dopri5;
  throw Error(fmt::format("parse_solver: unknown solver '{}' (expected euler, midpoint, heun, rk4 or dopri5)", name));
}

std::string solver_name(Solver s) {
  switch (s) {
    case Solver::Euler:
      return "euler";
    case Solver::Midpoint:
      return "midpoint";
    case Solver::Heun:
      return "heun";
    case Solver::RK4:
      return "rk4";
    case Solver::Dopri5:
      return "dopri5";
  }
  return "?";
}

int64_t evals_per_step(Solver s) {
  switch (s) {
    case Solver::Euler:
      return 1;
    case Solver::Midpoint:
    case Solver::Heun:
      return 2;
    case Solver::RK4:
      return 4;
    case Solver::Dopri5:
      return 6;
  }
  return 1;
}

std::vector<double> linspace_times(double t0, double t1, int64_t k) {
  std::vector<double> out(k + 1);
  for (int64_t i = 0; i <= k; ++i) out[i] = t0 + (t1 - t0) * static_cast<double>(i) / static_cast<double>(k);
  return out;
}

namespace {

// x + sum_i c_i k_i (skipping zero coefficients)
Tensor combine(const Tensor& x, std::initializer_list<std::pair<double, const Tensor*>> terms) {
  Tensor out = x;
  for (const auto& [c, k] : terms)
    if (c != 0) out = ops::add(out, ops::mul(*k, c));
  return out;
}

// One step of a fixed-grid method from (t, x) with step h.
Tensor fixed_step(Solver s, const VectorField& v, double t, const Tensor& x, double h, int64_t& nfe) {
  const Tensor k1 = v(t, x);
  ++nfe;
  switch (s) {
    case Solver::Euler:
      return combine(x, {{h, &k1}});
    case Solver::Midpoint: {
      const Tensor k2 = v(t + h / 2, combine(x, {{h / 2, &k1}}));
      ++nfe;
      return combine(x, {{h, &k2}});
    }
    case Solver::Heun: {
      const Tensor k2 = v(t + h, combine(x, {{h, &k1}}));
      ++nfe;
      return combine(x, {{h / 2, &k1}, {h / 2, &k2}});
    }
    case Solver::RK4: {
      const Tensor k2 = v(t + h / 2, combine(x, {{h / 2, &k1}}));
      const Tensor k3 = v(t + h / 2, combine(x, {{h / 2, &k2}}));
      const Tensor k4 = v(t + h, combine(x, {{h, &k3}}));
      nfe += 3;
      return combine(x, {{h / 6, &k1}, {h / 3, &k2}, {h / 3, &k3}, {h / 6, &k4}});
    }
    case Solver::Dopri5:
      break;
  }
  throw Error("odeint: dopri5 is not a fixed-grid solver");
}

OdeResult integrate_fixed(const VectorField& v, const Tensor& x0, double t0, double t1, const OdeOptions& o) {
  RILL_CHECK(o.steps >= 1, "odeint: steps must be >= 1, got {}", o.steps);
  const double h = (t1 - t0) / static_cast<double>(o.steps);
  // Which grid point each requested time is.
  std::vector<int64_t> save_at;
  for (double ts : o.save_times) {
    const double k = (ts - t0) / h;
    const int64_t kr = std::llround(k);
    RILL_CHECK(std::abs(k - static_cast<double>(kr)) < 1e-6 && kr >= 0 && kr <= o.steps,
               "odeint: save time {} is not a point of the {}-step grid from {} to {}", ts, o.steps, t0, t1);
    save_at.push_back(kr);
  }
  OdeResult r;
  r.trajectory.resize(save_at.size());
  Tensor x = x0;
  for (int64_t k = 0; k <= o.steps; ++k) {
    for (size_t s = 0; s < save_at.size(); ++s)
      if (save_at[s] == k) r.trajectory[s] = x;
    if (k == o.steps) break;
    x = fixed_step(o.solver, v, t0 + h * static_cast<double>(k), x, h, r.nfe);
    ++r.accepted;
  }
  r.x = x;
  return r;
}

// Dormand-Prince 5(4) tableau.
constexpr double c2 = 1.0 / 5, c3 = 3.0 / 10, c4 = 4.0 / 5, c5 = 8.0 / 9;
constexpr double a21 = 1.0 / 5;
constexpr double a31 = 3.0 / 40, a32 = 9.0 / 40;
constexpr double a41 = 44.0 / 45, a42 = -56.0 / 15, a43 = 32.0 / 9;
constexpr double a51 = 19372.0 / 6561, a52 = -25360.0 / 2187, a53 = 64448.0 / 6561, a54 = -212.0 / 729;
constexpr double a61 = 9017.0 / 3168, a62 = -355.0 / 33, a63 = 46732.0 / 5247, a64 = 49.0 / 176, a65 = -5103.0 / 18656;
constexpr double b1 = 35.0 / 384, b3 = 500.0 / 1113, b4 = 125.0 / 192, b5 = -2187.0 / 6784,
                 b6 = 11.0 / 84;  // 5th order
// Error weights: b - b_hat, with b_hat the embedded 4th-order solution
// (5179/57600, 0, 7571/16695, 393/640, -92097/339200, 187/2100, 1/40).
constexpr double e1 = b1 - 5179.0 / 57600, e3 = b3 - 7571.0 / 16695, e4 = b4 - 393.0 / 640, e5 = b5 + 92097.0 / 339200,
                 e6 = b6 - 187.0 / 2100, e7 = -1.0 / 40;

// RMS of err / (atol + rtol max(|x|, |x_new|)), in float64.
double error_norm(const Tensor& err, const Tensor& x, const Tensor& x_new, double rtol, double atol) {
  const Tensor scale = ops::add(ops::mul(ops::maximum(ops::abs(x), ops::abs(x_new)), rtol), atol);
  const Tensor ratio = ops::to(ops::div(err, scale), DType::Float64);
  return std::sqrt(ops::mean(ops::mul(ratio, ratio)).item());
}

OdeResult integrate_dopri5(const VectorField& v, const Tensor& x0, double t0, double t1, const OdeOptions& o) {
  OdeResult r;
  const double direction = t1 >= t0 ? 1.0 : -1.0, span = std::abs(t1 - t0);
  for (double ts : o.save_times)
    RILL_CHECK(ts >= std::min(t0, t1) && ts <= std::max(t0, t1), "odeint: save time {} lies outside [{}, {}]", ts,
               std::min(t0, t1), std::max(t0, t1));
  std::vector<double> targets = o.save_times;  // requested times, in integration order
  std::sort(targets.begin(), targets.end(), [&](double a, double b) { return direction * a < direction * b; });
  std::vector<Tensor> saved;
  size_t next_target = 0;
  auto save_reached = [&](double t, const Tensor& x) {
    while (next_target < targets.size() && std::abs(targets[next_target] - t) <= 1e-12 * std::max(1.0, span))
      saved.push_back(x), ++next_target;
  };

  Tensor x = x0;
  double t = t0;
  Tensor k1 = v(t, x);
  ++r.nfe;
  save_reached(t, x);
  // Initial step: 1% of the scale of x over the scale of its velocity (Hairer et al., II.4, simplified).
  const double d0 = std::sqrt(ops::mean(ops::mul(ops::to(x, DType::Float64), ops::to(x, DType::Float64))).item());
  const double d1 = std::sqrt(ops::mean(ops::mul(ops::to(k1, DType::Float64), ops::to(k1, DType::Float64))).item());
  double h = (d0 > 1e-5 && d1 > 1e-5) ? 0.01 * d0 / d1 : 1e-3;
  h = std::min(h, span);
  while (direction * (t1 - t) > 1e-12 * std::max(1.0, span)) {
    RILL_CHECK(r.accepted + r.rejected < o.max_steps,
               "odeint: dopri5 exceeded {} steps between t={} and t={} (stiff field or too tight a tolerance)",
               o.max_steps, t0, t1);
    // Do not step past the end or the next requested time.
    double stop = t1;
    if (next_target < targets.size()) stop = targets[next_target];
    const double hs = direction * std::min(h, std::abs(stop - t));
    const Tensor k2 = v(t + c2 * hs, combine(x, {{hs * a21, &k1}}));
    const Tensor k3 = v(t + c3 * hs, combine(x, {{hs * a31, &k1}, {hs * a32, &k2}}));
    const Tensor k4 = v(t + c4 * hs, combine(x, {{hs * a41, &k1}, {hs * a42, &k2}, {hs * a43, &k3}}));
    const Tensor k5 = v(t + c5 * hs, combine(x, {{hs * a51, &k1}, {hs * a52, &k2}, {hs * a53, &k3}, {hs * a54, &k4}}));
    const Tensor k6 =
        v(t + hs, combine(x, {{hs * a61, &k1}, {hs * a62, &k2}, {hs * a63, &k3}, {hs * a64, &k4}, {hs * a65, &k5}}));
    const Tensor x_new = combine(x, {{hs * b1, &k1}, {hs * b3, &k3}, {hs * b4, &k4}, {hs * b5, &k5}, {hs * b6, &k6}});
    const Tensor k7 = v(t + hs, x_new);  // first-same-as-last: the next step's k1
    r.nfe += 6;
    const Tensor err =
        combine(zeros_like(x),
                {{hs * e1, &k1}, {hs * e3, &k3}, {hs * e4, &k4}, {hs * e5, &k5}, {hs * e6, &k6}, {hs * e7, &k7}});
    const double en = error_norm(err, x, x_new, o.rtol, o.atol);
    RILL_CHECK(std::isfinite(en), "odeint: dopri5's error estimate is {} at t={} (the field returned NaN or Inf)", en,
               t);
    const double factor = en == 0 ? 10.0 : std::clamp(0.9 * std::pow(en, -0.2), 0.2, 10.0);
    if (en <= 1) {
      t += hs, x = x_new, k1 = k7;
      ++r.accepted;
      save_reached(t, x);
      h = std::abs(hs) * factor;
    } else {
      ++r.rejected;
      h = std::abs(hs) * std::min(1.0, factor);
    }
  }
  save_reached(t1, x);
  RILL_CHECK(saved.size() == targets.size(), "odeint: {} of the {} save times lie outside [{}, {}]",
             targets.size() - saved.size(), targets.size(), t0, t1);
  // Return the saved states in the order the times were requested.
  r.trajectory.resize(targets.size());
  for (size_t i = 0; i < o.save_times.size(); ++i) {
    const size_t at = static_cast<size_t>(std::find(targets.begin(), targets.end(), o.save_times[i]) - targets.begin());
    r.trajectory[i] = saved[at];
  }
  r.x = x;
  return r;
}

}  // namespace

OdeResult odeint(const VectorField& v, const Tensor& x0, double t0, double t1, const OdeOptions& o) {
  no_grad guard;  // sampling never needs gradients
  if (o.solver == Solver::Dopri5) {
    RILL_CHECK(o.rtol > 0 && o.atol > 0, "odeint: dopri5 needs rtol and atol > 0, got {} and {}", o.rtol, o.atol);
    return integrate_dopri5(v, x0, t0, t1, o);
  }
  return integrate_fixed(v, x0, t0, t1, o);
}

}  // namespace rill::flowmatch
