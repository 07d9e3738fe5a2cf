// Forward and backward are single fused kernels (formulas in tensor/norm.h); the
// node saves x and the per-group mean and rstd, so backward needs no recomputation.
// Tangents: with m elements per group, xhat = (x - mean) rstd, rstd = 1 / sqrt(var + eps),
//     dmean = mean(dx),   drstd = -rstd^2 mean(xhat dx)      (var = mean((x - mean)^2))
//     dxhat = (dx - dmean) rstd + (x - mean) drstd = rstd (dx - mean(dx) - xhat mean(xhat dx))
//     dy    = dxhat gamma + xhat dgamma + dbeta
// The backward's dx = rstd (g - mean(g) - xhat mean(g xhat)) (g = dy gamma) is the same map:
// the Jacobian J = d xhat / dx = rstd (I - 1 1^T / m - xhat xhat^T / m) of each group is
// symmetric, so the backward kernel with gamma = 1, given dx, returns dxhat in one fused
// pass (RMSNorm alike, without the mean terms). xhat itself is computed only when a tangent
// of gamma needs it.
// x and the affine parameters are version-checked saved tensors (saved.h); mean and
// rstd are computed by the forward for the node alone, so nothing else can write them.
#include "autograd/norm.h"

#include <functional>

#include "autograd/forward_ad.h"
#include "autograd/node.h"
#include "tensor/norm.h"
#include "tensor/ops.h"
#include "tensor/reduce.h"

