#include "tensor/reduce.h"

#include <algorithm>

#include "tensor/backend.h"
#include "tensor/factory.h"
#include "tensor/profiler.h"
#include "tensor/view.h"

namespace rill::ops {
namespace {

const char* reduce_name(ReduceOp op) {
  switch (op) {
    case ReduceOp::Sum:
      return "sum";
    case ReduceOp::Mean:
      return "mean";
    case ReduceOp::Max:
      return "max";
    case ReduceOp::Min:
      return "min";
    case ReduceOp::Argmax:
      return "argmax";
    case ReduceOp::Var:
      return "var";
  }
  return "reduce";
}

// Reduce x along the axes marked in `reduced`, giving the kept elements in order (a
// flat tensor of dtype `out_dtype`). Every reduction is one or more calls of the
// backend's [outer, n, inner] reduction on a contiguous tensor:
//   - adjacent axes of the same kind merge, size-1 axes drop out: [N, C, H, W] summed
//     over {2, 3} is [N*C, H*W, 1] (rows), over {0} it is [1, N, C*H*W] (columns);
//   - one block of reduced axes: one call, no copy;
//   - several blocks (the sum over {0, 2, 3} of [N, C, H, W] is [N, C, H*W] with
//     reduced / kept / reduced): Sum, Mean, Max and Min reduce the last block first and
//     go on with the smaller result (sums carried in the accumulation dtype, float64
//     for float32, so nothing is rounded between stages); Var and Argmax do not split
//     into stages, so they permute the kept axes to the front and copy.
Tensor reduce_flat(ReduceOp op, const Tensor& x, std::vector<bool> reduced, int64_t correction, DType out_dtype) {
  Backend& be = backend(x.device());
  std::vector<int64_t> sizes;
  std::vector<bool> kinds;
  for (int64_t d = 0; d < x.dim(); ++d) {
    if (x.shape()[d] == 1) continue;
    if (!kinds.empty() && kinds.back() == reduced[d])
      sizes.back() *= x.shape()[d];
    else
      sizes.push_back(x.shape()[d]), kinds.push_back(reduced[d]);
  }
  const int64_t blocks = std::count(kinds.begin(), kinds.end(), true);
  const auto product = [&](size_t from, size_t to) {
    int64_t p = 1;
    for (size_t b = from; b < to; ++b) p *= sizes[b];
    return p;
  };
  const bool staged = op == ReduceOp::Sum || op == ReduceOp::Mean || op == ReduceOp::Max || op == ReduceOp::Min;
  if (blocks <= 1 || staged) {
    // The last reduced block (or none: then n = 1 and this is an elementwise cast).
    const size_t last =
        blocks == 0 ? sizes.size() : std::find(kinds.rbegin(), kinds.rend(), true).base() - kinds.begin() - 1;
    const int64_t outer = product(0, last), n = last < sizes.size() ? sizes[last] : 1,
                  inner = product(last + 1, sizes.size());
    const bool sum_like = op == ReduceOp::Sum || op == ReduceOp::Mean;
    const DType stage_dtype = blocks > 1 && sum_like && x.dtype() == DType::Float32 ? DType::Float64 : out_dtype;
    Tensor out = Tensor::empty({outer * inner}, {stage_dtype, x.device()});
    be.reduce(op, contiguous(x), out, outer, n, inner, correction);
    if (blocks <= 1) return out;
    // Go on with the stage's result, shaped as the remaining blocks.
    Shape rest;
    std::vector<bool> rest_reduced;
    for (size_t b = 0; b < sizes.size(); ++b)
      if (b != last) rest.push_back(sizes[b]), rest_reduced.push_back(kinds[b]);
    const Tensor result = reduce_flat(op, view(out, rest), rest_reduced, correction, stage_dtype);
    return result.dtype() == out_dtype ? result : to(result, out_dtype);
  }
  // Var / Argmax over several blocks: kept axes first, reduced last, as one [R, K, 1] copy.
  std::vector<int64_t> order;
  int64_t R = 1, K = 1;
  for (int64_t d = 0; d < x.dim(); ++d)
    if (!reduced[d]) order.push_back(d), R *= x.shape()[d];
  for (int64_t d = 0; d < x.dim(); ++d)
    if (reduced[d]) order.push_back(d), K *= x.shape()[d];
  Tensor out = Tensor::empty({R}, {out_dtype, x.device()});
  be.reduce(op, contiguous(permute(x, order)), out, R, K, 1, correction);
  return out;
}

// Checks the arguments, reduces, and gives the result the kept shape (with 1s where
// keepdim asks).
Tensor reduce(ReduceOp op, const Tensor& x, Axes axes, bool keepdim, int64_t correction = 0) {
  const char* name = reduce_name(op);
  const int64_t nd = x.dim();
  std::vector<bool> reduced(std::max<int64_t>(nd, 1), axes.empty());  // a 0-d tensor accepts axis 0
  for (int64_t a : axes) {
    const int64_t d = wrap_dim(name, a, nd);
    RILL_CHECK(!reduced[d] || axes.empty(), "{}: axis {} listed twice", name, d);
    reduced[d] = true;
  }
  Shape kept_shape, keepdim_shape;
  int64_t K = 1;
  for (int64_t d = 0; d < nd; ++d) {
    if (!reduced[d])
      kept_shape.push_back(x.shape()[d]), keepdim_shape.push_back(x.shape()[d]);
    else
      keepdim_shape.push_back(1), K *= x.shape()[d];
  }

  const bool needs_elements = op == ReduceOp::Max || op == ReduceOp::Min || op == ReduceOp::Argmax;
  RILL_CHECK(K > 0 || !needs_elements, "{}: cannot reduce over an empty axis (input shape {})", name,
             shape_str(x.shape()));
  RILL_CHECK(is_floating(x.dtype()) || (op != ReduceOp::Mean && op != ReduceOp::Var),
             "{}: expected a floating dtype (float32 or float64), got {}", name, x.dtype());
  RILL_CHECK(op != ReduceOp::Var || K - correction > 0,
             "var: {} elements with correction {} leave no degrees of freedom", K, correction);
  const DType out_dtype = op == ReduceOp::Argmax ? DType::Int64 : x.dtype();
  const profiler::Scope scope(name);
  const Tensor out = reduce_flat(op, x, reduced, correction, out_dtype);
  return view(out, keepdim ? keepdim_shape : kept_shape);
}

}  // namespace

Tensor sum(const Tensor& x, const Axes& axes, bool keepdim) { return reduce(ReduceOp::Sum, x, axes, keepdim); }
Tensor mean(const Tensor& x, const Axes& axes, bool keepdim) { return reduce(ReduceOp::Mean, x, axes, keepdim); }
Tensor max(const Tensor& x, const Axes& axes, bool keepdim) { return reduce(ReduceOp::Max, x, axes, keepdim); }
Tensor min(const Tensor& x, const Axes& axes, bool keepdim) { return reduce(ReduceOp::Min, x, axes, keepdim); }
Tensor var(const Tensor& x, const Axes& axes, int64_t correction, bool keepdim) {
  return reduce(ReduceOp::Var, x, axes, keepdim, correction);
}
Tensor argmax(const Tensor& x, int64_t dim, bool keepdim) { return reduce(ReduceOp::Argmax, x, {dim}, keepdim); }
Tensor argmax(const Tensor& x) { return reduce(ReduceOp::Argmax, reshape(x, {-1}), {0}, false); }

Tensor sum_to(const Tensor& x, const Shape& shape) {
  if (x.shape() == shape) return x;
  const int64_t lead = x.dim() - static_cast<int64_t>(shape.size());
  RILL_CHECK(lead >= 0, "sum_to: cannot sum shape {} down to a longer shape {}", shape_str(x.shape()),
             shape_str(shape));
  Axes axes;
  for (int64_t d = 0; d < x.dim(); ++d) {
    if (d < lead) {
      axes.push_back(d);
      continue;
    }
    const int64_t want = shape[d - lead];
    RILL_CHECK(want == x.size(d) || want == 1, "sum_to: shape {} does not broadcast to {}", shape_str(shape),
               shape_str(x.shape()));
    if (want == 1 && x.size(d) != 1) axes.push_back(d);
  }
  if (axes.empty()) return reshape(x, shape);
  return reshape(sum(x, axes, true), shape);
}

namespace {

// x viewed as [outer, n, inner] around `dim` (contiguous), normalised along n.
Tensor softmax_like(SoftmaxOp op, const char* name, const Tensor& x, int64_t dim, bool keepdim) {
  RILL_CHECK(is_floating(x.dtype()), "{}: expected a floating dtype (float32 or float64), got {}", name, x.dtype());
  dim = wrap_dim(name, dim, x.dim());
  const Tensor c = contiguous(x);
  int64_t outer = 1, inner = 1;
  const int64_t n = x.dim() > 0 ? x.shape()[dim] : 1;
  for (int64_t d = 0; d < dim; ++d) outer *= x.shape()[d];
  for (int64_t d = dim + 1; d < x.dim(); ++d) inner *= x.shape()[d];
  Shape out_shape = x.shape();
  if (op == SoftmaxOp::LogSumExp && x.dim() > 0) {
    if (keepdim)
      out_shape[dim] = 1;
    else
      out_shape.erase(out_shape.begin() + dim);
  }
  Tensor out = Tensor::empty(out_shape, x.options());
  const profiler::Scope scope(name);
  if (out.numel() > 0) backend(x.device()).softmax(op, c, out, outer, n, inner);
  return out;
}

}  // namespace

Tensor softmax(const Tensor& x, int64_t dim) { return softmax_like(SoftmaxOp::Softmax, "softmax", x, dim, false); }
Tensor log_softmax(const Tensor& x, int64_t dim) {
  return softmax_like(SoftmaxOp::LogSoftmax, "log_softmax", x, dim, false);
}
Tensor logsumexp(const Tensor& x, int64_t dim, bool keepdim) {
  return softmax_like(SoftmaxOp::LogSumExp, "logsumexp", x, dim, keepdim);
}

}  // namespace rill::ops
