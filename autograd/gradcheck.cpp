#include "autograd/gradcheck.h"

#include <cmath>

#include "autograd/engine.h"
#include "autograd/grad_mode.h"
#include "autograd/node.h"
#include "tensor/ops.h"

namespace rill {
namespace {

std::string index_str(const Shape& shape, int64_t flat) {
  Shape index(shape.size());
  for (size_t d = shape.size(); d-- > 0;) index[d] = flat % shape[d], flat /= shape[d];
  return shape_str(index);
}

}  // namespace

GradcheckResult gradcheck(const GradcheckFunction& f, const std::vector<Tensor>& inputs, GradcheckOptions o) {
  std::vector<size_t> checked;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const Tensor& x = inputs[i];
    RILL_CHECK(x.dtype() == DType::Float64 && x.device().is_cpu() && x.is_contiguous(),
               "gradcheck: input {} must be a contiguous float64 CPU tensor (got {} on {}, shape {})", i, x.dtype(),
               x.device(), shape_str(x.shape()));
    if (requires_grad(x)) checked.push_back(i);
  }
  RILL_CHECK(!checked.empty(), "gradcheck: no input requires grad");

  // Analytic Jacobian, one row per output element: J[j] = grad of y_j w.r.t. every checked input.
  const Tensor y = f(inputs);
  RILL_CHECK(y.dtype() == DType::Float64, "gradcheck: the function must return float64, got {}", y.dtype());
  const int64_t m = y.numel();
  std::vector<Tensor> checked_inputs;
  for (size_t i : checked) checked_inputs.push_back(inputs[i]);
  std::vector<std::vector<std::vector<double>>> analytic(m);  // [j][input][k]
  for (int64_t j = 0; j < m; ++j) {
    std::vector<double> onehot(static_cast<size_t>(m), 0.0);
    onehot[j] = 1;
    const Tensor seed = tensor(onehot, {m});
    if (!requires_grad(y)) {  // no path from the inputs: the Jacobian is zero
      for (size_t c = 0; c < checked.size(); ++c)
        analytic[j].push_back(std::vector<double>(inputs[checked[c]].numel(), 0.0));
      continue;
    }
    for (const Tensor& g : autograd::grad({y}, checked_inputs, {ops::reshape(seed, y.shape())}, /*retain_graph=*/true))
      analytic[j].push_back(g.to_vector<double>());
  }

  // Numeric Jacobian, one column per input element, compared as it is computed.
  GradcheckResult result;
  double worst_ratio = -1;
  no_grad guard;
  for (size_t c = 0; c < checked.size(); ++c) {
    const Tensor& x = inputs[checked[c]];
    double* data = x.data<double>();
    for (int64_t k = 0; k < x.numel(); ++k) {
      const double original = data[k];
      data[k] = original + o.eps;
      const std::vector<double> plus = f(inputs).to_vector<double>();
      data[k] = original - o.eps;
      const std::vector<double> minus = f(inputs).to_vector<double>();
      data[k] = original;
      for (int64_t j = 0; j < m; ++j) {
        const double numeric = (plus[j] - minus[j]) / (2 * o.eps);
        const double exact = analytic[j][c][k];
        const double err = std::abs(exact - numeric);
        const double allowed = o.atol + o.rtol * std::abs(numeric);
        // A NaN or infinite entry (analytic or numeric) is a failure: compared as a
        // number it would pass (NaN > 1 is false). Its ratio is +inf, the worst there is,
        // so the report names the first such entry.
        const bool finite = std::isfinite(exact) && std::isfinite(numeric);
        const double ratio = !finite ? INFINITY : err == 0 ? 0 : err / allowed;  // (allowed may be 0)
        ++result.checked;
        if (finite)
          result.max_abs_error = std::max(result.max_abs_error, err);
        else
          result.max_abs_error = INFINITY;
        if (ratio > worst_ratio) {
          worst_ratio = ratio;
          result.report = fmt::format(
              "worst entry: input {} (shape {}) element {} -> output element {} (shape {}): analytic {:.10g}, "
              "numeric {:.10g}, {}",
              checked[c], shape_str(x.shape()), index_str(x.shape(), k), index_str(y.shape(), j), shape_str(y.shape()),
              exact, numeric,
              finite ? fmt::format("abs error {:.3g} (allowed {:.3g})", err, allowed) : std::string("not finite"));
        }
        if (!(ratio <= 1)) result.ok = false;
      }
    }
  }
  result.report = fmt::format("gradcheck {} ({} Jacobian entries); {}", result.ok ? "passed" : "FAILED", result.checked,
                              result.report);
  return result;
}

}  // namespace rill
