#include "flowmatch/meanflow.h"

#include <cmath>

#include "autograd/autograd.h"
#include "tensor/ops.h"

namespace rill::flowmatch {

namespace {

// [B] -> [B, 1, ...] to broadcast a per-row time against x [B, ...].
Tensor per_row(const Tensor& t, const Tensor& x) {
  Shape s(x.shape().size(), 1);
  s[0] = x.size(0);
  return ops::reshape(t, s);
}

}  // namespace

MeanFlowLoss meanflow_loss(const MeanFlowModel& model, const MeanFlowOptions& o, const Tensor& x0_in,
                           const Tensor& x1_in, Generator* gen, const Tensor& labels_in) {
  const Pairing p = o.coupling->pair(x0_in, x1_in, gen, labels_in);
  const Tensor &x0 = p.x0, &x1 = p.x1;
  const int64_t B = x1.size(0);
  const TensorOptions topt = x1.options();

  // Times: two logit-normal draws, t the smaller, r the larger; the first rows get r = t.
  const Tensor a = o.time.sample(B, topt, gen), b = o.time.sample(B, topt, gen);
  const int64_t flow_rows = B - static_cast<int64_t>(std::llround(o.interval_fraction * static_cast<double>(B)));
  const Tensor t = ops::minimum(a, b);
  Tensor r = ops::maximum(a, b);
  if (flow_rows > 0) ops::copy_(ops::narrow(r, 0, 0, flow_rows), ops::narrow(t, 0, 0, flow_rows));

  // The straight path between the pair and its velocity.
  const Tensor tb = per_row(t, x1);
  const Tensor xt = ops::add(ops::mul(ops::sub(ones({}, topt), tb), x0), ops::mul(tb, x1));  // (1 - t) x0 + t x1
  Tensor v = ops::sub(x1, x0);

  // Labels follow their data rows, then some become the null label.
  Tensor labels, keep;
  if (labels_in.defined()) {
    labels = ops::index_select(labels_in, 0, p.i1);
    if (o.label_dropout > 0) {
      RILL_CHECK(o.null_label >= 0, "meanflow: label_dropout needs a null_label");
      const TensorOptions d{DType::Float64, x1.device()};
      const Tensor draw = rand({B}, d, gen), p_drop = full({}, o.label_dropout, d);
      labels = ops::where(ops::lt(draw, p_drop), full({}, static_cast<double>(o.null_label), {DType::Int64, x1.device()}),
                          labels);
      keep = ops::to(ops::ge(draw, p_drop), x1.dtype());  // 1 where the row kept its class
    }
    // Guidance inside the target (with the mixing scale kappa): the network's own
    // instantaneous velocities u(x_t, t, t | .), without gradient.
    if (o.cfg_omega != 1.0 || o.cfg_kappa != 0.0) {
      RILL_CHECK(o.null_label >= 0, "meanflow: guidance needs a null_label");
      no_grad guard;
      const Tensor null = full({B}, static_cast<double>(o.null_label), {DType::Int64, x1.device()});
      const Tensor v_uncond = model(t, t, xt, null);
      Tensor guided = ops::add(ops::mul(v, o.cfg_omega), ops::mul(v_uncond, 1.0 - o.cfg_omega - o.cfg_kappa));
      if (o.cfg_kappa != 0.0) guided = ops::add(guided, ops::mul(model(t, t, xt, labels), o.cfg_kappa));
      // Rows whose label was dropped learn the unconditional field: their target stays v.
      if (keep.defined()) guided = ops::add(v, ops::mul(per_row(keep, x1), ops::sub(guided, v)));
      v = guided;
    }
  }

  // One pass: u (with its graph, for the parameters' gradient) and d/dt u along (v, 1, 0).
  const autograd::JvpResult j = autograd::jvp(
      [&](const std::vector<Tensor>& in) { return std::vector<Tensor>{model(in[0], in[1], in[2], labels)}; },
      {t, r, xt}, {ones({B}, topt), zeros({B}, topt), v});
  const Tensor& u = j.outputs[0];
  // u_tgt = v - (t - r) d/dt u, a constant (the tangent carries no graph: stop-gradient).
  const Tensor target = ops::sub(v, ops::mul(per_row(ops::sub(t, r), x1), j.tangents[0]));

  // Adaptive weight w = 1 / (||Delta||^2 + c)^p per row, itself not differentiated.
  const Tensor delta = sub(u, target);
  ops::Axes rest;
  for (int64_t d = 1; d < x1.dim(); ++d) rest.push_back(d);
  const Tensor sq = sum(square(delta), rest);  // [B]
  const Tensor w = ops::pow(ops::add(detach(sq), o.weight_eps), -o.weight_power);
  MeanFlowLoss out;
  out.loss = mean(mul(sq, w));
  const double dims = static_cast<double>(x1.numel() / std::max<int64_t>(B, 1));
  out.mse = ops::mean(detach(sq)).item() / dims;
  if (flow_rows > 0) out.mse_flow = ops::mean(ops::narrow(detach(sq), 0, 0, flow_rows)).item() / dims;
  return out;
}

Tensor meanflow_sample(const MeanFlowModel& model, const Tensor& x0, int64_t steps, const Tensor& labels,
                       std::vector<Tensor>* trajectory) {
  RILL_CHECK(steps >= 1, "meanflow_sample: steps must be >= 1, got {}", steps);
  no_grad guard;
  const int64_t B = x0.size(0);
  Tensor x = x0;
  if (trajectory) trajectory->assign(1, x0);
  for (int64_t k = 0; k < steps; ++k) {
    const double s = static_cast<double>(k) / static_cast<double>(steps);
    const double e = static_cast<double>(k + 1) / static_cast<double>(steps);
    const Tensor u = model(full({B}, s, x0.options()), full({B}, e, x0.options()), x, labels);
    x = ops::add(x, ops::mul(u, e - s));
    if (trajectory) trajectory->push_back(x);
  }
  return x;
}

}  // namespace rill::flowmatch
