// rill — joining, splitting and indexing (raw: no gradients).
#pragma once

#include <vector>

#include "tensor/tensor.h"

namespace rill::ops {

// Joins tensors along an existing axis; all other sizes must agree.
Tensor cat(const std::vector<Tensor>& xs, int64_t dim);
// Joins tensors of equal shape along a new axis `dim`.
Tensor stack(const std::vector<Tensor>& xs, int64_t dim);
// stack's checks (non-empty, equal shapes); returns the new axis as a non-negative index.
int64_t check_stack(const std::vector<Tensor>& xs, int64_t dim);
// Views of consecutive pieces of `size` along dim (the last may be smaller).
std::vector<Tensor> split(const Tensor& x, int64_t size, int64_t dim);
// Views of pieces with the given sizes (they must sum to x.size(dim)).
std::vector<Tensor> split(const Tensor& x, const std::vector<int64_t>& sizes, int64_t dim);
// `chunks` near-equal views along dim (as PyTorch's chunk).
std::vector<Tensor> chunk(const Tensor& x, int64_t chunks, int64_t dim);

// out = x with axis `dim` replaced by x's entries at `index` (int64, 1-D).
Tensor index_select(const Tensor& x, int64_t dim, const Tensor& index);
// out[..., i, ...] = x[..., index[..., i, ...], ...] along dim; out has index's shape.
// index must have x's number of axes and no axis (other than dim) larger than x's.
Tensor gather(const Tensor& x, int64_t dim, const Tensor& index);
// A copy of self with out[..., index[..., i, ...], ...] += src[..., i, ...] along dim.
// (The adjoint of gather.)
Tensor scatter_add(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src);

}  // namespace rill::ops
