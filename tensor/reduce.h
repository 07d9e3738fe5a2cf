// rill — reductions and softmax (raw: no gradients).
//
// `axes` lists the axes to reduce (negative counts from the end); an empty list
// reduces over all axes. keepdim=true keeps reduced axes with size 1, so the
// result broadcasts against the input:  x - mean(x, {1}, true).
#pragma once

#include <vector>

#include "tensor/tensor.h"

namespace rill::ops {

using Axes = std::vector<int64_t>;

Tensor sum(const Tensor& x, const Axes& axes = {}, bool keepdim = false);
Tensor mean(const Tensor& x, const Axes& axes = {}, bool keepdim = false);
Tensor max(const Tensor& x, const Axes& axes = {}, bool keepdim = false);
Tensor min(const Tensor& x, const Axes& axes = {}, bool keepdim = false);
// var = sum (x - mean)^2 / (K - correction); correction 1 is the unbiased estimate
// (PyTorch's default), 0 the population variance.
Tensor var(const Tensor& x, const Axes& axes = {}, int64_t correction = 1, bool keepdim = false);
// Index (int64) of the largest element along `dim`; first one on ties.
Tensor argmax(const Tensor& x, int64_t dim, bool keepdim = false);
// Index into the flattened tensor.
Tensor argmax(const Tensor& x);

// Sums x down to `shape`, the inverse of broadcasting: leading axes x has and shape
// lacks are summed away, and so are axes where shape has size 1. (The gradient of a
// broadcast input is the broadcast gradient summed this way.)
Tensor sum_to(const Tensor& x, const Shape& shape);

// softmax(x)_i = exp(x_i) / sum_j exp(x_j) along `dim`.
Tensor softmax(const Tensor& x, int64_t dim);
// log_softmax(x)_i = x_i - logsumexp(x).
Tensor log_softmax(const Tensor& x, int64_t dim);
// logsumexp(x) = log sum_j exp(x_j) = m + log sum_j exp(x_j - m), m = max_j x_j.
Tensor logsumexp(const Tensor& x, int64_t dim, bool keepdim = false);

}  // namespace rill::ops
