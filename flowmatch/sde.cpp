#include "flowmatch/sde.h"

#include <cmath>

#include "autograd/grad_mode.h"
#include "tensor/ops.h"

namespace rill::flowmatch {

SdeResult sde_sample(const VectorField& velocity, const AffineSchedule& schedule, const Tensor& x0,
                     const SdeOptions& o) {
  RILL_CHECK(o.steps >= 1, "sde_sample: steps must be >= 1, got {}", o.steps);
  no_grad guard;
  auto g = o.diffusion ? o.diffusion : [&](double t) { return o.noise_scale * schedule.sigma(t); };
  const double h = 1.0 / static_cast<double>(o.steps);
  SdeResult r;
  Tensor x = x0;
  for (int64_t k = 0; k < o.steps; ++k) {
    const double t = h * static_cast<double>(k);
    const Tensor v = velocity(t, x);
    ++r.nfe;
    const double gt = g(t);
    if (gt == 0) {
      x = ops::add(x, ops::mul(v, h));
      continue;
    }
    const Tensor tt = full({}, t, x.options());
    const Tensor score = convert_prediction(schedule, tt, x, v, Prediction::Velocity, Prediction::Score);
    const Tensor drift = ops::add(v, ops::mul(score, gt * gt / 2));
    x = ops::add(ops::add(x, ops::mul(drift, h)),
                 ops::mul(randn(x.shape(), x.options(), o.generator), gt * std::sqrt(h)));
  }
  r.x = x;
  return r;
}

}  // namespace rill::flowmatch
