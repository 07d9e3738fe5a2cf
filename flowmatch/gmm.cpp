#include "flowmatch/gmm.h"

#include <algorithm>
#include <cmath>

#include "tensor/ops.h"

namespace rill::flowmatch {

GaussianMixture::GaussianMixture(std::vector<std::vector<double>> means, std::vector<double> stds,
                                 std::vector<double> weights)
    : means_(std::move(means)), stds_(std::move(stds)), weights_(std::move(weights)) {
  const size_t K = means_.size();
  RILL_CHECK(K > 0 && stds_.size() == K, "GaussianMixture: {} means but {} standard deviations", K, stds_.size());
  if (weights_.empty()) weights_.assign(K, 1.0);
  RILL_CHECK(weights_.size() == K, "GaussianMixture: {} means but {} weights", K, weights_.size());
  double total = 0;
  for (double w : weights_) total += w;
  for (double& w : weights_) w /= total;
  for (const auto& m : means_)
    RILL_CHECK(m.size() == means_[0].size(), "GaussianMixture: means of different dimensions");
}

Tensor GaussianMixture::sample(int64_t n, Generator* gen, DType dtype) const {
  // Component by inverse CDF of a uniform, then mean + std * normal.
  const std::vector<double> u = rand({n}, DType::Float64, gen).to_vector<double>();
  const std::vector<double> z = randn({n, dim()}, DType::Float64, gen).to_vector<double>();
  std::vector<double> out(static_cast<size_t>(n * dim()));
  for (int64_t i = 0; i < n; ++i) {
    size_t k = 0;
    for (double c = weights_[0]; k + 1 < weights_.size() && u[i] >= c; c += weights_[++k]) {
    }
    for (int64_t j = 0; j < dim(); ++j) out[i * dim() + j] = means_[k][j] + stds_[k] * z[i * dim() + j];
  }
  return ops::to(tensor(out, {n, dim()}), dtype);
}

std::vector<std::vector<double>> GaussianMixture::posterior(const AffineSchedule& s, double t,
                                                            const std::vector<double>& x, int64_t n) const {
  const double a = s.alpha(t), sg = s.sigma(t), d = static_cast<double>(dim());
  const size_t K = means_.size();
  std::vector<std::vector<double>> r(n, std::vector<double>(K));
  for (int64_t i = 0; i < n; ++i) {
    double mx = -INFINITY;
    for (size_t k = 0; k < K; ++k) {
      const double v = a * a * stds_[k] * stds_[k] + sg * sg;
      double d2 = 0;
      for (int64_t j = 0; j < dim(); ++j) d2 += std::pow(x[i * dim() + j] - a * means_[k][j], 2);
      r[i][k] = std::log(weights_[k]) - 0.5 * d * std::log(2 * M_PI * v) - d2 / (2 * v);  // log w_k N(x; a m_k, v I)
      mx = std::max(mx, r[i][k]);
    }
    double z = 0;
    for (double& lr : r[i]) z += (lr = std::exp(lr - mx));
    for (double& lr : r[i]) lr /= z;
  }
  return r;
}

Tensor GaussianMixture::log_prob(const Tensor& x) const {
  const int64_t n = x.size(0);
  const std::vector<double> xv = x.to_vector<double>();
  std::vector<double> out(n);
  for (int64_t i = 0; i < n; ++i) {
    double mx = -INFINITY;
    std::vector<double> terms(means_.size());
    for (size_t k = 0; k < means_.size(); ++k) {
      const double v = stds_[k] * stds_[k];
      double d2 = 0;
      for (int64_t j = 0; j < dim(); ++j) d2 += std::pow(xv[i * dim() + j] - means_[k][j], 2);
      terms[k] = std::log(weights_[k]) - 0.5 * static_cast<double>(dim()) * std::log(2 * M_PI * v) - d2 / (2 * v);
      mx = std::max(mx, terms[k]);
    }
    double z = 0;
    for (double lt : terms) z += std::exp(lt - mx);
    out[i] = mx + std::log(z);
  }
  return tensor(out, {n});
}

Tensor GaussianMixture::marginal_velocity(const AffineSchedule& s, double t, const Tensor& x) const {
  const int64_t n = x.size(0);
  const std::vector<double> xv = x.to_vector<double>();
  const auto r = posterior(s, t, xv, n);
  const double a = s.alpha(t), sg = s.sigma(t), da = s.d_alpha(t), ds = s.d_sigma(t);
  std::vector<double> out(xv.size(), 0.0);
  for (int64_t i = 0; i < n; ++i)
    for (size_t k = 0; k < means_.size(); ++k) {
      const double v = a * a * stds_[k] * stds_[k] + sg * sg;
      for (int64_t j = 0; j < dim(); ++j) {
        const double centred = xv[i * dim() + j] - a * means_[k][j];
        const double e_x1 = means_[k][j] + a * stds_[k] * stds_[k] / v * centred;
        const double e_x0 = sg / v * centred;
        out[i * dim() + j] += r[i][k] * (da * e_x1 + ds * e_x0);
      }
    }
  return ops::to(ops::to(tensor(out, x.shape()), x.dtype()), x.device());
}

Tensor GaussianMixture::marginal_score(const AffineSchedule& s, double t, const Tensor& x) const {
  const int64_t n = x.size(0);
  const std::vector<double> xv = x.to_vector<double>();
  const auto r = posterior(s, t, xv, n);
  const double a = s.alpha(t), sg = s.sigma(t);
  std::vector<double> out(xv.size(), 0.0);
  for (int64_t i = 0; i < n; ++i)
    for (size_t k = 0; k < means_.size(); ++k) {
      const double v = a * a * stds_[k] * stds_[k] + sg * sg;
      for (int64_t j = 0; j < dim(); ++j) out[i * dim() + j] -= r[i][k] * (xv[i * dim() + j] - a * means_[k][j]) / v;
    }
  return ops::to(ops::to(tensor(out, x.shape()), x.dtype()), x.device());
}

}  // namespace rill::flowmatch
