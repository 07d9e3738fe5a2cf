// rill flowmatch — stochastic sampling of Gaussian paths with the learned velocity.
//
// For any diffusion coefficient g(t) >= 0, the SDE
//     dx = [ v(t, x) + g(t)^2 / 2 * score(t, x) ] dt + g(t) dW,   t: 0 -> 1
// has the same marginals p_t as the ODE dx = v dt (add the Fokker-Planck terms of the
// drift correction and of the noise: they cancel). For a Gaussian path the score is a
// function of the velocity (schedule.h: convert_prediction), so a model trained by flow
// matching can be sampled like a diffusion model (Albergo & Vanden-Eijnden 2023;
// Ma et al. 2024, SiT). g = 0 recovers the ODE.
// Integrated by Euler-Maruyama:  x += (v + g^2/2 s) h + g sqrt(h) z,  z ~ N(0, I).
#pragma once

#include <functional>

#include "flowmatch/ode.h"
#include "flowmatch/schedule.h"
#include "tensor/random.h"

namespace rill::flowmatch {

struct SdeOptions {
  int64_t steps = 100;
  // g(t); by default noise_scale * sigma_t, which vanishes at the data end (t = 1).
  std::function<double(double)> diffusion;
  double noise_scale = 1.0;
  Generator* generator = nullptr;
};

struct SdeResult {
  Tensor x;
  int64_t nfe = 0;
};

SdeResult sde_sample(const VectorField& velocity, const AffineSchedule& schedule, const Tensor& x0,
                     const SdeOptions& options = {});

}  // namespace rill::flowmatch
