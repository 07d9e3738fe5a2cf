// rill — fused optimizer updates: one pass over a parameter instead of a dozen ops.
//
// nn/optim.cpp (Adam, AdamW) and nn/ema.cpp call these for every parameter each step.
// Written as tensor ops, one Adam update is eleven kernels and as many temporaries; a
// GPU spends more time launching them than computing. So the update is one backend
// method. Its default implementation (tensor/backend.cpp) is that composition of ops,
// and it is the specification: a fused kernel (cuda/optim.cu) performs the same float
// operations in the same order, each rounded once (no fused multiply-add), and so
// produces the same bits.
#pragma once

#include "tensor/tensor.h"

namespace rill {

// The scalars of one Adam step, as nn/optim.cpp derives them (double; each is rounded
// to the parameter's dtype, as a scalar operand of a tensor op is):
struct AdamCoefficients {
  double beta1 = 0.9, beta2 = 0.999;
  double one_minus_beta1 = 0.1, one_minus_beta2 = 0.001;
  double eps = 1e-8;
  double step_size = 1e-3;   // lr / (1 - beta1^t)
  double sqrt_bias2 = 1;     // sqrt(1 - beta2^t)
  double decay = 1;          // AdamW's decoupled decay p *= 1 - lr wd (1: none)
  double l2 = 0;             // Adam's L2 weight decay g += wd p (0: none)
};

namespace ops {

// One Adam/AdamW update of `param` in place, with its moment buffers (same shape, float
// dtype and device; param, exp_avg, exp_avg_sq contiguous):
//   g = grad + l2 param;   value = decay param
//   exp_avg    = beta1 exp_avg    + (1 - beta1) g
//   exp_avg_sq = beta2 exp_avg_sq + (1 - beta2) g^2
//   param      = value - step_size exp_avg / (sqrt(exp_avg_sq) / sqrt_bias2 + eps)
void adam_update(const Tensor& param, const Tensor& grad, const Tensor& exp_avg, const Tensor& exp_avg_sq,
                 const AdamCoefficients& c);

// average = decay average + (1 - decay) value, in place (same shape, dtype, device; average contiguous).
void ema_update(const Tensor& average, const Tensor& value, double decay);

}  // namespace ops
}  // namespace rill
