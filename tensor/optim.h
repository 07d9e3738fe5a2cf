// rill — fused optimizer updates (raw ops, in place).
//
// An optimizer written with elementwise ops makes a dozen passes over every parameter
// per step, each allocating a temporary; for a small network that is a third of the
// training step. adam_step_ is the same arithmetic in one pass:
//
//   g  = grad + weight_decay * param          (Adam: L2 penalty through the gradient)
//   p  = param * (1 - lr * weight_decay)      (AdamW: decoupled decay; else p = param)
//   m  = beta1 m + (1 - beta1) g
//   v  = beta2 v + (1 - beta2) g^2
//   param = p - lr / bias1 * m / (sqrt(v) / sqrt(bias2) + eps)
// with bias1 = 1 - beta1^t, bias2 = 1 - beta2^t for the parameter's step t.
#pragma once

#include "tensor/backend.h"
#include "tensor/tensor.h"

namespace rill::ops {

// param, exp_avg (m), exp_avg_sq (v): contiguous, updated in place; grad: any layout.
// All four: the same shape, floating dtype and device.
void adam_step_(const Tensor& param, const Tensor& grad, const Tensor& exp_avg, const Tensor& exp_avg_sq,
                const AdamStep& step);

// The exponential moving average of a parameter (nn::EMA), in place, in one pass:
//   average = decay average + (1 - decay) value
// average: contiguous; value: any layout; the same shape, floating dtype and device.
void ema_update_(const Tensor& average, const Tensor& value, double decay);

}  // namespace rill::ops
