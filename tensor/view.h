// rill — views: new geometry over the same storage, no copy.
//
// All of these return a Tensor sharing `x`'s storage, except where noted
// (reshape copies only when no view can express the result; contiguous copies
// only when x is not contiguous already; clone always copies).
// Raw versions (no gradients); autograd/ wraps them.
#pragma once

#include <vector>

#include "tensor/tensor.h"

namespace rill::ops {

// Reshape to `shape` (one entry may be -1, inferred). View when the strides allow
// it, otherwise a contiguous copy.
Tensor reshape(const Tensor& x, Shape shape);
// Like reshape, but throws if a view is impossible (never copies).
Tensor view(const Tensor& x, Shape shape);
// Axes reordered: out.shape[i] = x.shape[dims[i]].
Tensor permute(const Tensor& x, const std::vector<int64_t>& dims);
// Swaps two axes.
Tensor transpose(const Tensor& x, int64_t dim0, int64_t dim1);
// The permutation transpose applies: 0, 1, ..., ndim-1 with dim0 and dim1 swapped.
std::vector<int64_t> transpose_dims(int64_t ndim, int64_t dim0, int64_t dim1);
// Elements [start, start + length) along `dim`.
Tensor narrow(const Tensor& x, int64_t dim, int64_t start, int64_t length);
// Python-style x[..., start:end:step, ...] along `dim`: negative start/end count from
// the end and are clamped to the axis, as in Python; step >= 1.
Tensor slice(const Tensor& x, int64_t dim, int64_t start, int64_t end, int64_t step = 1);
// x[..., index, ...]: removes axis `dim`.
Tensor select(const Tensor& x, int64_t dim, int64_t index);
// Broadcast to `shape` (size-1 axes and new leading axes get stride 0; -1 keeps a size).
Tensor expand(const Tensor& x, const Shape& shape);
// Removes every size-1 axis / the axis `dim` if its size is 1.
Tensor squeeze(const Tensor& x);
Tensor squeeze(const Tensor& x, int64_t dim);
// Inserts a size-1 axis at `dim` (in [-(ndim+1), ndim]).
Tensor unsqueeze(const Tensor& x, int64_t dim);
// Merges axes start_dim..end_dim into one.
Tensor flatten(const Tensor& x, int64_t start_dim = 0, int64_t end_dim = -1);

// x itself if contiguous, else a contiguous copy.
Tensor contiguous(const Tensor& x);
// Always a fresh contiguous copy.
Tensor clone(const Tensor& x);
// Cast: x itself if already `dtype`, else a converted contiguous copy.
Tensor to(const Tensor& x, DType dtype);
// Move: x itself if already on `device`, else a contiguous copy there.
Tensor to(const Tensor& x, Device device);
// Copies src's values into the (possibly strided) view dst, in place; shapes must
// match exactly, dtypes may differ (converted). The one in-place write primitive.
// Like every in-place op it bumps dst's storage version (tensor/storage.h), so that
// autograd refuses a saved tensor it overwrote; a new in-place op must do the same.
void copy_(const Tensor& dst, const Tensor& src);
// Sets every element of the view dst to value (in place: bumps the version).
void fill_(const Tensor& dst, double value);

}  // namespace rill::ops
