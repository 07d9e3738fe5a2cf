// rill autograd — gradcheck and jvpcheck: the analytic derivatives against central
// differences, and the two modes against each other.
//
// For f: inputs -> output, every input that requires grad is checked element by
// element: the full Jacobian from backward (one vector-Jacobian product per output
// element) against
//     dy_j / dx_k  ~=  (f(x + eps e_k) - f(x - eps e_k))_j / (2 eps)
// computed in float64, where central differences are accurate to O(eps^2).
// An entry passes when both are finite and |analytic - numeric| <= atol + rtol |numeric|
// (a NaN or infinite entry always fails); the report names the worst entry: which
// input, which element, which output element.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "tensor/tensor.h"

namespace rill {

struct GradcheckOptions {
  double eps = 1e-6;
  double atol = 1e-7;
  double rtol = 1e-5;
  double adjoint_rtol = 1e-10;  // adjointcheck: relative to sum |u_j (J v)_j| (float64 rounding)
};

struct GradcheckResult {
  bool ok = true;
  std::string report;        // a readable account of the worst entry
  double max_abs_error = 0;  // over all entries; +inf if any entry was not finite
  int64_t checked = 0;       // Jacobian entries compared
};

using GradcheckFunction = std::function<Tensor(const std::vector<Tensor>&)>;

// inputs: contiguous float64 CPU tensors; those with requires_grad are checked.
GradcheckResult gradcheck(const GradcheckFunction& f, const std::vector<Tensor>& inputs, GradcheckOptions options = {});

// The tangent rules (forward mode, forward_ad.h) the same way, column by column: for
// every element k of every checked input, the output tangent of f pushed from the
// one-hot tangent e_k (a JVP, computed under no_grad, with the tangent attached to the
// input's own handle, so a module's parameters can be checked through the module) against
//     (f(x + eps e_k) - f(x - eps e_k)) / (2 eps),
// with the same tolerances and report. A function that drops a tangent (an op without
// a rule, a raw op in the way) returns a zero column and fails where the derivative is not 0.
GradcheckResult jvpcheck(const GradcheckFunction& f, const std::vector<Tensor>& inputs, GradcheckOptions options = {});

// Forward against reverse mode: for random u (output-shaped) and v (one per checked
// input), the adjoint identity  <u, J v> = <J^T u, v>  with J v from one JVP and J^T u
// from one VJP (autograd::grad). Both are exact, so they must agree to rounding:
// |difference| <= adjoint_rtol * sum |u_j (J v)_j| + 1e-12. Cheap (one pass each way), so it
// suits large functions (whole networks) where the Jacobians cannot be formed.
// u and v are drawn from a generator seeded with `seed`.
GradcheckResult adjointcheck(const GradcheckFunction& f, const std::vector<Tensor>& inputs, GradcheckOptions options = {},
                             uint64_t seed = 0);

}  // namespace rill
