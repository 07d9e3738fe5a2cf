#include "flowmatch/path.h"

#include <algorithm>
#include <cmath>

#include "autograd/autograd.h"
#include "tensor/ops.h"

namespace rill::flowmatch {

Tensor broadcast_time(const Tensor& t, const Tensor& x) {
  Shape shape(std::max<int64_t>(x.dim(), 1), 1);
  shape[0] = t.numel();
  return ops::to(ops::reshape(t, shape), x.dtype());
}

PathSample ProbabilityPath::sample(const Tensor& t, const Tensor& x0, const Tensor& x1, Generator* gen) const {
  RILL_CHECK(x0.shape() == x1.shape(), "{} path: source shape {} differs from data shape {}", name(),
             shape_str(x0.shape()), shape_str(x1.shape()));
  RILL_CHECK(t.dim() == 1 && t.size(0) == x0.size(0), "{} path: expected times [{}], got shape {}", name(), x0.size(0),
             shape_str(t.shape()));
  Tensor xt = mean(t, x0, x1);
  const Tensor s = stddev(t, x0);
  if (ops::max(ops::abs(s)).item() > 0) xt = ops::add(xt, ops::mul(s, randn(x0.shape(), x0.options(), gen)));
  return {t, xt, velocity(t, x0, x1, xt)};
}

namespace {

// mu_t = t x1 + (1 - t) x0
Tensor straight_line(const Tensor& t, const Tensor& x0, const Tensor& x1) {
  const Tensor tb = broadcast_time(t, x0);
  return ops::add(ops::mul(tb, x1), ops::mul(ops::sub(ones_like(tb), tb), x0));
}

class IndependentPath final : public ProbabilityPath {
 public:
  explicit IndependentPath(double sigma) : sigma_(sigma) {}
  std::string name() const override { return "independent"; }
  Tensor mean(const Tensor& t, const Tensor& x0, const Tensor& x1) const override { return straight_line(t, x0, x1); }
  Tensor stddev(const Tensor&, const Tensor& like) const override { return full({}, sigma_, like.options()); }
  Tensor velocity(const Tensor&, const Tensor& x0, const Tensor& x1, const Tensor&) const override {
    return ops::sub(x1, x0);  // u_t = x1 - x0
  }

 private:
  double sigma_;
};

class TargetPath final : public ProbabilityPath {
 public:
  explicit TargetPath(double sigma_min) : s_(sigma_min) {}
  std::string name() const override { return "target"; }
  // x_t = t x1 + (1 - (1 - s) t) x0
  Tensor mean(const Tensor& t, const Tensor& x0, const Tensor& x1) const override {
    const Tensor tb = broadcast_time(t, x0);
    return ops::add(ops::mul(tb, x1), ops::mul(ops::sub(ones_like(tb), ops::mul(tb, 1 - s_)), x0));
  }
  Tensor stddev(const Tensor&, const Tensor& like) const override { return zeros({}, like.options()); }
  // u_t = (x1 - (1 - s) x_t) / (1 - (1 - s) t)
  Tensor velocity(const Tensor& t, const Tensor&, const Tensor& x1, const Tensor& xt) const override {
    const Tensor tb = broadcast_time(t, xt);
    return ops::div(ops::sub(x1, ops::mul(xt, 1 - s_)), ops::sub(ones_like(tb), ops::mul(tb, 1 - s_)));
  }

 private:
  double s_;
};

class SchrodingerBridgePath final : public ProbabilityPath {
 public:
  explicit SchrodingerBridgePath(double sigma) : sigma_(sigma) {}
  std::string name() const override { return "sb"; }
  Tensor mean(const Tensor& t, const Tensor& x0, const Tensor& x1) const override { return straight_line(t, x0, x1); }
  // sigma_t = sigma sqrt(t (1 - t))
  Tensor stddev(const Tensor& t, const Tensor& like) const override {
    const Tensor tb = broadcast_time(t, like);
    return ops::mul(ops::sqrt(ops::mul(tb, ops::sub(ones_like(tb), tb))), sigma_);
  }
  // u_t = (1 - 2t) / (2 t (1 - t)) (x_t - mu_t) + x1 - x0; t is kept 1e-5 away from the
  // endpoints, where the first factor is singular (x_t - mu_t vanishes there like sqrt(t(1-t))).
  Tensor velocity(const Tensor& t, const Tensor& x0, const Tensor& x1, const Tensor& xt) const override {
    const Tensor tb = ops::clamp(broadcast_time(t, xt), 1e-5, 1 - 1e-5);
    const Tensor one = ones_like(tb);
    const Tensor factor = ops::div(ops::sub(one, ops::mul(tb, 2.0)), ops::mul(ops::mul(tb, ops::sub(one, tb)), 2.0));
    return ops::add(ops::mul(factor, ops::sub(xt, mean(t, x0, x1))), ops::sub(x1, x0));
  }

 private:
  double sigma_;
};

class AffinePath final : public ProbabilityPath {
 public:
  explicit AffinePath(std::shared_ptr<AffineSchedule> s) : s_(std::move(s)) {}
  std::string name() const override { return "affine-" + s_->name(); }
  const AffineSchedule* schedule() const override { return s_.get(); }
  // x_t = alpha x1 + sigma x0
  Tensor mean(const Tensor& t, const Tensor& x0, const Tensor& x1) const override {
    return ops::add(ops::mul(schedule_values(*s_, t, x0, &AffineSchedule::alpha), x1),
                    ops::mul(schedule_values(*s_, t, x0, &AffineSchedule::sigma), x0));
  }
  Tensor stddev(const Tensor&, const Tensor& like) const override { return zeros({}, like.options()); }
  // u_t = alpha' x1 + sigma' x0
  Tensor velocity(const Tensor& t, const Tensor& x0, const Tensor& x1, const Tensor&) const override {
    return ops::add(ops::mul(schedule_values(*s_, t, x0, &AffineSchedule::d_alpha), x1),
                    ops::mul(schedule_values(*s_, t, x0, &AffineSchedule::d_sigma), x0));
  }

 private:
  std::shared_ptr<AffineSchedule> s_;
};

}  // namespace

std::shared_ptr<ProbabilityPath> independent_path(double sigma) { return std::make_shared<IndependentPath>(sigma); }
std::shared_ptr<ProbabilityPath> target_path(double sigma_min) { return std::make_shared<TargetPath>(sigma_min); }
std::shared_ptr<ProbabilityPath> schrodinger_bridge_path(double sigma) {
  return std::make_shared<SchrodingerBridgePath>(sigma);
}
std::shared_ptr<ProbabilityPath> affine_path(std::shared_ptr<AffineSchedule> s) {
  return std::make_shared<AffinePath>(std::move(s));
}

std::shared_ptr<ProbabilityPath> make_path(const std::string& name, double sigma) {
  if (name == "independent" || name == "ot") return independent_path(sigma);
  if (name == "target") return target_path(sigma > 0 ? sigma : 1e-4);
  if (name == "sb") return schrodinger_bridge_path(sigma > 0 ? sigma : 1.0);
  if (name == "vp") return affine_path(cosine_schedule());
  if (name == "vpsde") return affine_path(vp_sde_schedule());
  if (name == "linear") return affine_path(linear_schedule());
  throw Error(
      fmt::format("make_path: unknown path '{}' (expected independent, ot, target, sb, vp, vpsde or linear)", name));
}

}  // namespace rill::flowmatch
