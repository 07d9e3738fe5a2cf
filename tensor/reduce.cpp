#include "tensor/reduce.h"

#include <algorithm>

#include "tensor/backend.h"
#include "tensor/factory.h"
#include "tensor/view.h"

namespace rill::ops {
namespace {

const char* reduce_name(ReduceOp op) {
  switch (op) {
    case ReduceOp::Sum: return "sum";
    case ReduceOp::Mean: return "mean";
    case ReduceOp::Max: return "max";
    case ReduceOp::Min: return "min";
    case ReduceOp::Argmax: return "argmax";
    case ReduceOp::Var: return "var";
  }
  return "reduce";
}

// Every reduction becomes a row reduction: permute the kept axes to the front and
// the reduced ones to the back, make that contiguous as a [R, K] matrix (R = kept
// elements, K = reduced elements), reduce each row, and give the result the kept
// shape (with 1s where keepdim asks).
Tensor reduce(ReduceOp op, const Tensor& x, Axes axes, bool keepdim, int64_t correction = 0) {
  const char* name = reduce_name(op);
  const int64_t nd = x.dim();
  std::vector<bool> reduced(std::max<int64_t>(nd, 1), axes.empty());
  for (int64_t a : axes) {
    const int64_t d = wrap_dim(name, a, nd);
    RILL_CHECK(!reduced[d] || axes.empty(), "{}: axis {} listed twice", name, d);
    reduced[d] = true;
  }
  std::vector<int64_t> order;
  Shape kept_shape, keepdim_shape;
  int64_t K = 1;
  for (int64_t d = 0; d < nd; ++d)
    if (!reduced[d]) order.push_back(d), kept_shape.push_back(x.shape()[d]), keepdim_shape.push_back(x.shape()[d]);
    else keepdim_shape.push_back(1);
  for (int64_t d = 0; d < nd; ++d)
    if (reduced[d]) order.push_back(d), K *= x.shape()[d];

  const bool needs_elements = op == ReduceOp::Max || op == ReduceOp::Min || op == ReduceOp::Argmax;
  RILL_CHECK(K > 0 || !needs_elements, "{}: cannot reduce over an empty axis (input shape {})", name,
             shape_str(x.shape()));
  RILL_CHECK(is_floating(x.dtype()) || (op != ReduceOp::Mean && op != ReduceOp::Var),
             "{}: expected a floating dtype (float32 or float64), got {}", name, x.dtype());

  RILL_CHECK(op != ReduceOp::Var || K - correction > 0, "var: {} elements with correction {} leave no degrees of freedom", K,
             correction);
  const int64_t R = numel(kept_shape);
  const Tensor rows = reshape(nd > 0 ? permute(x, order) : x, {R, K});  // copies only if needed
  const DType out_dtype = op == ReduceOp::Argmax ? DType::Int64 : x.dtype();
  Tensor out = Tensor::empty({R}, {out_dtype, x.device()});
  backend(x.device()).reduce_rows(op, contiguous(rows), out, correction);
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
  RILL_CHECK(lead >= 0, "sum_to: cannot sum shape {} down to a longer shape {}", shape_str(x.shape()), shape_str(shape));
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
  RILL_CHECK(is_floating(x.dtype()), "{}: expected a floating dtype (float32 or float64), got {}", name,
             x.dtype());
  dim = wrap_dim(name, dim, x.dim());
  const Tensor c = contiguous(x);
  int64_t outer = 1, inner = 1;
  const int64_t n = x.dim() > 0 ? x.shape()[dim] : 1;
  for (int64_t d = 0; d < dim; ++d) outer *= x.shape()[d];
  for (int64_t d = dim + 1; d < x.dim(); ++d) inner *= x.shape()[d];
  Shape out_shape = x.shape();
  if (op == SoftmaxOp::LogSumExp && x.dim() > 0) {
    if (keepdim) out_shape[dim] = 1;
    else out_shape.erase(out_shape.begin() + dim);
  }
  Tensor out = Tensor::empty(out_shape, x.options());
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
