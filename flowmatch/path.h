// rill flowmatch — conditional probability paths.
//
// A path says how a pair (x0 from the source, x1 from the data) is joined over t in [0, 1]:
//     x_t = mu_t(x0, x1) + sigma_t eps,   eps ~ N(0, I)
// and gives the conditional velocity u_t(x_t | x0, x1) = d x_t / dt that the network
// regresses on. Conditional flow matching (Lipman et al. 2023, Thm. 2; Tong et al. 2024,
// Thm. 3.1) shows that minimising E || v(t, x_t) - u_t ||^2 over pairs also minimises the
// distance to the *marginal* velocity field, which transports the source to the data.
//
// Times t are [B]; they broadcast over the data axes of x0, x1 [B, ...].
#pragma once

#include <memory>
#include <string>

#include "flowmatch/schedule.h"
#include "tensor/random.h"
#include "tensor/tensor.h"

namespace rill::flowmatch {

// One training example per row: where the pair is at time t, and where it is going.
struct PathSample {
  Tensor t;   // [B]
  Tensor xt;  // [B, ...]
  Tensor ut;  // [B, ...] conditional velocity at (t, x_t)
};

class ProbabilityPath {
 public:
  virtual ~ProbabilityPath() = default;
  virtual std::string name() const = 0;
  // mu_t(x0, x1) and sigma_t (sigma_t as [B, 1, ...] or a 0-d tensor).
  virtual Tensor mean(const Tensor& t, const Tensor& x0, const Tensor& x1) const = 0;
  virtual Tensor stddev(const Tensor& t, const Tensor& like) const = 0;
  // u_t(x_t | x0, x1), written (as the papers do) as a function of the point x_t.
  virtual Tensor velocity(const Tensor& t, const Tensor& x0, const Tensor& x1, const Tensor& xt) const = 0;
  // The affine schedule when this path is one (x_t = alpha x1 + sigma x0, no extra noise), else null.
  virtual const AffineSchedule* schedule() const { return nullptr; }

  // x_t = mean + sigma eps with fresh eps from gen, and u_t there.
  PathSample sample(const Tensor& t, const Tensor& x0, const Tensor& x1, Generator* gen = nullptr) const;
};

// Independent CFM / rectified flow (Tong et al. 2024, eq. 14; Liu et al. 2023):
//   mu_t = t x1 + (1 - t) x0,  sigma_t = sigma,  u_t = x1 - x0.
// With minibatch-OT pairs this is OT-CFM (Tong et al., sec. 3.2).
std::shared_ptr<ProbabilityPath> independent_path(double sigma = 0.0);

// Lipman et al. (2023), eq. 20-21 ("FM-OT"), with x0 the Gaussian source sample:
//   x_t = t x1 + (1 - (1 - s) t) x0,   u_t = (x1 - (1 - s) x_t) / (1 - (1 - s) t),  s = sigma_min.
std::shared_ptr<ProbabilityPath> target_path(double sigma_min = 1e-4);

// Schrodinger-bridge CFM (Tong et al. 2024, eq. 18-19), used with entropic OT pairs:
//   mu_t = t x1 + (1 - t) x0,  sigma_t = sigma sqrt(t (1 - t)),
//   u_t = (1 - 2t) / (2 t (1 - t)) (x_t - mu_t) + x1 - x0.
std::shared_ptr<ProbabilityPath> schrodinger_bridge_path(double sigma = 1.0);

// Affine Gaussian path x_t = alpha_t x1 + sigma_t x0, u_t = alpha'_t x1 + sigma'_t x0
// (schedule.h). With the cosine schedule this is the variance-preserving, trigonometric
// path mu_t = cos(pi t/2) x0 + sin(pi t/2) x1, u_t = pi/2 (cos(pi t/2) x1 - sin(pi t/2) x0)
// (Albergo & Vanden-Eijnden 2023).
std::shared_ptr<ProbabilityPath> affine_path(std::shared_ptr<AffineSchedule> schedule);

// By the names the examples use: "independent" and "ot" (both independent_path(sigma)),
// "target", "sb", "vp" (affine cosine), "vpsde" (affine VP-SDE schedule), "linear".
std::shared_ptr<ProbabilityPath> make_path(const std::string& name, double sigma = 0.0);

// t [B] reshaped to [B, 1, ...] to broadcast against x.
Tensor broadcast_time(const Tensor& t, const Tensor& x);

}  // namespace rill::flowmatch
