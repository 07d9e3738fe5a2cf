#include "flowmatch/likelihood.h"

#include <cmath>

#include "autograd/autograd.h"
#include "tensor/ops.h"

namespace rill::flowmatch {

namespace {

// The same by JVPs: J e_i (column i) or J eps, one forward pass with a tangent each.
Tensor divergence_forward(const VectorField& v, double t, const Tensor& x, DivergenceMethod method, int64_t probes,
                          Generator* gen, Tensor* value) {
  no_grad grad_off;  // forward mode needs no graph
  const int64_t B = x.size(0), D = x.numel() / std::max<int64_t>(B, 1);
  const auto field = [&](const Tensor& in) { return v(t, in); };
  Tensor div = zeros({B}, x.options());
  if (method == DivergenceMethod::Exact) {
    for (int64_t i = 0; i < D; ++i) {
      Tensor e = zeros({B, D}, x.options());
      ops::fill_(ops::select(e, 1, i), 1.0);
      const autograd::JvpResult r = autograd::jvp(field, x, ops::reshape(e, x.shape()));
      RILL_CHECK(r.outputs[0].shape() == x.shape(), "divergence: the field returned shape {} for input {}",
                 shape_str(r.outputs[0].shape()), shape_str(x.shape()));
      if (value && i == 0) *value = r.outputs[0];
      div = ops::add(div, ops::select(ops::reshape(r.tangents[0], {B, D}), 1, i));  // d out_i / d x_i
    }
    return div;
  }
  RILL_CHECK(probes >= 1, "divergence: Hutchinson needs at least one probe, got {}", probes);
  for (int64_t p = 0; p < probes; ++p) {
    const Tensor eps = ops::sign(randn(x.shape(), x.options(), gen));  // Rademacher +-1
    const autograd::JvpResult r = autograd::jvp(field, x, eps);
    if (value && p == 0) *value = r.outputs[0];
    div = ops::add(div, ops::sum(ops::reshape(ops::mul(r.tangents[0], eps), {B, D}), {1}));  // eps^T (J eps)
  }
  return ops::div(div, static_cast<double>(probes));
}

}  // namespace

Tensor divergence(const VectorField& v, double t, const Tensor& x, DivergenceMethod method, int64_t probes,
                  Generator* gen, Tensor* value, JacobianMode mode) {
  if (mode == JacobianMode::Forward) return divergence_forward(v, t, x, method, probes, gen, value);
  enable_grad grad_on;  // VJPs need the graph even inside a no_grad sampler
  const Tensor xg = requires_grad_(ops::clone(x));
  const Tensor out = v(t, xg);
  if (value) *value = detach(out);
  RILL_CHECK(out.shape() == x.shape(), "divergence: the field returned shape {} for input {}", shape_str(out.shape()),
             shape_str(x.shape()));
  const int64_t B = x.size(0), D = x.numel() / std::max<int64_t>(B, 1);
  Tensor div = zeros({B}, x.options());
  if (method == DivergenceMethod::Exact) {
    // Row i of the Jacobian for every batch element at once: VJP with e_i.
    for (int64_t i = 0; i < D; ++i) {
      Tensor e = zeros({B, D}, x.options());
      ops::fill_(ops::select(e, 1, i), 1.0);
      const Tensor row = autograd::grad({out}, {xg}, {ops::reshape(e, x.shape())}, /*retain_graph=*/true)[0];
      div = ops::add(div, ops::select(ops::reshape(row, {B, D}), 1, i));  // d out_i / d x_i
    }
    return div;
  }
  RILL_CHECK(probes >= 1, "divergence: Hutchinson needs at least one probe, got {}", probes);
  for (int64_t p = 0; p < probes; ++p) {
    const Tensor eps = ops::sign(randn(x.shape(), x.options(), gen));  // Rademacher +-1
    const Tensor vjp = autograd::grad({out}, {xg}, {eps}, /*retain_graph=*/true)[0];
    div = ops::add(div, ops::sum(ops::reshape(ops::mul(vjp, eps), {B, D}), {1}));
  }
  return ops::div(div, static_cast<double>(probes));
}

LikelihoodResult log_likelihood(const VectorField& v, const Tensor& x1, const LikelihoodOptions& o) {
  const int64_t B = x1.size(0), D = x1.numel() / std::max<int64_t>(B, 1);
  const Shape shape = x1.shape();
  // Hutchinson: draw the probes once per solve; a fixed eps keeps the ODE smooth.
  Generator& gen = o.generator ? *o.generator : default_generator();
  const Generator::State probe_state = gen.state();
  // Augmented state z = [x (flattened), L]: [B, D + 1]; dz/dt = [v, div v].
  const VectorField augmented = [&](double t, const Tensor& z) {
    const Tensor x = ops::reshape(ops::contiguous(ops::narrow(z, 1, 0, D)), shape);
    gen.set_state(probe_state);  // the same probes at every evaluation
    Tensor vel;
    const Tensor div = detach(divergence(v, t, x, o.divergence, o.probes, &gen, &vel, o.mode));
    return ops::cat({ops::reshape(vel, {B, D}), ops::reshape(div, {B, 1})}, 1);
  };
  const Tensor z1 = ops::cat({ops::reshape(x1, {B, D}), zeros({B, 1}, x1.options())}, 1);
  const OdeResult r = odeint(augmented, z1, 1.0, 0.0, o.ode);
  const Tensor x0 = ops::narrow(r.x, 1, 0, D), L0 = ops::reshape(ops::narrow(r.x, 1, D, 1), {B});
  // log N(x0; 0, I) = -|x0|^2 / 2 - D/2 log(2 pi)
  const Tensor log_p0 =
      ops::sub(ops::mul(ops::sum(ops::mul(x0, x0), {1}), -0.5), 0.5 * static_cast<double>(D) * std::log(2 * M_PI));
  return {ops::add(log_p0, L0), ops::reshape(ops::contiguous(x0), shape), r.nfe};
}

double bits_per_dim(double mean_log_prob, int64_t dims, double bin_width) {
  const double d = static_cast<double>(dims);
  return -(mean_log_prob + d * std::log(bin_width)) / (d * std::log(2.0));
}

Tensor dequantize(const Tensor& pixels, Generator* gen) {
  const Tensor u = rand(pixels.shape(), pixels.options(), gen);
  return ops::sub(ops::mul(ops::add(pixels, ops::sub(u, 0.5)), 2.0 / 255.0), 1.0);  // (k + u - 1/2) w - 1
}

}  // namespace rill::flowmatch
