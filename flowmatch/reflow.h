// rill flowmatch — reflow (Liu et al. 2023, "Flow Straight and Fast", sec. 2.3).
//
// A trained flow defines a deterministic coupling: x0 and the point ODE(x0) it flows to.
// Training a new flow on those pairs (with the straight-line path and independent
// pairing, i.e. the pairs as given) gives a flow whose paths are straighter than the
// first one's, because the new coupling's straight lines no longer cross much.
#pragma once

#include "flowmatch/ode.h"
#include "tensor/random.h"

namespace rill::flowmatch {

struct ReflowPairs {
  Tensor x0, x1;  // [n, ...] each: a source point and where the flow takes it
};

// Draws n source points N(0, I) of shape [n, sample_shape...] and integrates each to t = 1.
ReflowPairs make_reflow_pairs(const VectorField& v, int64_t n, const Shape& sample_shape, const OdeOptions& ode,
                              Generator* gen = nullptr, TensorOptions options = {});

}  // namespace rill::flowmatch
