// rill autograd — losses and dropout, written as compositions of differentiable ops
// (their gradients follow from the ops they are made of).
#pragma once

#include "tensor/random.h"
#include "tensor/tensor.h"

namespace rill {

// mean((input - target)^2) over all elements; shapes must match.
Tensor mse_loss(const Tensor& input, const Tensor& target);
// Mean negative log-likelihood of integer class targets under softmax(logits):
//   logits: [N, C], target: [N] int64 in [0, C)  ->  -mean_n log_softmax(logits)[n, target[n]]
Tensor cross_entropy(const Tensor& logits, const Tensor& target);
// Zeroes each element with probability p and scales the rest by 1/(1-p) (inverted
// dropout, so evaluation needs no rescaling). Identity when !training or p == 0.
Tensor dropout(const Tensor& x, double p, bool training, Generator* gen = nullptr);

}  // namespace rill
