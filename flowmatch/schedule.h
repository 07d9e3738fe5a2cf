// rill flowmatch — schedules of affine Gaussian paths, and prediction conversions.
//
// An affine Gaussian path mixes source noise x0 ~ N(0, I) and data x1:
//     x_t = alpha_t x1 + sigma_t x0,      t in [0, 1], alpha_0 = 0, sigma_0 = 1, alpha_1 = 1
// (the VP-SDE schedule only approximately: its alpha_0 = e^-5.03 = 0.0066, and its
// sigma'_t grows like 1/sqrt(1 - t) near the data end)
//     velocity  u_t = alpha'_t x1 + sigma'_t x0
// (Lipman et al. 2023, sec. 4 and appendix; Albergo & Vanden-Eijnden's stochastic
// interpolants with I_t = alpha_t x1 + sigma_t x0.) Diffusion models are this family:
// the VP-SDE of Song et al. (2021) has alpha_t = exp(-T(1 - t)/2), sigma_t = sqrt(1 - alpha_t^2).
//
// Because x_t and u_t are both linear in (x1, x0), a network predicting any one of
//   velocity v, data x1-hat, noise x0-hat (= eps-hat), or score s = grad log p_t(x_t)
// determines the others, given x_t:
//     [x_t]   [alpha   sigma ] [x1]                  x0 = (alpha v - alpha' x_t) / det
//     [ v ] = [alpha'  sigma'] [x0],  det = alpha sigma' - sigma alpha',
//                                                     x1 = (sigma' x_t - sigma v) / det
//     score = -E[x0 | x_t] / sigma    (Tweedie's formula for the Gaussian x0)
// This is where "diffusion is a special case of flow matching" becomes code.
#pragma once

#include <memory>
#include <string>

#include "tensor/tensor.h"

namespace rill::flowmatch {

class AffineSchedule {
 public:
  virtual ~AffineSchedule() = default;
  virtual std::string name() const = 0;
  virtual double alpha(double t) const = 0;
  virtual double sigma(double t) const = 0;
  virtual double d_alpha(double t) const = 0;  // d alpha / dt
  virtual double d_sigma(double t) const = 0;
};

// alpha = t, sigma = 1 - t: the straight (rectified flow / OT) path.
std::shared_ptr<AffineSchedule> linear_schedule();
// alpha = sin(pi t / 2), sigma = cos(pi t / 2): variance preserving, trigonometric.
std::shared_ptr<AffineSchedule> cosine_schedule();
// alpha = t^n, sigma = 1 - t^n (n > 0).
std::shared_ptr<AffineSchedule> polynomial_schedule(double n);
// VP-SDE (Song et al. 2021) in flow time (t = 1 is data):
//   alpha = exp(-B(s)/2), sigma = sqrt(1 - alpha^2), s = 1 - t, B(s) = b_min s + (b_max - b_min) s^2 / 2.
std::shared_ptr<AffineSchedule> vp_sde_schedule(double beta_min = 0.1, double beta_max = 20.0);
// By name: "linear", "cosine", "poly" (n = 2), "vpsde".
std::shared_ptr<AffineSchedule> make_schedule(const std::string& name);

// What a network predicts.
enum class Prediction { Velocity, Data, Noise, Score };
Prediction parse_prediction(const std::string& name);  // "velocity", "data" (x1), "noise" (eps), "score"

// Converts a prediction at (t, x_t) into another kind. t is a scalar time or [B];
// x_t and pred are [B, ...]. All four conversions go through (x0-hat, x1-hat).
Tensor convert_prediction(const AffineSchedule& s, const Tensor& t, const Tensor& xt, const Tensor& pred,
                          Prediction from, Prediction to);

// Per-sample scalars of the schedule as tensors shaped to broadcast against x [B, ...].
Tensor schedule_values(const AffineSchedule& s, const Tensor& t, const Tensor& like,
                       double (AffineSchedule::*f)(double) const);

}  // namespace rill::flowmatch
