// rill autograd — gradcheck: the analytic backward against central differences.
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

}  // namespace rill
