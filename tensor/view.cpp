#include "tensor/view.h"

#include <algorithm>
#include <numeric>
#include <optional>

#include "tensor/backend.h"
#include "tensor/profiler.h"

namespace rill::ops {
namespace {

// Strides that let `new_shape` view memory laid out as (old_shape, old_strides),
// or nullopt if no such strides exist. Walks the old axes from the right in
// "chunks" of axes that are contiguous with each other; each chunk must be split
// exactly by a run of new axes. (The same algorithm as PyTorch's computeStride.)
std::optional<Strides> view_strides(const Shape& old_shape, const Strides& old_strides, const Shape& new_shape) {
  if (old_shape.empty() || numel(old_shape) == 0) return contiguous_strides(new_shape);
  Strides out(new_shape.size());
  int64_t view_d = static_cast<int64_t>(new_shape.size()) - 1;
  int64_t chunk_base_stride = old_strides.back();
  int64_t tensor_numel = 1, view_numel = 1;
  for (int64_t d = static_cast<int64_t>(old_shape.size()) - 1; d >= 0; --d) {
    tensor_numel *= old_shape[d];
    // A chunk ends where the next-outer axis is not laid out right after this one.
    const bool chunk_ends = d == 0 || (old_shape[d - 1] != 1 && old_strides[d - 1] != tensor_numel * chunk_base_stride);
    if (!chunk_ends) continue;
    while (view_d >= 0 && (view_numel < tensor_numel || new_shape[view_d] == 1)) {
      out[view_d] = view_numel * chunk_base_stride;
      view_numel *= new_shape[view_d];
      --view_d;
    }
    if (view_numel != tensor_numel) return std::nullopt;
    if (d > 0) {
      chunk_base_stride = old_strides[d - 1];
      tensor_numel = view_numel = 1;
    }
  }
  if (view_d != -1) return std::nullopt;
  return out;
}

// Replaces a single -1 in `shape` by the size that keeps numel, checking the total.
Shape infer_shape(const char* op, const Tensor& x, Shape shape) {
  int64_t infer_at = -1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      RILL_CHECK(infer_at < 0, "{}: only one dimension can be -1, got {}", op, shape_str(shape));
      infer_at = static_cast<int64_t>(i);
    } else {
      RILL_CHECK(shape[i] >= 0, "{}: invalid size {} in {}", op, shape[i], shape_str(shape));
    }
  }
  if (infer_at >= 0) {
    Shape known_sizes = shape;
    known_sizes[infer_at] = 1;
    const int64_t known = checked_numel(known_sizes, op);
    RILL_CHECK(known != 0 && x.numel() % known == 0, "{}: shape {} is invalid for input of shape {} ({} elements)", op,
               shape_str(shape), shape_str(x.shape()), x.numel());
    shape[infer_at] = x.numel() / known;
  }
  RILL_CHECK(checked_numel(shape, op) == x.numel(), "{}: shape {} is invalid for input of shape {} ({} elements)", op,
             shape_str(shape), shape_str(x.shape()), x.numel());
  return shape;
}

}  // namespace

Tensor reshape(const Tensor& x, Shape shape) {
  shape = infer_shape("reshape", x, std::move(shape));
  if (auto strides = view_strides(x.shape(), x.strides(), shape))
    return Tensor::make_view(x, shape, *strides, x.offset());
  return view(clone(x), shape);
}

Tensor view(const Tensor& x, Shape shape) {
  shape = infer_shape("view", x, std::move(shape));
  auto strides = view_strides(x.shape(), x.strides(), shape);
  RILL_CHECK(strides.has_value(),
             "view: cannot view a tensor of shape {} with strides {} as {} without copying "
             "(use reshape, or contiguous first)",
             shape_str(x.shape()), shape_str(x.strides()), shape_str(shape));
  return Tensor::make_view(x, shape, *strides, x.offset());
}

Tensor permute(const Tensor& x, const std::vector<int64_t>& dims) {
  const int64_t n = x.dim();
  RILL_CHECK(static_cast<int64_t>(dims.size()) == n, "permute: got {} dims {} for a tensor with {} dimensions",
             dims.size(), shape_str(dims), n);
  Shape shape(n);
  Strides strides(n);
  std::vector<bool> seen(n, false);
  for (int64_t i = 0; i < n; ++i) {
    const int64_t d = wrap_dim("permute", dims[i], n);
    RILL_CHECK(!seen[d], "permute: dims {} repeat dimension {}", shape_str(dims), d);
    seen[d] = true;
    shape[i] = x.shape()[d];
    strides[i] = x.strides()[d];
  }
  return Tensor::make_view(x, shape, strides, x.offset());
}

