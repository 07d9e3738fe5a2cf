#include "flowmatch/metrics.h"

#include <cmath>

#include "flowmatch/assignment.h"
#include "flowmatch/coupling.h"
#include "tensor/ops.h"

namespace rill::flowmatch {

double wasserstein2(const Tensor& a, const Tensor& b) {
  RILL_CHECK(a.shape() == b.shape(), "wasserstein2: point clouds of shape {} and {} differ (equal sizes needed)",
             shape_str(a.shape()), shape_str(b.shape()));
  const int64_t n = a.size(0);
  const std::vector<double> cost = squared_distances(a, b);
  const std::vector<int64_t> assign = linear_sum_assignment(cost, n);
  double total = 0;
  for (int64_t i = 0; i < n; ++i) total += cost[i * n + assign[i]];
  return std::sqrt(total / static_cast<double>(n));
}

namespace {
W2Spread spread_of(const std::vector<double>& w) {
  W2Spread out;
  out.sets = static_cast<int64_t>(w.size());
  for (const double x : w) out.mean += x;
  out.mean /= static_cast<double>(w.size());
  if (w.size() > 1) {
    double square = 0;
    for (const double x : w) square += (x - out.mean) * (x - out.mean);
    out.sd = std::sqrt(square / static_cast<double>(w.size() - 1));
  }
  return out;
}
}  // namespace

W2Spread wasserstein2_over(const Tensor& samples, const std::vector<Tensor>& data) {
  RILL_CHECK(!data.empty(), "wasserstein2_over: no data sets");
  std::vector<double> w;
  for (const Tensor& d : data) w.push_back(wasserstein2(samples, d));
  return spread_of(w);
}

W2Spread two_sample_floor(const std::vector<Tensor>& a, const std::vector<Tensor>& b) {
  RILL_CHECK(!a.empty() && a.size() == b.size(), "two_sample_floor: needs pairs of data sets, got {} and {}", a.size(),
             b.size());
  std::vector<double> w;
  for (size_t k = 0; k < a.size(); ++k) w.push_back(wasserstein2(a[k], b[k]));
  return spread_of(w);
}

double mmd_rbf(const Tensor& a, const Tensor& b, const std::vector<double>& bandwidths) {
  auto mean_kernel = [&](const Tensor& x, const Tensor& y) {
    const std::vector<double> d = squared_distances(x, y);
    double s = 0;
    for (double d2 : d)
      for (double h : bandwidths) s += std::exp(-d2 / (2 * h * h));
    return s / static_cast<double>(d.size());
  };
  return mean_kernel(a, a) + mean_kernel(b, b) - 2 * mean_kernel(a, b);
}

double straightness(const std::vector<Tensor>& traj) {
  RILL_CHECK(traj.size() >= 2, "straightness: need at least 2 states, got {}", traj.size());
  const int64_t K = static_cast<int64_t>(traj.size()) - 1;
  const double dt = 1.0 / static_cast<double>(K);
  auto f64 = [](const Tensor& t) { return ops::to(ops::to(t, Device::cpu()), DType::Float64); };
  const Tensor chord = ops::sub(f64(traj.back()), f64(traj.front()));  // x_K - x_0
  const int64_t B = chord.size(0);
  double total = 0;
  for (int64_t k = 0; k < K; ++k) {
    const Tensor step_velocity = ops::div(ops::sub(f64(traj[k + 1]), f64(traj[k])), dt);
    const Tensor dev = ops::sub(chord, step_velocity);
    total += dt * ops::sum(ops::mul(dev, dev)).item();
  }
  return total / static_cast<double>(B);
}

namespace {

// Mean [F] and covariance [F, F] (unbiased) of rows, in float64.
std::pair<Tensor, Tensor> moments(const Tensor& x) {
  const Tensor f = ops::reshape(ops::to(ops::to(x, Device::cpu()), DType::Float64), {x.size(0), -1});
  const Tensor mu = ops::mean(f, {0});
  const Tensor c = ops::sub(f, mu);
  return {mu, ops::div(ops::matmul(ops::transpose(c, 0, 1), c), static_cast<double>(x.size(0) - 1))};
}

// Symmetric positive semi-definite square root: V diag(sqrt(max(l, 0))) V^T.
Tensor sqrtm_psd(const Tensor& m) {
  const ops::Eigh e = ops::eigh(m);
  const Tensor roots = ops::sqrt(ops::maximum(e.values, 0.0));
  return ops::matmul(ops::mul(e.vectors, ops::unsqueeze(roots, 0)), ops::transpose(e.vectors, 0, 1));
}

double trace(const Tensor& m) {
  double t = 0;
  for (int64_t i = 0; i < m.size(0); ++i) t += m.at({i, i});
  return t;
}

}  // namespace

double frechet_distance(const Tensor& a_in, const Tensor& b_in) {
  // On the CPU whatever the features' device: the matrix square roots need eigh (LAPACK).
  const Tensor a = ops::to(a_in, Device::cpu()), b = ops::to(b_in, Device::cpu());
  RILL_CHECK(a.dim() == 2 && b.dim() == 2 && a.size(1) == b.size(1) && a.size(0) > 1 && b.size(0) > 1,
             "frechet_distance: expected features [N, F] and [M, F] with N, M > 1, got {} and {}", shape_str(a.shape()),
             shape_str(b.shape()));
  const auto [mu_a, s_a] = moments(a);
  const auto [mu_b, s_b] = moments(b);
  const Tensor diff = ops::sub(mu_a, mu_b);
  const Tensor root_a = sqrtm_psd(s_a);
  const Tensor middle = ops::matmul(ops::matmul(root_a, s_b), root_a);
  const Tensor sym = ops::div(ops::add(middle, ops::transpose(middle, 0, 1)), 2.0);  // symmetric up to rounding
  double tr_sqrt = 0;
  for (double l : ops::eigh(sym).values.to_vector<double>()) tr_sqrt += std::sqrt(std::max(l, 0.0));
  return ops::sum(ops::mul(diff, diff)).item() + trace(s_a) + trace(s_b) - 2 * tr_sqrt;
}

}  // namespace rill::flowmatch
