#include "flowmatch/reflow.h"

#include "tensor/ops.h"

namespace rill::flowmatch {

ReflowPairs make_reflow_pairs(const VectorField& v, int64_t n, const Shape& sample_shape, const OdeOptions& ode,
                              Generator* gen, TensorOptions options) {
  Shape shape = {n};
  shape.insert(shape.end(), sample_shape.begin(), sample_shape.end());
  const Tensor x0 = randn(shape, options, gen);
  return {x0, odeint(v, x0, 0.0, 1.0, ode).x};
}

}  // namespace rill::flowmatch