std::vector<int64_t> transpose_dims(int64_t ndim, int64_t dim0, int64_t dim1) {
  std::vector<int64_t> dims(ndim);
  std::iota(dims.begin(), dims.end(), 0);
  if (ndim > 0) std::swap(dims[wrap_dim("transpose", dim0, ndim)], dims[wrap_dim("transpose", dim1, ndim)]);
  return dims;
}

Tensor transpose(const Tensor& x, int64_t dim0, int64_t dim1) {
  return permute(x, transpose_dims(x.dim(), dim0, dim1));
}

Tensor narrow(const Tensor& x, int64_t dim, int64_t start, int64_t length) {
  RILL_CHECK(x.dim() > 0, "narrow: cannot narrow a 0-dimensional tensor");
  dim = wrap_dim("narrow", dim, x.dim());
  const int64_t size = x.shape()[dim];
  if (start < 0) start += size;
  RILL_CHECK(start >= 0 && length >= 0 && start + length <= size,
             "narrow: range [{}, {}) out of bounds for dimension {} of size {} (shape {})", start, start + length, dim,
             size, shape_str(x.shape()));
  Shape shape = x.shape();
  shape[dim] = length;
  return Tensor::make_view(x, shape, x.strides(), x.offset() + start * x.strides()[dim]);
}

Tensor slice(const Tensor& x, int64_t dim, int64_t start, int64_t end, int64_t step) {
  RILL_CHECK(x.dim() > 0, "slice: cannot slice a 0-dimensional tensor");
  RILL_CHECK(step >= 1, "slice: step must be >= 1, got {}", step);
  dim = wrap_dim("slice", dim, x.dim());
  const int64_t size = x.shape()[dim];
  auto clamp_index = [size](int64_t i) {
    if (i < 0) i += size;
    return std::clamp<int64_t>(i, 0, size);
  };
  start = clamp_index(start);
  end = std::max(clamp_index(end), start);
  Shape shape = x.shape();
  Strides strides = x.strides();
  shape[dim] = (end - start + step - 1) / step;
  strides[dim] *= step;
  return Tensor::make_view(x, shape, strides, x.offset() + start * x.strides()[dim]);
}

Tensor select(const Tensor& x, int64_t dim, int64_t index) {
  RILL_CHECK(x.dim() > 0, "select: cannot select from a 0-dimensional tensor");
  dim = wrap_dim("select", dim, x.dim());
  const int64_t size = x.shape()[dim];
  RILL_CHECK(index >= -size && index < size, "select: index {} out of range for dimension {} of size {} (shape {})",
             index, dim, size, shape_str(x.shape()));
  if (index < 0) index += size;
  Shape shape = x.shape();
  Strides strides = x.strides();
  shape.erase(shape.begin() + dim);
  strides.erase(strides.begin() + dim);
  return Tensor::make_view(x, shape, strides, x.offset() + index * x.strides()[dim]);
}

Tensor expand(const Tensor& x, const Shape& shape) {
  const int64_t n = static_cast<int64_t>(shape.size()), lead = n - x.dim();
  RILL_CHECK(lead >= 0, "expand: cannot expand shape {} to fewer dimensions {}", shape_str(x.shape()),
             shape_str(shape));
  Shape out_shape(n);
  Strides out_strides(n);
  for (int64_t i = 0; i < n; ++i) {
    if (i < lead) {  // new leading axis: every index reads the same memory
      RILL_CHECK(shape[i] >= 0, "expand: size -1 not allowed for new leading dimension {} in {}", i, shape_str(shape));
      out_shape[i] = shape[i];
      out_strides[i] = 0;
      continue;
    }
    const int64_t have = x.shape()[i - lead];
    const int64_t want = shape[i] == -1 ? have : shape[i];
    RILL_CHECK(want >= 0, "expand: invalid size {} in {}", shape[i], shape_str(shape));
    RILL_CHECK(have == want || have == 1, "expand: shape {} cannot be expanded to {} (size {} vs {} at dimension {})",
               shape_str(x.shape()), shape_str(shape), have, want, i);
    out_shape[i] = want;
    out_strides[i] = (have == want) ? x.strides()[i - lead] : 0;
  }
  checked_numel(out_shape, "expand");  // numel() of the view must not overflow
  return Tensor::make_view(x, out_shape, out_strides, x.offset());
}

