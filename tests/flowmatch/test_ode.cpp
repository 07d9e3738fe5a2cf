#include <cmath>

#include "helpers.h"

using namespace rill;
using namespace rill::flowmatch;
using rill::test::require_close;

namespace {
// dy/dt = cos(t) y, y(0) = y0  =>  y(t) = y0 exp(sin t)
const VectorField kField = [](double t, const Tensor& y) { return ops::mul(y, std::cos(t)); };
double exact(double y0, double t) { return y0 * std::exp(std::sin(t)); }

double error_with(Solver s, int64_t steps) {
  const Tensor y0 = tensor(std::vector<double>{1.0, -0.5});
  const OdeResult r = odeint(kField, y0, 0.0, 2.0, OdeOptions::fixed(s, steps));
  const auto y = r.x.to_vector<double>();
  return std::max(std::abs(y[0] - exact(1.0, 2.0)), std::abs(y[1] - exact(-0.5, 2.0)));
}
}  // namespace

TEST_CASE("fixed-grid solvers reach their theoretical order", "[flowmatch][ode]") {
  for (auto [solver, order] :
       {std::pair{Solver::Euler, 1.0}, {Solver::Midpoint, 2.0}, {Solver::Heun, 2.0}, {Solver::RK4, 4.0}}) {
    INFO(solver_name(solver));
    // Halving h divides the error by 2^order.
    const double e1 = error_with(solver, 40), e2 = error_with(solver, 80), e3 = error_with(solver, 160);
    CHECK(std::log2(e1 / e2) == Approx(order).margin(0.15));
    CHECK(std::log2(e2 / e3) == Approx(order).margin(0.1));
  }
}

TEST_CASE("solvers count evaluations and return requested states", "[flowmatch][ode]") {
  const Tensor y0 = tensor(std::vector<double>{1.0});
  for (Solver s : {Solver::Euler, Solver::Midpoint, Solver::Heun, Solver::RK4}) {
    OdeOptions o = OdeOptions::fixed(s, 10);
    o.save_times = {0.0, 0.5, 1.0};
    const OdeResult r = odeint(kField, y0, 0.0, 1.0, o);
    CHECK(r.nfe == 10 * evals_per_step(s));
    REQUIRE(r.trajectory.size() == 3);
    CHECK(r.trajectory[0].item() == 1.0);
    CHECK(r.trajectory[2].item() == r.x.item());
    const double tol = s == Solver::Euler ? 0.05 : s == Solver::RK4 ? 1e-5 : 5e-3;  // h = 0.1 and the solver's order
    CHECK(r.trajectory[1].item() == Approx(exact(1.0, 0.5)).epsilon(tol));
  }
  OdeOptions bad = OdeOptions::fixed(Solver::Euler, 10);
  bad.save_times = {0.55};
  REQUIRE_ERROR(odeint(kField, y0, 0.0, 1.0, bad),
                "odeint: save time 0.55 is not a point of the 10-step grid from 0 to 1");
  REQUIRE_ERROR(parse_solver("rk45"), "parse_solver: unknown solver 'rk45'");
  // A field that returns NaN stops dopri5 at once with the cause, and save times are checked first.
  const VectorField nan_field = [](double, const Tensor& y) { return ops::mul(y, NAN); };
  REQUIRE_ERROR(odeint(nan_field, y0, 0.0, 1.0, OdeOptions::adaptive(1e-5, 1e-5)),
                "dopri5's error estimate is nan at t=0");
  OdeOptions outside = OdeOptions::adaptive(1e-5, 1e-5);
  outside.save_times = {1.5};
  REQUIRE_ERROR(odeint(kField, y0, 0.0, 1.0, outside), "odeint: save time 1.5 lies outside [0, 1]");
}

TEST_CASE("dopri5 meets its tolerance, lands on save times, and integrates backwards", "[flowmatch][ode]") {
  const Tensor y0 = tensor(std::vector<double>{1.0, 2.0});
  for (double tol : {1e-4, 1e-7, 1e-10}) {
    OdeOptions o = OdeOptions::adaptive(1e-5, 1e-5);
    o.rtol = o.atol = tol;
    o.save_times = {0.3, 1.7};
    const OdeResult r = odeint(kField, y0, 0.0, 3.0, o);
    const auto y = r.x.to_vector<double>();
    INFO("tol " << tol << " nfe " << r.nfe);
    CHECK(std::abs(y[0] - exact(1.0, 3.0)) < 20 * tol);
    CHECK(std::abs(y[1] - exact(2.0, 3.0)) < 40 * tol);
    CHECK(r.trajectory[0].to_vector<double>()[0] == Approx(exact(1.0, 0.3)).margin(20 * tol));
    CHECK(r.trajectory[1].to_vector<double>()[0] == Approx(exact(1.0, 1.7)).margin(20 * tol));
    CHECK(r.nfe == 1 + 6 * (r.accepted + r.rejected));
  }
  // Backwards from t = 3 recovers y(0).
  OdeOptions o = OdeOptions::adaptive(1e-5, 1e-5);
  o.rtol = o.atol = 1e-9;
  const Tensor y3 = tensor(std::vector<double>{exact(1.0, 3.0)});
  CHECK(odeint(kField, y3, 3.0, 0.0, o).x.item() == Approx(1.0).epsilon(1e-7));
  // Fewer evaluations for a looser tolerance.
  OdeOptions loose = OdeOptions::adaptive(1e-3, 1e-3), tight = OdeOptions::adaptive(1e-9, 1e-9);
  loose.rtol = loose.atol = 1e-3;
  tight.rtol = tight.atol = 1e-9;
  CHECK(odeint(kField, y0, 0, 3, loose).nfe < odeint(kField, y0, 0, 3, tight).nfe);
}
