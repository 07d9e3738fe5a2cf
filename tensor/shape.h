// rill — shapes, strides and the arithmetic on them.
//
// A shape is a list of sizes, outermost first; strides count *elements* (not bytes)
// to step along each axis. A contiguous (row-major) tensor of shape [2, 3, 4] has
// strides [12, 4, 1]. Broadcasting follows NumPy: align shapes on the right; each
// pair of sizes must be equal or one of them 1.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace rill {

using Shape = std::vector<int64_t>;
using Strides = std::vector<int64_t>;

// Product of the sizes (1 for a scalar, shape []).
int64_t numel(const Shape& shape);
// The same for sizes read from a file: throws (naming `what`) on a negative size or on
// a product that overflows 2^62, instead of wrapping around.
int64_t checked_numel(const Shape& shape, const std::string& what);

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
