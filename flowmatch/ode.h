// rill flowmatch — ODE solvers for sampling: integrate dx/dt = v(t, x) from t0 to t1.
//
// Fixed grids of `steps` equal steps h = (t1 - t0) / steps:
//   euler     x += h k1,                                        k1 = v(t, x)            order 1, 1 NFE/step
//   midpoint  x += h v(t + h/2, x + h/2 k1)                                             order 2, 2 NFE/step
//   heun      x += h/2 (k1 + v(t + h, x + h k1))                                        order 2, 2 NFE/step
//   rk4       x += h/6 (k1 + 2 k2 + 2 k3 + k4)  (the classical Runge-Kutta method)      order 4, 4 NFE/step
// Adaptive:
//   dopri5    Dormand & Prince (1980) 5(4) pair with first-same-as-last; a step is kept
//             when its error estimate e satisfies sqrt(mean((e / (atol + rtol max(|x|, |x_new|)))^2)) <= 1,
//             and the next step size is h * clamp(0.9 err^(-1/5), 0.2, 10).
// Every solver counts function evaluations (NFE). `save_times` asks for the state at
// given times (for fixed grids they must be grid points; Dopri5 shortens steps to land
// on them). t1 < t0 integrates backwards (likelihoods run from data to noise).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "tensor/tensor.h"

namespace rill::flowmatch {

// v(t, x): a time (scalar) and states [B, ...] -> velocities [B, ...].
using VectorField = std::function<Tensor(double t, const Tensor& x)>;

enum class Solver { Euler, Midpoint, Heun, RK4, Dopri5 };
Solver parse_solver(const std::string& name);    // one of solver_names()
const std::vector<std::string>& solver_names();  // euler, midpoint, heun, rk4, dopri5
std::string solver_name(Solver s);
// Function evaluations per step of a fixed-grid solver (1, 2, 2, 4).
int64_t evals_per_step(Solver s);

struct OdeOptions {
  Solver solver = Solver::Euler;
  int64_t steps = 100;              // fixed grids
  double rtol = 1e-5, atol = 1e-5;  // dopri5
  int64_t max_steps = 100000;       // dopri5: give up (with an error) beyond this
  std::vector<double> save_times;   // states to return in `trajectory`

  static OdeOptions fixed(Solver solver, int64_t steps) {
    OdeOptions o;
    o.solver = solver, o.steps = steps;
    return o;
  }
  static OdeOptions adaptive(double rtol, double atol) {
    OdeOptions o;
    o.solver = Solver::Dopri5, o.rtol = rtol, o.atol = atol;
    return o;
  }
};

struct OdeResult {
  Tensor x;                            // the state at t1
  std::vector<Tensor> trajectory;      // the state at each of options.save_times
  int64_t nfe = 0;                     // evaluations of v
  int64_t accepted = 0, rejected = 0;  // steps (rejected: dopri5 only)
};

OdeResult odeint(const VectorField& v, const Tensor& x0, double t0, double t1, const OdeOptions& options = {});

// k + 1 equally spaced times from t0 to t1 (a fixed grid's points when k divides steps).
std::vector<double> linspace_times(double t0, double t1, int64_t k);

}  // namespace rill::flowmatch
