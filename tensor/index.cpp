#include "tensor/index.h"

#include "tensor/backend.h"
#include "tensor/profiler.h"
#include "tensor/reduce.h"
#include "tensor/view.h"

namespace rill::ops {

Tensor cat(const std::vector<Tensor>& xs, int64_t dim) {
  RILL_CHECK(!xs.empty(), "cat: expected at least one tensor");
  const Tensor& first = xs[0];
  RILL_CHECK(first.dim() > 0, "cat: cannot concatenate 0-dimensional tensors");
  dim = wrap_dim("cat", dim, first.dim());
  Shape shape = first.shape();
  shape[dim] = 0;
  for (size_t i = 0; i < xs.size(); ++i) {
    const Tensor& x = xs[i];
    RILL_CHECK(x.dtype() == first.dtype() && x.device() == first.device(),
               "cat: tensor {} is {} on {}, tensor 0 is {} on {}", i, x.dtype(), x.device(), first.dtype(),
               first.device());
    bool same = x.dim() == first.dim();
    for (int64_t d = 0; same && d < x.dim(); ++d) same = d == dim || x.shape()[d] == first.shape()[d];
    RILL_CHECK(same,
               "cat: tensor {} has shape {}, incompatible with tensor 0's {} (all sizes but dimension {} must match)",
               i, shape_str(x.shape()), shape_str(first.shape()), dim);
    shape[dim] += x.shape()[dim];
  }
  // Allocate the result once and copy each input into its slice.
  Tensor out = Tensor::empty(shape, first.options());
  int64_t at = 0;
  for (const Tensor& x : xs) {
    copy_(narrow(out, dim, at, x.shape()[dim]), x);
    at += x.shape()[dim];
  }
  return out;
}

int64_t check_stack(const std::vector<Tensor>& xs, int64_t dim) {
  RILL_CHECK(!xs.empty(), "stack: expected at least one tensor");
  for (size_t i = 0; i < xs.size(); ++i)
    RILL_CHECK(xs[i].shape() == xs[0].shape(), "stack: tensor {} has shape {}, tensor 0 has {} (all must match)", i,
               shape_str(xs[i].shape()), shape_str(xs[0].shape()));
  return wrap_dim("stack", dim, xs[0].dim() + 1);
}

Tensor stack(const std::vector<Tensor>& xs, int64_t dim) {
  dim = check_stack(xs, dim);
  std::vector<Tensor> expanded;
  for (const Tensor& x : xs) expanded.push_back(unsqueeze(x, dim));
  return cat(expanded, dim);
}

std::vector<Tensor> split(const Tensor& x, int64_t size, int64_t dim) {
  RILL_CHECK(x.dim() > 0, "split: cannot split a 0-dimensional tensor");
  RILL_CHECK(size > 0, "split: piece size must be positive, got {}", size);
  dim = wrap_dim("split", dim, x.dim());
  std::vector<int64_t> sizes;
  for (int64_t at = 0; at < x.shape()[dim]; at += size) sizes.push_back(std::min(size, x.shape()[dim] - at));
  return split(x, sizes, dim);
}

std::vector<Tensor> split(const Tensor& x, const std::vector<int64_t>& sizes, int64_t dim) {
  RILL_CHECK(x.dim() > 0, "split: cannot split a 0-dimensional tensor");
  dim = wrap_dim("split", dim, x.dim());
  int64_t total = 0;
  for (int64_t s : sizes) total += s;
  RILL_CHECK(total == x.shape()[dim], "split: sizes [{}] sum to {}, but dimension {} has size {}",
             fmt::join(sizes, ", "), total, dim, x.shape()[dim]);
  std::vector<Tensor> pieces;
  int64_t at = 0;
  for (int64_t s : sizes) {
    pieces.push_back(narrow(x, dim, at, s));
    at += s;
  }
  return pieces;
}

std::vector<Tensor> chunk(const Tensor& x, int64_t chunks, int64_t dim) {
  RILL_CHECK(chunks > 0, "chunk: number of chunks must be positive, got {}", chunks);
  RILL_CHECK(x.dim() > 0, "chunk: cannot split a 0-dimensional tensor");
  dim = wrap_dim("chunk", dim, x.dim());
  const int64_t size = (x.shape()[dim] + chunks - 1) / chunks;
  return split(x, std::max<int64_t>(size, 1), dim);
}

namespace {

// Index values must lie in [0, size): checked with two reductions (works on any device).
void check_index(const char* op, const Tensor& index, int64_t size, int64_t dim) {
  RILL_CHECK(index.dtype() == DType::Int64, "{}: index must be int64, got {}", op, index.dtype());
  if (index.numel() == 0) return;
  const int64_t lo = static_cast<int64_t>(min(index).item()), hi = static_cast<int64_t>(max(index).item());
  RILL_CHECK(lo >= 0 && hi < size, "{}: index values span [{}, {}], out of range for dimension {} of size {}", op, lo,
             hi, dim, size);
}

}  // namespace

Tensor index_select(const Tensor& x, int64_t dim, const Tensor& index) {
  RILL_CHECK(index.dim() == 1, "index_select: index must be 1-D, got shape {}", shape_str(index.shape()));
  RILL_CHECK(index.device() == x.device(), "index_select: x on {} but index on {}", x.device(), index.device());
  RILL_CHECK(x.dim() > 0, "index_select: cannot index a 0-dimensional tensor");
  dim = wrap_dim("index_select", dim, x.dim());
  check_index("index_select", index, x.shape()[dim], dim);
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < dim; ++d) outer *= x.shape()[d];
  for (int64_t d = dim + 1; d < x.dim(); ++d) inner *= x.shape()[d];
  Shape shape = x.shape();
  shape[dim] = index.numel();
  Tensor out = Tensor::empty(shape, x.options());
  const profiler::Scope scope("index_select");
  backend(x.device()).index_select(contiguous(x), contiguous(index), out, outer, x.shape()[dim], inner);
  return out;
}

