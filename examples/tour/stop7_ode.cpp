// Stop 7: the ODE solvers on dx/dt = -x, whose solution e^-t is known.
#include <cmath>

#include "examples/tour/tour.h"
#include "flowmatch/ode.h"
#include "tensor/elementwise.h"
#include "tensor/factory.h"

namespace rill::tour {

void stop7_ode() {
  // tour:begin
  namespace fm = rill::flowmatch;
  const fm::VectorField v = [](double, const Tensor& x) { return ops::neg(x); };
  const Tensor x0 = tensor(std::vector<double>{1.0}, {1, 1});  // float64, one 1-D point
  const double exact = std::exp(-1.0);
  for (auto [name, solver] : {std::pair{"euler", fm::Solver::Euler}, std::pair{"midpoint", fm::Solver::Midpoint},
                              std::pair{"rk4", fm::Solver::RK4}}) {
    for (int64_t steps : {10, 20}) {  // halving h divides the error by 2^order
      const fm::OdeResult r = fm::odeint(v, x0, 0, 1, fm::OdeOptions::fixed(solver, steps));
      fmt::print("{:<8} {:2d} steps, {:2d} evaluations: error {:.2e}\n", name, steps, r.nfe,
                 std::abs(r.x.item() - exact));
    }
  }
  const fm::OdeResult r = fm::odeint(v, x0, 0, 1, fm::OdeOptions::adaptive(1e-8, 1e-8));
  fmt::print("dopri5   rtol 1e-8: {} evaluations, error {:.1e}\n", r.nfe, std::abs(r.x.item() - exact));
  // tour:end
}

}  // namespace rill::tour
