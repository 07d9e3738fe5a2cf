#include "tensor/norm.h"

#include "tensor/backend.h"
#include "tensor/profiler.h"
#include "tensor/view.h"

namespace rill::ops {
namespace {

void check_affine(const char* op, const Tensor& x, const Tensor& p, const Shape& expected, const char* what) {
  if (!p.defined()) return;
  RILL_CHECK(p.shape() == expected, "{}: {} has shape {}, expected {}", op, what, shape_str(p.shape()),
             shape_str(expected));
  RILL_CHECK(p.dtype() == x.dtype() && p.device() == x.device(), "{}: {} is {} on {}, input is {} on {}", op, what,
             p.dtype(), p.device(), x.dtype(), x.device());
}

Tensor maybe_contiguous(const Tensor& t) { return t.defined() ? contiguous(t) : t; }
Tensor empty_if(const Tensor& like) { return like.defined() ? Tensor::empty(like.shape(), like.options()) : Tensor(); }

// x [N, C, *] as contiguous [N, C, S].
Tensor as_ncs(const Tensor& x) { return reshape(contiguous(x), {x.size(0), x.size(1), -1}); }

}  // namespace

namespace {

NormForward group_norm_forward(const char* op, bool silu, const Tensor& x, int64_t groups, const Tensor& gamma,
                               const Tensor& beta, double eps) {
  RILL_CHECK(x.dim() >= 2, "{}: expected input [N, C, *], got shape {}", op, shape_str(x.shape()));
  RILL_CHECK(is_floating(x.dtype()), "{}: expected a floating dtype, got {}", op, x.dtype());
  const int64_t N = x.size(0), C = x.size(1);
  RILL_CHECK(groups > 0 && C % groups == 0, "{}: {} channels cannot be split into {} groups", op, C, groups);
  check_affine(op, x, gamma, {C}, "weight");
  check_affine(op, x, beta, {C}, "bias");
  const Tensor xs = as_ncs(x);
  NormForward out{Tensor::empty(x.shape(), x.options()), Tensor::empty({N, groups}, x.options()),
                  Tensor::empty({N, groups}, x.options())};
  const profiler::Scope scope(op);
  Backend& be = backend(x.device());
  if (silu)
    be.group_norm_silu(xs, maybe_contiguous(gamma), maybe_contiguous(beta), groups, eps, view(out.y, xs.shape()),
                       out.mean, out.rstd);
  else
    be.group_norm(xs, maybe_contiguous(gamma), maybe_contiguous(beta), groups, eps, view(out.y, xs.shape()), out.mean,
                  out.rstd);
  return out;
}

NormBackward group_norm_backward_of(const char* op, bool silu, const Tensor& grad_y, const Tensor& x,
                                    const NormForward& saved, int64_t groups, const Tensor& gamma, const Tensor& beta) {
  RILL_CHECK(grad_y.shape() == x.shape(), "{}: gradient shape {} differs from input shape {}", op,
             shape_str(grad_y.shape()), shape_str(x.shape()));
  RILL_CHECK(grad_y.dtype() == x.dtype() && grad_y.device() == x.device(),
             "{}: gradient is {} on {}, input is {} on {}", op, grad_y.dtype(), grad_y.device(), x.dtype(), x.device());
  // (The plain kernel returns dbeta only alongside dgamma; the fused one whenever there is a bias.)
  NormBackward out{Tensor::empty(x.shape(), x.options()), empty_if(gamma), silu ? empty_if(beta) : empty_if(gamma)};
  const Tensor xs = as_ncs(x);
  const profiler::Scope scope(op);
  Backend& be = backend(x.device());
  if (silu)
    be.group_norm_silu_backward(as_ncs(grad_y), xs, saved.mean, saved.rstd, maybe_contiguous(gamma),
                                maybe_contiguous(beta), groups, view(out.grad_x, xs.shape()), out.grad_gamma,
                                out.grad_beta);
  else
    be.group_norm_backward(as_ncs(grad_y), xs, saved.mean, saved.rstd, maybe_contiguous(gamma), groups,
                           view(out.grad_x, xs.shape()), out.grad_gamma, out.grad_beta);
  return out;
}

}  // namespace

NormForward group_norm(const Tensor& x, int64_t groups, const Tensor& gamma, const Tensor& beta, double eps) {
  return group_norm_forward("group_norm", false, x, groups, gamma, beta, eps);
}

NormBackward group_norm_backward(const Tensor& grad_y, const Tensor& x, const NormForward& saved, int64_t groups,
                                 const Tensor& gamma) {
  return group_norm_backward_of("group_norm_backward", false, grad_y, x, saved, groups, gamma, Tensor());
}

NormForward group_norm_silu(const Tensor& x, int64_t groups, const Tensor& gamma, const Tensor& beta, double eps) {
  return group_norm_forward("group_norm_silu", true, x, groups, gamma, beta, eps);
}

NormBackward group_norm_silu_backward(const Tensor& grad_y, const Tensor& x, const NormForward& saved, int64_t groups,
                                      const Tensor& gamma, const Tensor& beta) {
  check_affine("group_norm_silu_backward", x, beta, {x.size(1)}, "bias");
  return group_norm_backward_of("group_norm_silu_backward", true, grad_y, x, saved, groups, gamma, beta);
}

NormForward layer_norm(const Tensor& x, const Shape& normalized_shape, const Tensor& gamma, const Tensor& beta,
                       double eps) {
  const int64_t k = static_cast<int64_t>(normalized_shape.size());
  RILL_CHECK(k >= 1 && x.dim() >= k && Shape(x.shape().end() - k, x.shape().end()) == normalized_shape,
             "layer_norm: input shape {} does not end with normalized_shape {}", shape_str(x.shape()),
             shape_str(normalized_shape));
  RILL_CHECK(is_floating(x.dtype()), "layer_norm: expected a floating dtype, got {}", x.dtype());
  check_affine("layer_norm", x, gamma, normalized_shape, "weight");
  check_affine("layer_norm", x, beta, normalized_shape, "bias");
  const int64_t D = numel(normalized_shape), R = x.numel() / std::max<int64_t>(D, 1);
  NormForward out{Tensor::empty(x.shape(), x.options()), Tensor::empty({R}, x.options()),
                  Tensor::empty({R}, x.options())};
  const profiler::Scope scope("layer_norm");
  backend(x.device())
      .layer_norm(reshape(contiguous(x), {R, D}), maybe_contiguous(gamma), maybe_contiguous(beta), eps,
                  view(out.y, {R, D}), out.mean, out.rstd);
  return out;
}

NormBackward layer_norm_backward(const Tensor& grad_y, const Tensor& x, const NormForward& saved, const Tensor& gamma) {
  RILL_CHECK(grad_y.shape() == x.shape(), "layer_norm_backward: gradient shape {} differs from input shape {}",
             shape_str(grad_y.shape()), shape_str(x.shape()));
  RILL_CHECK(grad_y.dtype() == x.dtype() && grad_y.device() == x.device(),
             "layer_norm_backward: gradient is {} on {}, input is {} on {}", grad_y.dtype(), grad_y.device(), x.dtype(),
             x.device());
  const int64_t R = saved.mean.numel(), D = x.numel() / std::max<int64_t>(R, 1);
  NormBackward out{Tensor::empty(x.shape(), x.options()), empty_if(gamma), empty_if(gamma)};
  const profiler::Scope scope("layer_norm_backward");
  backend(x.device())
      .layer_norm_backward(reshape(contiguous(grad_y), {R, D}), reshape(contiguous(x), {R, D}), saved.mean, saved.rstd,
                           maybe_contiguous(gamma), view(out.grad_x, {R, D}), out.grad_gamma, out.grad_beta);
  return out;
}

NormForward rms_norm(const Tensor& x, const Tensor& gamma, double eps) {
  RILL_CHECK(x.dim() >= 1, "rms_norm: expected an input with at least one axis, got shape {}", shape_str(x.shape()));
  RILL_CHECK(is_floating(x.dtype()), "rms_norm: expected a floating dtype, got {}", x.dtype());
  RILL_CHECK(eps >= 0, "rms_norm: eps must be >= 0, got {}", eps);
  const int64_t D = x.size(-1), R = x.numel() / std::max<int64_t>(D, 1);
  check_affine("rms_norm", x, gamma, {D}, "weight");
  NormForward out{Tensor::empty(x.shape(), x.options()), Tensor(), Tensor::empty({R}, x.options())};
  const profiler::Scope scope("rms_norm");
  backend(x.device()).rms_norm(reshape(contiguous(x), {R, D}), maybe_contiguous(gamma), eps, view(out.y, {R, D}), out.rstd);
  return out;
}

NormBackward rms_norm_backward(const Tensor& grad_y, const Tensor& x, const NormForward& saved, const Tensor& gamma) {
  RILL_CHECK(grad_y.shape() == x.shape(), "rms_norm_backward: gradient shape {} differs from input shape {}",
             shape_str(grad_y.shape()), shape_str(x.shape()));
  RILL_CHECK(grad_y.dtype() == x.dtype() && grad_y.device() == x.device(),
             "rms_norm_backward: gradient is {} on {}, input is {} on {}", grad_y.dtype(), grad_y.device(), x.dtype(),
             x.device());
  const int64_t R = saved.rstd.numel(), D = x.numel() / std::max<int64_t>(R, 1);
  NormBackward out{Tensor::empty(x.shape(), x.options()), empty_if(gamma), Tensor()};
  const profiler::Scope scope("rms_norm_backward");
  backend(x.device())
      .rms_norm_backward(reshape(contiguous(grad_y), {R, D}), reshape(contiguous(x), {R, D}), saved.rstd,
                         maybe_contiguous(gamma), view(out.grad_x, {R, D}), out.grad_gamma);
  return out;
}

}  // namespace rill::ops
