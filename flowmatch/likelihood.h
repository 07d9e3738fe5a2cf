// rill flowmatch — exact likelihoods of a flow (continuous normalising flow view).
//
// Along a trajectory of dx/dt = v(t, x), the log-density obeys the instantaneous change
// of variables (Chen et al. 2018, Thm. 1):  d log p_t(x_t) / dt = -div v(t, x_t).  So
//     log p_1(x_1) = log p_0(x_0) - integral_0^1 div v(t, x_t) dt,
// computed by integrating [x, L] with dL/dt = div v backwards from the data (t = 1) to the
// source (t = 0), where p_0 = N(0, I):  log p_1(x_1) = log N(x_0; 0, I) + L(0).
// The divergence is exact (one Jacobian product per dimension, for low dimensions) or
// Hutchinson's unbiased estimate E_eps[eps^T (dv/dx) eps] with Rademacher eps (Grathwohl
// et al. 2019, FFJORD). The Jacobian products are taken in either mode:
//   Reverse  one forward pass that records the graph, then one VJP e_i^T J (row i) per
//            dimension or eps^T J per probe, the graph retained between them;
//   Forward  one JVP J e_i (column i) per dimension or J eps per probe, each a forward
//            pass carrying a tangent (autograd/forward_ad.h): no graph at all.
// Both give the same numbers up to rounding (tests/flowmatch/test_likelihood.cpp).
#pragma once

#include "flowmatch/ode.h"
#include "tensor/random.h"

namespace rill::flowmatch {

enum class DivergenceMethod { Exact, Hutchinson };
enum class JacobianMode { Reverse, Forward };

// div v(t, x) per row: [B]. Hutchinson averages `probes` estimates drawn from gen.
// When `value` is given it receives v(t, x) itself (computed anyway, detached).
Tensor divergence(const VectorField& v, double t, const Tensor& x, DivergenceMethod method = DivergenceMethod::Exact,
                  int64_t probes = 1, Generator* gen = nullptr, Tensor* value = nullptr,
                  JacobianMode mode = JacobianMode::Reverse);

struct LikelihoodOptions {
  OdeOptions ode = OdeOptions::adaptive(1e-5, 1e-5);
  DivergenceMethod divergence = DivergenceMethod::Exact;
  int64_t probes = 1;  // Hutchinson: one fixed set of probes per solve (a continuous estimator)
  JacobianMode mode = JacobianMode::Reverse;
  Generator* generator = nullptr;
};

struct LikelihoodResult {
  Tensor log_prob;  // [B], natural log of the model density at x1
  Tensor x0;        // the latent points the data maps to
  int64_t nfe = 0;
};

LikelihoodResult log_likelihood(const VectorField& v, const Tensor& x1, const LikelihoodOptions& options = {});

// 8-bit data k in 0..255 is modelled at x = k / 127.5 - 1 (the loaders' scale), so one
// intensity level is a bin of width w = 2/255 in model space. Uniform dequantization
// spreads k over its bin: x = (k + u - 1/2) w - 1, u ~ U(0, 1). The density of the
// continuous level k + u is then p(x) w^D, and
//   bpd = -(log p(x) + D log w) / (D log 2).
double bits_per_dim(double mean_log_prob, int64_t dims, double bin_width = 2.0 / 255.0);
// 8-bit values (any float dtype holding 0..255) dequantised into model space as above.
Tensor dequantize(const Tensor& pixels, Generator* gen = nullptr);

}  // namespace rill::flowmatch
