// rill flowmatch — how good and how straight a flow is.
#pragma once

#include <vector>

#include "tensor/tensor.h"

namespace rill::flowmatch {

// Exact 2-Wasserstein distance between two equal-size point clouds a, b [n, ...]:
//   W2 = sqrt( min over permutations sigma of (1/n) sum_i ||a_i - b_sigma(i)||^2 )
// solved with the same assignment solver as minibatch OT.
double wasserstein2(const Tensor& a, const Tensor& b);

// W2 measured against several independent data sets: one W2 from a sample of n points is a
// noisy figure (between two fresh sets of 1000 two-moons points it ranged 0.23-0.39 over
// 20 draws, mean 0.30, sd 0.05), so a comparison of a model with the data needs the mean over sets and how
// much the sets alone move it.
struct W2Spread {
  double mean = 0;  // mean over the sets
  double sd = 0;    // sample standard deviation over the sets (0 for one set)
  int64_t sets = 0;
};
// W2(samples, data[k]) over the data sets k (each the size of samples).
W2Spread wasserstein2_over(const Tensor& samples, const std::vector<Tensor>& data);
// The two-sample floor: W2(a[k], b[k]) over pairs of independent data sets, what a perfect
// sampler's samples would score against data at this size.
W2Spread two_sample_floor(const std::vector<Tensor>& a, const std::vector<Tensor>& b);

// Squared maximum mean discrepancy with a sum of RBF kernels
// k(x, y) = sum_h exp(-||x - y||^2 / (2 h^2)) (the biased V-statistic):
//   MMD^2 = mean k(a, a') + mean k(b, b') - 2 mean k(a, b)
double mmd_rbf(const Tensor& a, const Tensor& b, const std::vector<double>& bandwidths = {0.1, 0.2, 0.5, 1.0, 2.0});

// Straightness of sampled trajectories (Liu et al. 2023, eq. 6): with states x_0..x_K on a
// uniform grid over [0, 1],  S = mean over samples of  sum_k dt || (x_K - x_0) - (x_{k+1} - x_k) / dt ||^2.
// 0 exactly when every trajectory is a straight line traversed at constant speed.
double straightness(const std::vector<Tensor>& trajectory);

// Frechet distance between Gaussians fitted to two feature sets a [N, F], b [M, F]:
//   ||mu_a - mu_b||^2 + tr(S_a + S_b - 2 (S_a^1/2 S_b S_a^1/2)^1/2)
// (the FID formula), with matrix square roots by symmetric eigendecomposition (LAPACK).
double frechet_distance(const Tensor& a, const Tensor& b);

}  // namespace rill::flowmatch