namespace {
void check_gather_shapes(const char* op, const Tensor& x, int64_t dim, const Tensor& index) {
  RILL_CHECK(index.dim() == x.dim(), "{}: index has {} dimensions, input has {} (shapes {} and {})", op, index.dim(),
             x.dim(), shape_str(index.shape()), shape_str(x.shape()));
  for (int64_t d = 0; d < x.dim(); ++d)
    RILL_CHECK(d == dim || index.shape()[d] <= x.shape()[d],
               "{}: index shape {} is larger than input shape {} at dimension {}", op, shape_str(index.shape()),
               shape_str(x.shape()), d);
  RILL_CHECK(index.device() == x.device(), "{}: input on {} but index on {}", op, x.device(), index.device());
}
}  // namespace

Tensor gather(const Tensor& x, int64_t dim, const Tensor& index) {
  RILL_CHECK(x.dim() > 0, "gather: cannot index a 0-dimensional tensor");
  dim = wrap_dim("gather", dim, x.dim());
  check_gather_shapes("gather", x, dim, index);
  check_index("gather", index, x.shape()[dim], dim);
  Tensor out = Tensor::empty(index.shape(), x.options());
  const profiler::Scope scope("gather");
  backend(x.device()).gather(x, dim, index, out);
  return out;
}

Tensor scatter_add(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src) {
  RILL_CHECK(self.dim() > 0, "scatter_add: cannot index a 0-dimensional tensor");
  RILL_CHECK(src.device() == self.device(), "scatter_add: self on {} but src on {}", self.device(), src.device());
  dim = wrap_dim("scatter_add", dim, self.dim());
  check_gather_shapes("scatter_add", self, dim, index);
  RILL_CHECK(src.dtype() == self.dtype(), "scatter_add: src dtype {} differs from self dtype {}", src.dtype(),
             self.dtype());
  RILL_CHECK(src.dim() == index.dim(), "scatter_add: src shape {} and index shape {} differ in rank",
             shape_str(src.shape()), shape_str(index.shape()));
  for (int64_t d = 0; d < src.dim(); ++d)
    RILL_CHECK(index.shape()[d] <= src.shape()[d],
               "scatter_add: index shape {} is larger than src shape {} at dimension {}", shape_str(index.shape()),
               shape_str(src.shape()), d);
  check_index("scatter_add", index, self.shape()[dim], dim);
  Tensor out = clone(self);
  const profiler::Scope scope("scatter_add");
  backend(self.device()).scatter_add(out, dim, index, src);
  return out;
}

}  // namespace rill::ops
