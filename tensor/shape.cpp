#include "tensor/shape.h"

#include <algorithm>

#include "tensor/error.h"

namespace rill {

int64_t numel(const Shape& shape) {
  int64_t n = 1;
  for (int64_t s : shape) n *= s;
  return n;
}

int64_t checked_nbytes(const Shape& shape, size_t element_size, std::string_view what) {
  int64_t n = 1, strided = 1, bytes = 0;
  bool overflow = element_size > static_cast<size_t>(INT64_MAX);
  for (int64_t s : shape) {
    RILL_CHECK(s >= 0, "{}: negative size in shape {}", what, shape_str(shape));
    overflow |= __builtin_mul_overflow(n, s, &n);
    overflow |= __builtin_mul_overflow(strided, std::max<int64_t>(s, 1), &strided);
  }
  overflow |= __builtin_mul_overflow(n, static_cast<int64_t>(element_size), &bytes);
  RILL_CHECK(!overflow, "{}: shape {} is too large ({}-byte elements): its size overflows 64 bits", what,
             shape_str(shape), element_size);
  return bytes;
}

int64_t checked_numel(const Shape& shape, std::string_view what) { return checked_nbytes(shape, 1, what); }

Strides contiguous_strides(const Shape& shape) {
  Strides strides(shape.size());
  int64_t step = 1;
  for (size_t i = shape.size(); i-- > 0;) {
    strides[i] = step;
    step *= std::max<int64_t>(shape[i], 1);
  }
  return strides;
}

std::string shape_str(const Shape& shape) { return fmt::format("[{}]", fmt::join(shape, ", ")); }

int64_t wrap_dim(const char* op, int64_t dim, int64_t ndim) {
  // A scalar accepts dim 0 and -1, as in PyTorch.
  const int64_t n = std::max<int64_t>(ndim, 1);
  RILL_CHECK(dim >= -n && dim < n, "{}: dimension {} out of range for a tensor with {} dimensions", op, dim, ndim);
  return dim < 0 ? dim + n : dim;
}

Shape broadcast_shapes(const char* op, const Shape& a, const Shape& b) {
  const size_t n = std::max(a.size(), b.size());
  Shape out(n);
  for (size_t i = 0; i < n; ++i) {
    // Walk from the right; a missing axis counts as size 1.
    const int64_t sa = i < a.size() ? a[a.size() - 1 - i] : 1;
    const int64_t sb = i < b.size() ? b[b.size() - 1 - i] : 1;
    RILL_CHECK(sa == sb || sa == 1 || sb == 1,
               "{}: shapes {} and {} cannot be broadcast (size {} vs {} at dimension {} from the right)", op,
               shape_str(a), shape_str(b), sa, sb, i);
    out[n - 1 - i] = sa == 1 ? sb : sa;
  }
  return out;
}

}  // namespace rill