Tensor squeeze(const Tensor& x) {
  Shape shape;
  Strides strides;
  for (int64_t i = 0; i < x.dim(); ++i)
    if (x.shape()[i] != 1) shape.push_back(x.shape()[i]), strides.push_back(x.strides()[i]);
  return Tensor::make_view(x, shape, strides, x.offset());
}

Tensor squeeze(const Tensor& x, int64_t dim) {
  if (x.dim() == 0) return Tensor::make_view(x, x.shape(), x.strides(), x.offset());
  dim = wrap_dim("squeeze", dim, x.dim());
  if (x.shape()[dim] != 1) return Tensor::make_view(x, x.shape(), x.strides(), x.offset());  // a no-op, as in PyTorch
  Shape shape = x.shape();
  Strides strides = x.strides();
  shape.erase(shape.begin() + dim);
  strides.erase(strides.begin() + dim);
  return Tensor::make_view(x, shape, strides, x.offset());
}

Tensor unsqueeze(const Tensor& x, int64_t dim) {
  dim = wrap_dim("unsqueeze", dim, x.dim() + 1);
  Shape shape = x.shape();
  Strides strides = x.strides();
  // Any stride works for a size-1 axis; this one keeps contiguous tensors contiguous.
  const int64_t stride = dim < x.dim() ? x.shape()[dim] * x.strides()[dim] : 1;
  shape.insert(shape.begin() + dim, 1);
  strides.insert(strides.begin() + dim, stride);
  return Tensor::make_view(x, shape, strides, x.offset());
}

Tensor flatten(const Tensor& x, int64_t start_dim, int64_t end_dim) {
  if (x.dim() == 0) return reshape(x, {1});
  start_dim = wrap_dim("flatten", start_dim, x.dim());
  end_dim = wrap_dim("flatten", end_dim, x.dim());
  RILL_CHECK(start_dim <= end_dim, "flatten: start_dim {} is after end_dim {}", start_dim, end_dim);
  Shape shape(x.shape().begin(), x.shape().begin() + start_dim);
  int64_t merged = 1;
  for (int64_t i = start_dim; i <= end_dim; ++i) merged *= x.shape()[i];
  shape.push_back(merged);
  shape.insert(shape.end(), x.shape().begin() + end_dim + 1, x.shape().end());
  return reshape(x, shape);
}

Tensor contiguous(const Tensor& x) { return x.is_contiguous() ? x : clone(x); }

Tensor clone(const Tensor& x) {
  const profiler::Scope scope("clone");
  Tensor out = Tensor::empty(x.shape(), x.options());
  backend(x.device()).copy(x, out);
  return out;
}

Tensor to(const Tensor& x, DType dtype) {
  if (x.dtype() == dtype) return x;
  const profiler::Scope scope("to");
  Tensor out = Tensor::empty(x.shape(), {dtype, x.device()});
  backend(x.device()).copy(x, out);
  return out;
}

Tensor to(const Tensor& x, Device device) {
  if (x.device() == device) return x;
  const Tensor src = contiguous(x);
  Tensor out = Tensor::empty(x.shape(), {x.dtype(), device});
  const size_t nbytes = static_cast<size_t>(x.numel()) * x.element_size();
  if (src.device().is_cpu()) {
    backend(device).copy_from_host(out.raw_data(), src.raw_data(), nbytes);
  } else if (device.is_cpu()) {
    backend(src.device()).copy_to_host(out.raw_data(), src.raw_data(), nbytes);
  } else {  // device to device: through the host, simple and rare
    return to(to(src, Device::cpu()), device);
  }
  return out;
}

void copy_(const Tensor& dst, const Tensor& src) {
  RILL_CHECK(dst.shape() == src.shape(), "copy_: destination shape {} differs from source shape {}",
             shape_str(dst.shape()), shape_str(src.shape()));
  RILL_CHECK(dst.device() == src.device(), "copy_: destination on {} but source on {}", dst.device(), src.device());
  for (int64_t d = 0; d < dst.dim(); ++d)
    RILL_CHECK(dst.strides()[d] != 0 || dst.shape()[d] <= 1,
               "copy_: the destination is a broadcast view (stride 0 along dimension {}): its elements overlap", d);
  // Reading and writing the same memory in one pass could read values already overwritten.
  const bool overlap = dst.storage() == src.storage();
  const profiler::Scope scope("copy_");
  dst.bump_version();  // an in-place write: autograd's saved copies of dst are now stale (storage.h)
  backend(dst.device()).copy(overlap ? clone(src) : src, dst);
}

void fill_(const Tensor& dst, double value) {
  dst.bump_version();  // an in-place write (storage.h)
  backend(dst.device()).fill(dst, value);
}

}  // namespace rill::ops
