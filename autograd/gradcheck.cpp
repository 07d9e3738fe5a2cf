#include "autograd/gradcheck.h"

#include <cmath>

#include "autograd/engine.h"
#include "autograd/forward_ad.h"
#include "autograd/grad_mode.h"
#include "autograd/node.h"
#include "tensor/ops.h"
#include "tensor/random.h"

namespace rill {
namespace {

std::string index_str(const Shape& shape, int64_t flat) {
  Shape index(shape.size());
  for (size_t d = shape.size(); d-- > 0;) index[d] = flat % shape[d], flat /= shape[d];
  return shape_str(index);
}

// The inputs to check: contiguous float64 CPU tensors that require grad.
std::vector<size_t> checked_inputs(const char* who, const std::vector<Tensor>& inputs) {
  std::vector<size_t> checked;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const Tensor& x = inputs[i];
    RILL_CHECK(x.dtype() == DType::Float64 && x.device().is_cpu() && x.is_contiguous(),
               "{}: input {} must be a contiguous float64 CPU tensor (got {} on {}, shape {})", who, i, x.dtype(),
               x.device(), shape_str(x.shape()));
    if (requires_grad(x)) checked.push_back(i);
  }
  RILL_CHECK(!checked.empty(), "{}: no input requires grad", who);
  return checked;
}

// Compares analytic Jacobian entries with numeric ones and remembers the worst.
class Comparison {
 public:
  explicit Comparison(const GradcheckOptions& o) : o_(o) {}

  // One entry: d(output element j)/d(input `input` element k).
  void add(double exact, double numeric, size_t input, const Shape& x_shape, int64_t k, const Shape& y_shape,
           int64_t j) {
    const double err = std::abs(exact - numeric);
    const double allowed = o_.atol + o_.rtol * std::abs(numeric);
    // A NaN or infinite entry (analytic or numeric) is a failure: compared as a number it
    // would pass (NaN > 1 is false). Its ratio is +inf, the worst there is, so the report
    // names the first such entry.
    const bool finite = std::isfinite(exact) && std::isfinite(numeric);
    const double ratio = !finite ? INFINITY : err == 0 ? 0 : err / allowed;  // (allowed may be 0)
    ++result_.checked;
    result_.max_abs_error = finite ? std::max(result_.max_abs_error, err) : INFINITY;
    if (ratio > worst_ratio_) {
      worst_ratio_ = ratio;
      result_.report = fmt::format(
          "worst entry: input {} (shape {}) element {} -> output element {} (shape {}): analytic {:.10g}, "
          "numeric {:.10g}, {}",
          input, shape_str(x_shape), index_str(x_shape, k), index_str(y_shape, j), shape_str(y_shape), exact, numeric,
          finite ? fmt::format("abs error {:.3g} (allowed {:.3g})", err, allowed) : std::string("not finite"));
    }
    if (!(ratio <= 1)) result_.ok = false;
  }

  GradcheckResult finish(const char* who) {
    result_.report = fmt::format("{} {} ({} Jacobian entries); {}", who, result_.ok ? "passed" : "FAILED",
                                 result_.checked, result_.report);
    return result_;
  }

 private:
  GradcheckOptions o_;
  GradcheckResult result_;
  double worst_ratio_ = -1;
};

// J v: f evaluated under no_grad with tangent v[i] attached to the input handles
// themselves (not to duals, as jvp() does), so that a function which reaches an input
// through another copy of its handle (a module's own parameter) sees the tangent too.
// The tangents are removed again before returning. An undefined v[i] is zero.
Tensor tangent_through(const GradcheckFunction& f, const std::vector<Tensor>& inputs, const std::vector<Tensor>& v) {
  struct Attached {
    const std::vector<Tensor>& inputs;
    ~Attached() {
      for (const Tensor& x : inputs) clear_tangent(x);
    }
  } attached{inputs};
  for (size_t i = 0; i < inputs.size(); ++i) {
    RILL_CHECK(!has_tangent(inputs[i]), "jvpcheck: input {} already carries a tangent", i);
    if (v[i].defined()) set_tangent(inputs[i], v[i], "jvpcheck");
  }
  no_grad guard;  // forward mode needs no graph
  const Tensor y = f(inputs);
  RILL_CHECK(y.dtype() == DType::Float64, "jvpcheck: the function must return float64, got {}", y.dtype());
  const Tensor t = tangent_of(y);
  return t.defined() ? t : zeros(y.shape(), y.options());
}

// Central differences of f along input element (c, k): one Jacobian column, f evaluated
// under no_grad at x -/+ eps e_k.
std::vector<double> numeric_column(const GradcheckFunction& f, const std::vector<Tensor>& inputs, size_t c, int64_t k,
                                   double eps) {
  no_grad guard;
  double* data = inputs[c].data<double>();
  const double original = data[k];
  data[k] = original + eps;
  const std::vector<double> plus = f(inputs).to_vector<double>();
  data[k] = original - eps;
  const std::vector<double> minus = f(inputs).to_vector<double>();
  data[k] = original;
  std::vector<double> column(plus.size());
  for (size_t j = 0; j < plus.size(); ++j) column[j] = (plus[j] - minus[j]) / (2 * eps);
  return column;
}

}  // namespace

