// rill flowmatch — MeanFlow: one-step generation by learning the average velocity
// (Geng, Deng, Bai, Kolter, He 2025, "Mean Flows for One-step Generative Modeling").
//
// A flow-matching model learns the instantaneous velocity v(x_t, t) and needs many solver
// steps. MeanFlow learns the average velocity over an interval instead, here (in rill's
// direction of time: noise at t = 0, data at t = 1) from the state's time t to a time r:
//     u(x_t, t, r) = 1/(r - t) * integral_t^r v(x_s, s) ds,    so   x_r = x_t + (r - t) u(x_t, t, r)
// exactly: one network evaluation jumps from t to r, and u(x_0, 0, 1) maps noise to data in
// one step. Differentiating (r - t) u = integral_t^r v ds in t (r fixed) gives the MeanFlow
// identity (it reads the same in this direction of time as in the paper's):
//     u(x_t, t, r) = v(x_t, t) - (t - r) d/dt u(x_t, t, r),
//     d/dt u = v . grad_x u + du/dt     (the total derivative along the flow)
// The total derivative is one JVP of the network along the tangent (dx, dt, dr) = (v, 1, 0)
// (autograd/forward_ad.h), and with v replaced by the conditional velocity x1 - x0 of a
// training pair, the regression
//     L = E || u_theta(x_t, t, r) - sg(v - (t - r) d/dt u_theta) ||^2
// has the true average velocity as its solution (as conditional flow matching has the
// marginal v). At r = t it is plain flow matching.
//
// The paper's choices, in rill's direction of time (paper time t_p = 1 - t). The values
// marked (code) were checked against public implementations of the method; the paper's equation and
// table numbers were not rechecked here, so they are not cited:
//   - a fraction of the pairs has r != t, the rest r = t (25% r != t: the
//     first 75% of each batch has r = t (code));
//   - t and r: two draws from a logit-normal, t the smaller, r the larger (the paper takes
//     t_p the larger: t_p = 1 - t); logit-normal(-0.4, 1) in paper time (code) is
//     (0.4, 1) here;
//   - the adaptive loss weight w = 1 / (||Delta||^2 + c)^p with stop-gradient, p = 1,
//     c = 1e-3 (some implementations use 0.01), so the loss is sum_i sg(w_i) ||Delta_i||^2 / B;
//   - the network sees (t, r - t) (the paper's (t, t - r)) (code);
//   - classifier-free guidance inside the target (the paper's guidance section and its
//     appendix's mixing scale kappa): v is replaced by
//         v~ = omega v + kappa u(x_t, t, t | c) + (1 - omega - kappa) u(x_t, t, t | null),
//     the network's own r = t predictions (no gradient), for rows that keep their label; the
//     labels are dropped to null with probability 0.1. Sampling then needs no guidance:
//     one step with the label is already the guided sample.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "flowmatch/coupling.h"
#include "flowmatch/time.h"

namespace rill::flowmatch {

// u_theta(t [B], r [B], x_t [B, ...], labels [B] or undefined) -> [B, ...]: the average
// velocity from time t to time r. nn::MLP(dim, width, 2) is one as it is (std::ref).
using MeanFlowModel = std::function<Tensor(const Tensor& t, const Tensor& r, const Tensor& x, const Tensor& labels)>;

struct MeanFlowOptions {
  std::shared_ptr<Coupling> coupling = independent_coupling();
  TimeSampler time = TimeSampler::logit_normal(0.4, 1.0);
  double interval_fraction = 0.25;  // the fraction of rows with r != t (the first ones of each batch are r = t)
  double weight_power = 1.0;        // p of the adaptive weight (0: plain squared error)
  double weight_eps = 1e-3;         // c of the adaptive weight
  // Conditional models:
  double label_dropout = 0.1;  // probability of the null label
  int64_t null_label = -1;
  double cfg_omega = 1.0;  // guidance scale inside the target (1: none)
  double cfg_kappa = 0.0;  // mixing scale (0: the paper's plain guided target)
};

struct MeanFlowLoss {
  Tensor loss;          // the weighted loss, for backward()
  double mse = 0;       // mean over rows of ||u - sg(u_tgt)||^2 / dims, unweighted (for logs)
  double mse_flow = 0;  // the same over the rows with r = t only (flow matching's own error)
};

// One training batch from noise x0 and data x1 (paired by options.coupling): times, the JVP
// and the weighted loss. Random numbers from gen.
MeanFlowLoss meanflow_loss(const MeanFlowModel& model, const MeanFlowOptions& options, const Tensor& x0,
                           const Tensor& x1, Generator* gen = nullptr, const Tensor& labels = {});

// Samples from noise x0 in `steps` jumps on the uniform grid 0 = s_0 < ... < s_steps = 1:
//     x_{k+1} = x_k + (s_{k+1} - s_k) u(x_k, s_k, s_{k+1})       (steps = 1 is one jump)
// Runs under no_grad. `trajectory`, when given, receives x at every grid time (steps + 1).
Tensor meanflow_sample(const MeanFlowModel& model, const Tensor& x0, int64_t steps, const Tensor& labels = {},
                       std::vector<Tensor>* trajectory = nullptr);

}  // namespace rill::flowmatch
