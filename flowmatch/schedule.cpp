#include "flowmatch/schedule.h"

#include <cmath>

#include "autograd/autograd.h"
#include "tensor/ops.h"

namespace rill::flowmatch {
namespace {

struct Linear final : AffineSchedule {
  std::string name() const override { return "linear"; }
  double alpha(double t) const override { return t; }
  double sigma(double t) const override { return 1 - t; }
  double d_alpha(double) const override { return 1; }
  double d_sigma(double) const override { return -1; }
};

struct Cosine final : AffineSchedule {
  std::string name() const override { return "cosine"; }
  double alpha(double t) const override { return std::sin(M_PI_2 * t); }
  double sigma(double t) const override { return std::cos(M_PI_2 * t); }
  double d_alpha(double t) const override { return M_PI_2 * std::cos(M_PI_2 * t); }
  double d_sigma(double t) const override { return -M_PI_2 * std::sin(M_PI_2 * t); }
};

struct Polynomial final : AffineSchedule {
  double n;
  explicit Polynomial(double power) : n(power) {}
  std::string name() const override { return fmt::format("poly{}", n); }
  double alpha(double t) const override { return std::pow(t, n); }
  double sigma(double t) const override { return 1 - std::pow(t, n); }
  double d_alpha(double t) const override { return n * std::pow(t, n - 1); }
  double d_sigma(double t) const override { return -n * std::pow(t, n - 1); }
};

struct VpSde final : AffineSchedule {
  double b0, b1;
  VpSde(double beta_min, double beta_max) : b0(beta_min), b1(beta_max) {}
  std::string name() const override { return "vpsde"; }
  // B(s) = integral_0^s beta(r) dr with beta(r) = b0 + (b1 - b0) r;  s = 1 - t
  double big_b(double s) const { return b0 * s + 0.5 * (b1 - b0) * s * s; }
  double alpha(double t) const override { return std::exp(-0.5 * big_b(1 - t)); }
  double sigma(double t) const override { return std::sqrt(1 - alpha(t) * alpha(t)); }
  // d alpha/dt = alpha beta(1 - t) / 2  (d/dt of -B(1-t)/2 is +beta(1-t)/2)
  double d_alpha(double t) const override { return 0.5 * alpha(t) * (b0 + (b1 - b0) * (1 - t)); }
  // sigma^2 = 1 - alpha^2  =>  sigma' = -alpha alpha' / sigma
  double d_sigma(double t) const override { return -alpha(t) * d_alpha(t) / sigma(t); }
};

}  // namespace

std::shared_ptr<AffineSchedule> linear_schedule() { return std::make_shared<Linear>(); }
std::shared_ptr<AffineSchedule> cosine_schedule() { return std::make_shared<Cosine>(); }
std::shared_ptr<AffineSchedule> polynomial_schedule(double n) {
  RILL_CHECK(n > 0, "polynomial_schedule: power must be positive, got {}", n);
  return std::make_shared<Polynomial>(n);
}
std::shared_ptr<AffineSchedule> vp_sde_schedule(double beta_min, double beta_max) {
  return std::make_shared<VpSde>(beta_min, beta_max);
}

std::shared_ptr<AffineSchedule> make_schedule(const std::string& name) {
  if (name == "linear") return linear_schedule();
  if (name == "cosine") return cosine_schedule();
  if (name == "poly") return polynomial_schedule(2.0);
  if (name == "vpsde") return vp_sde_schedule();
  throw Error(fmt::format("make_schedule: unknown schedule '{}' (expected linear, cosine, poly or vpsde)", name));
}

Prediction parse_prediction(const std::string& name) {
  if (name == "velocity") return Prediction::Velocity;
  if (name == "data") return Prediction::Data;
  if (name == "noise") return Prediction::Noise;
  if (name == "score") return Prediction::Score;
  throw Error(fmt::format("parse_prediction: unknown prediction '{}' (expected velocity, data, noise or score)", name));
}

Tensor schedule_values(const AffineSchedule& s, const Tensor& t, const Tensor& like,
                       double (AffineSchedule::*f)(double) const) {
  const std::vector<double> ts = t.to_vector<double>();
  std::vector<double> v(ts.size());
  for (size_t i = 0; i < ts.size(); ++i) v[i] = (s.*f)(ts[i]);
  Shape shape(std::max<int64_t>(like.dim(), 1), 1);
  if (ts.size() > 1) shape[0] = static_cast<int64_t>(ts.size());
  return ops::to(ops::reshape(tensor(v, {static_cast<int64_t>(v.size())}, like.device()), shape), like.dtype());
}

Tensor convert_prediction(const AffineSchedule& s, const Tensor& t, const Tensor& xt, const Tensor& pred,
                          Prediction from, Prediction to) {
  if (from == to) return pred;
  const Tensor a = schedule_values(s, t, xt, &AffineSchedule::alpha),
               b = schedule_values(s, t, xt, &AffineSchedule::sigma);
  const Tensor da = schedule_values(s, t, xt, &AffineSchedule::d_alpha),
               db = schedule_values(s, t, xt, &AffineSchedule::d_sigma);
  // Step 1: recover (x1-hat, x0-hat) from the prediction and x_t = a x1 + b x0.
  Tensor x0, x1;
  switch (from) {
    case Prediction::Velocity: {  // solve [a b; a' b'] [x1; x0] = [x_t; v]
      const Tensor det = sub(mul(a, db), mul(b, da));
      x0 = div(sub(mul(a, pred), mul(da, xt)), det);
      x1 = div(sub(mul(db, xt), mul(b, pred)), det);
      break;
    }
    case Prediction::Data:
      x1 = pred;
      x0 = div(sub(xt, mul(a, x1)), b);
      break;
    case Prediction::Noise:
      x0 = pred;
      x1 = div(sub(xt, mul(b, x0)), a);
      break;
    case Prediction::Score:  // score = -x0 / sigma
      x0 = neg(mul(pred, b));
      x1 = div(sub(xt, mul(b, x0)), a);
      break;
  }
  // Step 2: express the requested quantity.
  switch (to) {
    case Prediction::Velocity:
      return add(mul(da, x1), mul(db, x0));
    case Prediction::Data:
      return x1;
    case Prediction::Noise:
      return x0;
    case Prediction::Score:
      return neg(div(x0, b));
  }
  return Tensor();
}

}  // namespace rill::flowmatch