GradcheckResult gradcheck(const GradcheckFunction& f, const std::vector<Tensor>& inputs, GradcheckOptions o) {
  const std::vector<size_t> checked = checked_inputs("gradcheck", inputs);

  // Analytic Jacobian, one row per output element: J[j] = grad of y_j w.r.t. every checked input.
  const Tensor y = f(inputs);
  RILL_CHECK(y.dtype() == DType::Float64, "gradcheck: the function must return float64, got {}", y.dtype());
  const int64_t m = y.numel();
  std::vector<Tensor> wrt;
  for (size_t i : checked) wrt.push_back(inputs[i]);
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
    for (const Tensor& g : autograd::grad({y}, wrt, {ops::reshape(seed, y.shape())}, /*retain_graph=*/true))
      analytic[j].push_back(g.to_vector<double>());
  }

  // Numeric Jacobian, one column per input element, compared as it is computed.
  Comparison cmp(o);
  for (size_t c = 0; c < checked.size(); ++c) {
    const Tensor& x = inputs[checked[c]];
    for (int64_t k = 0; k < x.numel(); ++k) {
      const std::vector<double> numeric = numeric_column(f, inputs, checked[c], k, o.eps);
      for (int64_t j = 0; j < m; ++j) cmp.add(analytic[j][c][k], numeric[j], checked[c], x.shape(), k, y.shape(), j);
    }
  }
  return cmp.finish("gradcheck");
}

GradcheckResult jvpcheck(const GradcheckFunction& f, const std::vector<Tensor>& inputs, GradcheckOptions o) {
  const std::vector<size_t> checked = checked_inputs("jvpcheck", inputs);
  Comparison cmp(o);
  for (const size_t c : checked) {
    const Tensor& x = inputs[c];
    for (int64_t k = 0; k < x.numel(); ++k) {
      // Analytic column: the JVP with tangent e_k on input c (zero elsewhere).
      Tensor e = zeros(x.shape(), x.options());
      e.data<double>()[k] = 1;
      std::vector<Tensor> tangents(inputs.size());
      tangents[c] = e;
      const Tensor jv = tangent_through(f, inputs, tangents);
      const std::vector<double> analytic = jv.to_vector<double>();
      const std::vector<double> numeric = numeric_column(f, inputs, c, k, o.eps);
      for (int64_t j = 0; j < jv.numel(); ++j) cmp.add(analytic[j], numeric[j], c, x.shape(), k, jv.shape(), j);
    }
  }
  return cmp.finish("jvpcheck");
}

GradcheckResult adjointcheck(const GradcheckFunction& f, const std::vector<Tensor>& inputs, GradcheckOptions o,
                             uint64_t seed) {
  const std::vector<size_t> checked = checked_inputs("adjointcheck", inputs);
  Generator gen(seed);
  std::vector<Tensor> v(inputs.size()), wrt;
  for (const size_t c : checked) v[c] = randn(inputs[c].shape(), inputs[c].options(), &gen), wrt.push_back(inputs[c]);

  // J v by forward mode (no graph), J^T u by reverse mode.
  const Tensor jv_tensor = tangent_through(f, inputs, v);
  const Tensor y = f(inputs);
  const Tensor u = randn(y.shape(), y.options(), &gen);
  const std::vector<Tensor> jtu = requires_grad(y) ? autograd::grad({y}, wrt, {u}) : std::vector<Tensor>{};

  const std::vector<double> uv = u.to_vector<double>(), jv = jv_tensor.to_vector<double>();
  double forward = 0, scale = 0;  // <u, J v> and sum |u_j (J v)_j|
  for (size_t j = 0; j < uv.size(); ++j) forward += uv[j] * jv[j], scale += std::abs(uv[j] * jv[j]);
  double reverse = 0;  // <J^T u, v>
  for (size_t i = 0; i < jtu.size(); ++i) {
    const std::vector<double> a = jtu[i].to_vector<double>(), b = v[checked[i]].to_vector<double>();
    for (size_t k = 0; k < a.size(); ++k) reverse += a[k] * b[k];
  }
  GradcheckResult result;
  result.checked = 1;
  result.max_abs_error = std::abs(forward - reverse);
  const double allowed = o.adjoint_rtol * scale + 1e-12;
  result.ok = std::isfinite(forward) && std::isfinite(reverse) && result.max_abs_error <= allowed;
  result.report = fmt::format("adjointcheck {}: <u, J v> = {:.15g} (forward mode), <J^T u, v> = {:.15g} (reverse "
                              "mode), difference {:.3g} (allowed {:.3g})",
                              result.ok ? "passed" : "FAILED", forward, reverse, result.max_abs_error, allowed);
  return result;
}

}  // namespace rill
