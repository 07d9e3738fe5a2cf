// rill — shapes, strides and the arithmetic on them.
//
// A shape is a list of sizes, outermost first; strides count *elements* (not bytes)
// to step along each axis. A contiguous (row-major) tensor of shape [2, 3, 4] has
// strides [12, 4, 1]. Broadcasting follows NumPy: align shapes on the right; each
// pair of sizes must be equal or one of them 1.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace rill {

using Shape = std::vector<int64_t>;
using Strides = std::vector<int64_t>;

// Product of the sizes (1 for a scalar, shape []). Unchecked: for shapes that already
// exist (a tensor's shape was checked by checked_nbytes when it was created).
int64_t numel(const Shape& shape);

// The one place where sizes from outside (a file header, a caller's shape) become a
// count of bytes. Returns numel(shape) * element_size, with every multiplication
// checked (__builtin_mul_overflow): throws an Error naming `what` on a negative size,
// or when the element count, the byte count or the product of the sizes with 0 counted
// as 1 (what contiguous_strides multiplies) exceeds INT64_MAX. Unchecked, a product can
// wrap: [2^61] float64 elements are 2^64 bytes, which wraps to 0, and a loader would
// then allocate nothing and copy into it. Loaders compare the result with the bytes
// actually present *before* allocating anything.
int64_t checked_nbytes(const Shape& shape, size_t element_size, std::string_view what);
// checked_nbytes(shape, 1, what): the element count, checked the same way.
int64_t checked_numel(const Shape& shape, std::string_view what);

// Row-major strides for `shape`: stride[i] = prod(shape[i+1:]).
Strides contiguous_strides(const Shape& shape);

// "[2, 3, 4]" — the form every error message uses.
std::string shape_str(const Shape& shape);

// Maps a possibly negative axis (-1 = last) into [0, ndim); throws naming `op`
// when it is out of range.
int64_t wrap_dim(const char* op, int64_t dim, int64_t ndim);

// NumPy broadcast of two shapes; throws naming `op` and both shapes if they don't.
Shape broadcast_shapes(const char* op, const Shape& a, const Shape& b);

}  // namespace rill
