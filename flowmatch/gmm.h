// rill flowmatch — an isotropic Gaussian mixture whose flow-matching quantities are known
// in closed form: the ground truth that tests and the "CFM learns the marginal field"
// demonstration compare learned fields against.
//
// Target: x1 ~ sum_k w_k N(m_k, s_k^2 I); source x0 ~ N(0, I), independent; affine path
// x_t = alpha x1 + sigma x0. Then p_t = sum_k w_k N(alpha m_k, v_k I), v_k = alpha^2 s_k^2 + sigma^2,
// and with posterior weights r_k(x) proportional to w_k N(x; alpha m_k, v_k I):
//   E[x1 | x_t = x, k] = m_k + alpha s_k^2 / v_k (x - alpha m_k)
//   E[x0 | x_t = x, k] = sigma / v_k (x - alpha m_k)
//   marginal velocity  u_t(x) = sum_k r_k (alpha' E[x1 | x, k] + sigma' E[x0 | x, k])
//   score              grad log p_t(x) = -sum_k r_k (x - alpha m_k) / v_k
#pragma once

#include <vector>

#include "flowmatch/schedule.h"
#include "tensor/random.h"
#include "tensor/tensor.h"

namespace rill::flowmatch {

class GaussianMixture {
 public:
  // means: K points of dimension d; stds and weights: K each (weights normalised here).
  GaussianMixture(std::vector<std::vector<double>> means, std::vector<double> stds, std::vector<double> weights = {});

  int64_t dim() const { return static_cast<int64_t>(means_[0].size()); }
  Tensor sample(int64_t n, Generator* gen = nullptr, DType dtype = DType::Float32) const;  // [n, d]
  Tensor log_prob(const Tensor& x) const;                                                  // [n] (float64)
  // The closed forms above at time t for points x [n, d] (results in x's dtype).
  Tensor marginal_velocity(const AffineSchedule& s, double t, const Tensor& x) const;
  Tensor marginal_score(const AffineSchedule& s, double t, const Tensor& x) const;

 private:
  // Posterior weights r_k(x) [n][K] and the per-component centre alpha m_k and variance v_k.
  std::vector<std::vector<double>> posterior(const AffineSchedule& s, double t, const std::vector<double>& x,
                                             int64_t n) const;
  std::vector<std::vector<double>> means_;
  std::vector<double> stds_, weights_;
};

}  // namespace rill::flowmatch
