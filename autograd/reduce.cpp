// Reductions: y has the kept axes; every backward first broadcasts g back over the
// reduced axes ("unreduce": reshape to the keepdim shape, expand to x's shape). Tangent
// rules go the other way: a reduction of the tangent dx, the transpose of that broadcast.
#include "autograd/reduce.h"

#include "autograd/forward_ad.h"
#include "autograd/node.h"
#include "tensor/ops.h"

namespace rill {

namespace {

// x's shape with the reduced axes set to 1 (what keepdim=true would give).
Shape keepdim_shape(const Shape& shape, const Axes& axes) {
  Shape out = shape;
  if (out.empty()) return out;  // a 0-d tensor reduces to itself
  if (axes.empty()) std::fill(out.begin(), out.end(), 1);
  for (int64_t a : axes) out[wrap_dim("reduce", a, static_cast<int64_t>(shape.size()))] = 1;
  return out;
}

// A node for a reduction: remembers x's shape (edge 0) and the keepdim shape.
struct ReductionNode : Node {
  Shape kept;
  // g (reduced shape) broadcast back to x's shape.
  Tensor unreduce(const Tensor& g) const { return ops::expand(ops::reshape(g, kept), next[0].shape); }
};

}  // namespace

// ---- sum: backward dx = g broadcast back;  tangent dy = sum(dx) -------------------------------------------------------------
struct SumBackward : ReductionNode {
  std::string name() const override { return "SumBackward"; }
  std::vector<Tensor> backward(const Tensor& g) override { return {ops::contiguous(unreduce(g))}; }
};
Tensor sum(const Tensor& x, const Axes& axes, bool keepdim) {
  Tensor y = ops::sum(x, axes, keepdim);
  if (auto node = record<SumBackward>(y, {x})) node->kept = keepdim_shape(x.shape(), axes);
  if (has_tangent(x)) set_tangent(y, ops::sum(tangent_of(x), axes, keepdim), "sum");
  return y;
}

// ---- mean: backward dx = g / K broadcast back (K = number of reduced elements);
//      tangent dy = mean(dx) -------------------------
struct MeanBackward : ReductionNode {
  double count = 1;
  std::string name() const override { return "MeanBackward"; }
  std::vector<Tensor> backward(const Tensor& g) override { return {ops::div(unreduce(g), count)}; }
};
Tensor mean(const Tensor& x, const Axes& axes, bool keepdim) {
  Tensor y = ops::mean(x, axes, keepdim);
  if (auto node = record<MeanBackward>(y, {x})) {
    node->kept = keepdim_shape(x.shape(), axes);
    node->count = static_cast<double>(x.numel()) / static_cast<double>(std::max<int64_t>(numel(node->kept), 1));
  }
  if (has_tangent(x)) set_tangent(y, ops::mean(tangent_of(x), axes, keepdim), "mean");
  return y;
}

// ---- max / min: dy/dx = 1/k at the k positions holding the extreme value (ties share
//      evenly), 0 elsewhere;  backward dx = g * that;  tangent dy = sum(that * dx) ------
struct ExtremeBackward : ReductionNode {
  SavedTensor saved_x, saved_y;  // y with keepdim shape
  Axes axes;
  bool is_max = true;
  std::string name() const override { return is_max ? "MaxBackward" : "MinBackward"; }
  std::vector<Tensor> backward(const Tensor& g) override {
    const Tensor& x = saved_x.unpack(*this, "its input x");
    const Tensor& y = saved_y.unpack(*this, "its output");
    return {ops::mul(share(x, y, axes), unreduce(g))};
  }
  // dy/dx: 1/k where x equals the group's extreme y (keepdim shape), k of them; else 0.
  static Tensor share(const Tensor& x, const Tensor& y, const Axes& axes) {
    const Tensor hit = ops::eq(x, y);
    return ops::div(hit, ops::sum(hit, axes, true));
  }
  void release_saved() override { saved_x.reset(), saved_y.reset(); }
};
static Tensor extreme(bool is_max, const Tensor& x, const Axes& axes, bool keepdim) {
  Tensor y = is_max ? ops::max(x, axes, keepdim) : ops::min(x, axes, keepdim);
  if (auto node = record<ExtremeBackward>(y, {x})) {
    node->kept = keepdim_shape(x.shape(), axes);
    node->saved_x = save_for_backward(x);
    node->saved_y = save_for_backward(ops::reshape(y, node->kept));  // a view: y's storage and version
    node->axes = axes;
    node->is_max = is_max;
  }
  if (has_tangent(x)) {
    const Tensor kept_y = ops::reshape(y, keepdim_shape(x.shape(), axes));
    set_tangent(y, ops::sum(ops::mul(ExtremeBackward::share(x, kept_y, axes), tangent_of(x)), axes, keepdim),
                is_max ? "max" : "min");
  }
  return y;
}
Tensor max(const Tensor& x, const Axes& axes, bool keepdim) { return extreme(true, x, axes, keepdim); }
Tensor min(const Tensor& x, const Axes& axes, bool keepdim) { return extreme(false, x, axes, keepdim); }

// ---- var: y = sum (x - mean)^2 / (K - c);  dy/dx = 2 (x - mean) / (K - c)
//      backward dx = g * dy/dx;  tangent dy = sum(dy/dx * dx)
// (the mean's own dependence on x drops out, because sum (x - mean) = 0)
struct VarBackward : ReductionNode {
  Tensor centered;  // x - mean, x's shape: computed here and held only by this node, so
                    // nothing can write to it in place (no version to check, saved.h)
  double denominator = 1;
  std::string name() const override { return "VarBackward"; }
  std::vector<Tensor> backward(const Tensor& g) override {
    return {ops::mul(ops::mul(centered, unreduce(g)), 2.0 / denominator)};
  }
  void release_saved() override { centered = Tensor(); }
};
Tensor var(const Tensor& x, const Axes& axes, int64_t correction, bool keepdim) {
  Tensor y = ops::var(x, axes, correction, keepdim);
  if (auto node = record<VarBackward>(y, {x})) {
    node->kept = keepdim_shape(x.shape(), axes);
    const double count = static_cast<double>(x.numel()) / static_cast<double>(std::max<int64_t>(numel(node->kept), 1));
    node->denominator = count - static_cast<double>(correction);
    node->centered = ops::sub(x, ops::mean(x, axes, true));
  }
  if (has_tangent(x)) {
    const double count = static_cast<double>(x.numel()) /
                         static_cast<double>(std::max<int64_t>(numel(keepdim_shape(x.shape(), axes)), 1));
    const Tensor centered = ops::sub(x, ops::mean(x, axes, true));
    set_tangent(y,
                ops::mul(ops::sum(ops::mul(centered, tangent_of(x)), axes, keepdim),
                         2.0 / (count - static_cast<double>(correction))),
                "var");
  }
  return y;
}

// ---- softmax: y_i = e^x_i / sum_j e^x_j;  dy_i/dx_j = y_i (delta_ij - y_j), symmetric, so
//      backward dx = y * (g - sum(g * y));  tangent dy = y * (dx - sum(dx * y))  (sums along dim) ----
struct SoftmaxBackward : Node {
  SavedTensor saved_y;
  int64_t dim = 0;
  std::string name() const override { return "SoftmaxBackward"; }
  std::vector<Tensor> backward(const Tensor& g) override {
    const Tensor& y = saved_y.unpack(*this, "its output");
    return {ops::mul(y, ops::sub(g, ops::sum(ops::mul(g, y), {dim}, true)))};
  }
  void release_saved() override { saved_y.reset(); }
};
Tensor softmax(const Tensor& x, int64_t dim) {
  Tensor y = ops::softmax(x, dim);
  if (auto node = record<SoftmaxBackward>(y, {x})) node->saved_y = save_for_backward(y), node->dim = dim;
  if (has_tangent(x)) {
    const Tensor dx = tangent_of(x);
    set_tangent(y, ops::mul(y, ops::sub(dx, ops::sum(ops::mul(dx, y), {dim}, true))), "softmax");
  }
  return y;
}

// ---- log_softmax: y = x - logsumexp(x);  dy_i/dx_j = delta_ij - softmax(x)_j
//      backward dx = g - e^y sum(g);  tangent dy = dx - sum(e^y dx)  (e^y = softmax(x)) ---------------
struct LogSoftmaxBackward : Node {
  SavedTensor saved_y;
  int64_t dim = 0;
  std::string name() const override { return "LogSoftmaxBackward"; }
  std::vector<Tensor> backward(const Tensor& g) override {
    const Tensor& y = saved_y.unpack(*this, "its output");
    return {ops::sub(g, ops::mul(ops::exp(y), ops::sum(g, {dim}, true)))};
  }
  void release_saved() override { saved_y.reset(); }
};
Tensor log_softmax(const Tensor& x, int64_t dim) {
  Tensor y = ops::log_softmax(x, dim);
  if (auto node = record<LogSoftmaxBackward>(y, {x})) node->saved_y = save_for_backward(y), node->dim = dim;
  if (has_tangent(x)) {
    const Tensor dx = tangent_of(x);
    set_tangent(y, ops::sub(dx, ops::sum(ops::mul(ops::exp(y), dx), {dim}, true)), "log_softmax");
  }
  return y;
}

// ---- logsumexp: y = log sum_j e^x_j;  dy/dx_j = e^(x_j - y) = softmax(x)_j
//      backward dx = g * e^(x - y);  tangent dy = sum(e^(x - y) dx) ----------------------------
struct LogSumExpBackward : Node {
  SavedTensor saved_x, saved_y;  // y with keepdim shape
  std::string name() const override { return "LogSumExpBackward"; }
  std::vector<Tensor> backward(const Tensor& g) override {
    const Tensor& x = saved_x.unpack(*this, "its input x");
    const Tensor& y = saved_y.unpack(*this, "its output");
    return {ops::mul(ops::reshape(g, y.shape()), ops::exp(ops::sub(x, y)))};
  }
  void release_saved() override { saved_x.reset(), saved_y.reset(); }
};
Tensor logsumexp(const Tensor& x, int64_t dim, bool keepdim) {
  Tensor y = ops::logsumexp(x, dim, keepdim);
  if (auto node = record<LogSumExpBackward>(y, {x})) {
    node->saved_x = save_for_backward(x);
    node->saved_y = save_for_backward(ops::reshape(y, keepdim_shape(x.shape(), {dim})));  // a view of y
  }
  if (has_tangent(x)) {
    const Tensor p = ops::exp(ops::sub(x, ops::reshape(y, keepdim_shape(x.shape(), {dim}))));
    set_tangent(y, ops::sum(ops::mul(p, tangent_of(x)), {dim}, keepdim), "logsumexp");
  }
  return y;
}

}  // namespace rill