namespace rill {

namespace {
std::vector<Tensor> with_affine(const Tensor& x, const Tensor& weight, const Tensor& bias) {
  std::vector<Tensor> inputs{x};
  if (weight.defined()) inputs.push_back(weight);
  if (bias.defined()) inputs.push_back(bias);
  return inputs;
}
// xhat = (x - mean) rstd for x viewed as `rows` groups of consecutive elements (mean
// undefined: no centring, RMSNorm), in x's shape.
Tensor normalized(const Tensor& x, const Tensor& mean, const Tensor& rstd, int64_t rows) {
  const Tensor x2 = ops::reshape(x, {rows, -1});  // [rows, m]
  const Tensor centred = mean.defined() ? ops::sub(x2, ops::reshape(mean, {rows, 1})) : x2;
  return ops::reshape(ops::mul(centred, ops::reshape(rstd, {rows, 1})), x.shape());
}
// dy = dxhat gamma + xhat dgamma + dbeta, gamma and beta reshaped to `affine` (broadcastable
// to x); xhat() is called only when gamma has a tangent.
Tensor affine_tangent(const Tensor& dxhat, const std::function<Tensor()>& xhat, const Tensor& weight,
                      const Tensor& bias, const Shape& affine) {
  Tensor dy = weight.defined() ? ops::mul(dxhat, ops::reshape(weight, affine)) : dxhat;
  if (has_tangent(weight)) dy = ops::add(dy, ops::mul(xhat(), ops::reshape(tangent_of(weight), affine)));
  if (has_tangent(bias)) dy = ops::add(dy, ops::reshape(tangent_of(bias), affine));
  return dy;
}
// [1, C, 1, ...]: a per-channel parameter of group norm, broadcast against x [N, C, *].
Shape channel_shape(const Tensor& x) {
  Shape s(x.shape().size(), 1);
  s[1] = x.size(1);
  return s;
}
// dx, then dweight when there is a weight (dbias is appended by the caller).
std::vector<Tensor> dx_dweight(const ops::NormBackward& d, const Tensor& weight) {
  std::vector<Tensor> out{d.grad_x};
  if (weight.defined()) out.push_back(d.grad_gamma);
  return out;
}
}  // namespace

struct GroupNormBackward : Node {
  SavedTensor saved_x, saved_weight;
  ops::NormForward saved;
  int64_t groups = 1;
  bool has_bias = false;
  std::string name() const override { return "GroupNormBackward"; }
  std::vector<Tensor> backward(const Tensor& g) override {
    const Tensor& x = saved_x.unpack(*this, "its input x");
    const Tensor& weight = saved_weight.unpack(*this, "its weight");
    // The kernel returns dbias only alongside dgamma (when there is a weight); with a bias
    // but no weight, dbias = sum of g over all but the channel axis is computed here.
    const ops::NormBackward d = ops::group_norm_backward(g, x, saved, groups, weight);
    std::vector<Tensor> out = dx_dweight(d, weight);
    if (has_bias) out.push_back(weight.defined() ? d.grad_beta : ops::sum(g, bias_axes(g)));
    return out;
  }
  static ops::Axes bias_axes(const Tensor& g) {
    ops::Axes axes{0};
    for (int64_t d = 2; d < g.dim(); ++d) axes.push_back(d);
    return axes;
  }
  void release_saved() override { saved_x.reset(), saved_weight.reset(), saved = {}; }
};

Tensor group_norm(const Tensor& x, int64_t groups, const Tensor& weight, const Tensor& bias, double eps) {
  ops::NormForward f = ops::group_norm(x, groups, weight, bias, eps);
  Tensor y = f.y;
  if (auto node = record<GroupNormBackward>(y, with_affine(x, weight, bias))) {
    node->saved_x = save_for_backward(x), node->saved_weight = save_for_backward(weight);
    node->groups = groups, node->has_bias = bias.defined();
    node->saved = {Tensor(), f.mean, f.rstd};
  }
  if (any_tangent({x, weight, bias})) {
    // dxhat = J dx by the backward kernel (J symmetric, see the top of this file).
    const Tensor dxhat = ops::group_norm_backward(tangent_or_zeros(x), x, {Tensor(), f.mean, f.rstd}, groups, {}).grad_x;
    const auto xhat = [&] { return normalized(x, f.mean, f.rstd, x.size(0) * groups); };
    set_tangent(y, affine_tangent(dxhat, xhat, weight, bias, channel_shape(x)), "group_norm");
  }
  return y;
}

// ---- silu(group_norm(x)) fused: y = silu(h), h = group_norm(x) -------------------------------
// Backward: dh = dy * silu'(h), then group norm's backward on dh. The kernel recomputes h
// from x, mean, rstd, weight and bias, so the node keeps nothing the plain group norm does not.
// Tangent: dh by group norm's rule, then dy = silu'(h) dh.
struct GroupNormSiluBackward : Node {
  SavedTensor saved_x, saved_weight, saved_bias;
  ops::NormForward saved;
  int64_t groups = 1;
  std::string name() const override { return "GroupNormSiluBackward"; }
  std::vector<Tensor> backward(const Tensor& g) override {
    const Tensor& x = saved_x.unpack(*this, "its input x");
    const Tensor& weight = saved_weight.unpack(*this, "its weight");
    const Tensor& bias = saved_bias.unpack(*this, "its bias");
    const ops::NormBackward d = ops::group_norm_silu_backward(g, x, saved, groups, weight, bias);
    std::vector<Tensor> out = dx_dweight(d, weight);
    if (bias.defined()) out.push_back(d.grad_beta);  // computed whenever there is a bias
    return out;
  }
  void release_saved() override { saved_x.reset(), saved_weight.reset(), saved_bias.reset(), saved = {}; }
};

Tensor group_norm_silu(const Tensor& x, int64_t groups, const Tensor& weight, const Tensor& bias, double eps) {
  ops::NormForward f = ops::group_norm_silu(x, groups, weight, bias, eps);
  Tensor y = f.y;
  if (auto node = record<GroupNormSiluBackward>(y, with_affine(x, weight, bias))) {
    node->saved_x = save_for_backward(x), node->saved_weight = save_for_backward(weight);
    node->saved_bias = save_for_backward(bias), node->groups = groups;
    node->saved = {Tensor(), f.mean, f.rstd};
  }
  if (any_tangent({x, weight, bias})) {
    const Tensor dxhat = ops::group_norm_backward(tangent_or_zeros(x), x, {Tensor(), f.mean, f.rstd}, groups, {}).grad_x;
    const auto xhat = [&] { return normalized(x, f.mean, f.rstd, x.size(0) * groups); };
    const Tensor dh = affine_tangent(dxhat, xhat, weight, bias, channel_shape(x));
    const Tensor h = ops::group_norm(x, groups, weight, bias, eps).y;  // silu's argument, one fused pass
    set_tangent(y, ops::silu_backward(dh, h), "group_norm_silu");
  }
  return y;
}

struct LayerNormBackward : Node {
  SavedTensor saved_x, saved_weight;
  ops::NormForward saved;
  bool has_bias = false;
  std::string name() const override { return "LayerNormBackward"; }
  std::vector<Tensor> backward(const Tensor& g) override {
    const Tensor& x = saved_x.unpack(*this, "its input x");
    const Tensor& weight = saved_weight.unpack(*this, "its weight");
    const ops::NormBackward d = ops::layer_norm_backward(g, x, saved, weight);
    std::vector<Tensor> out = dx_dweight(d, weight);
    if (has_bias) {
      // dbias = g summed over the leading (non-normalised) axes.
      const int64_t lead = g.dim() - static_cast<int64_t>(next.back().shape.size());
      ops::Axes axes;
      for (int64_t a = 0; a < lead; ++a) axes.push_back(a);
      out.push_back(weight.defined() ? d.grad_beta : ops::sum(g, axes));
    }
    return out;
  }
  void release_saved() override { saved_x.reset(), saved_weight.reset(), saved = {}; }
};

Tensor layer_norm(const Tensor& x, const Shape& normalized_shape, const Tensor& weight, const Tensor& bias,
                  double eps) {
  ops::NormForward f = ops::layer_norm(x, normalized_shape, weight, bias, eps);
  Tensor y = f.y;
  if (auto node = record<LayerNormBackward>(y, with_affine(x, weight, bias))) {
    node->saved_x = save_for_backward(x), node->saved_weight = save_for_backward(weight);
    node->has_bias = bias.defined();
    node->saved = {Tensor(), f.mean, f.rstd};
  }
  if (any_tangent({x, weight, bias})) {
    const Tensor dxhat = ops::layer_norm_backward(tangent_or_zeros(x), x, {Tensor(), f.mean, f.rstd}, {}).grad_x;
    const auto xhat = [&] { return normalized(x, f.mean, f.rstd, x.numel() / numel(normalized_shape)); };
    set_tangent(y, affine_tangent(dxhat, xhat, weight, bias, normalized_shape), "layer_norm");
  }
  return y;
}

// ---- RMSNorm: y = x rstd weight, rstd = 1/sqrt(mean(x^2) + eps) -----------------------
//      dx = rstd (dxhat - xhat mean(dxhat xhat)),  dweight = sum_rows dy xhat   (xhat = x rstd,
//      dxhat = dy weight; derived in docs/adding-a-layer.md). The fused kernel computes both.
struct RmsNormBackward : Node {
  SavedTensor saved_x, saved_weight;
  ops::NormForward saved;  // rstd per row (not a user-visible tensor: nothing can overwrite it)
  std::string name() const override { return "RmsNormBackward"; }
  std::vector<Tensor> backward(const Tensor& g) override {
    const Tensor& x = saved_x.unpack(*this, "its input x");
    const Tensor& weight = saved_weight.unpack(*this, "its weight");
    return dx_dweight(ops::rms_norm_backward(g, x, saved, weight), weight);
  }
  void release_saved() override { saved_x.reset(), saved_weight.reset(), saved = {}; }
};

Tensor rms_norm(const Tensor& x, const Tensor& weight, double eps) {
  ops::NormForward f = ops::rms_norm(x, weight, eps);
  Tensor y = f.y;
  if (auto node = record<RmsNormBackward>(y, with_affine(x, weight, Tensor()))) {
    node->saved_x = save_for_backward(x), node->saved_weight = save_for_backward(weight);
    node->saved = {Tensor(), Tensor(), f.rstd};
  }
  if (any_tangent({x, weight})) {
    const Tensor dxhat = ops::rms_norm_backward(tangent_or_zeros(x), x, {Tensor(), Tensor(), f.rstd}, {}).grad_x;
    const auto xhat = [&] { return normalized(x, Tensor(), f.rstd, x.numel() / x.size(-1)); };
    set_tangent(y, affine_tangent(dxhat, xhat, weight, Tensor(), {x.size(-1)}), "rms_norm");
  }
  return y;
}

}  // namespace rill
