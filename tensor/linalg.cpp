#include "tensor/linalg.h"

#include "tensor/backend.h"
#include "tensor/view.h"

namespace rill::ops {

Tensor matmul(const Tensor& a_in, const Tensor& b_in) {
  RILL_CHECK(a_in.dim() >= 1 && b_in.dim() >= 1, "matmul: both operands need at least 1 dimension, got shapes {} and {}",
             shape_str(a_in.shape()), shape_str(b_in.shape()));
  RILL_CHECK(a_in.device() == b_in.device(), "matmul: operands on different devices ({} and {})", a_in.device(),
             b_in.device());
  RILL_CHECK(a_in.dtype() == b_in.dtype(), "matmul: dtypes {} and {} differ (cast one with ops::to)", a_in.dtype(),
             b_in.dtype());
  RILL_CHECK(is_floating(a_in.dtype()), "matmul: expected a floating dtype (float32 or float64), got {}", a_in.dtype());

  // Promote vectors to matrices; remember which axis to drop at the end.
  const bool a_vec = a_in.dim() == 1, b_vec = b_in.dim() == 1;
  const Tensor a = a_vec ? unsqueeze(a_in, 0) : a_in;   // [k] -> [1, k]
  const Tensor b = b_vec ? unsqueeze(b_in, 1) : b_in;   // [k] -> [k, 1]
  const int64_t n = a.size(-2), k = a.size(-1), k2 = b.size(-2), m = b.size(-1);
  RILL_CHECK(k == k2, "matmul: shapes {} and {} cannot be multiplied ({} != {})", shape_str(a_in.shape()),
             shape_str(b_in.shape()), k, k2);

  // Broadcast the batch axes, then fold them into one: a [B, n, k], b [B, k, m].
  const Shape a_batch(a.shape().begin(), a.shape().end() - 2), b_batch(b.shape().begin(), b.shape().end() - 2);
  const Shape batch = broadcast_shapes("matmul", a_batch, b_batch);
  const int64_t B = numel(batch);
  Shape a_full = batch, b_full = batch, out_shape = batch;
  a_full.insert(a_full.end(), {n, k});
  b_full.insert(b_full.end(), {k, m});
  out_shape.insert(out_shape.end(), {n, m});
  // reshape keeps a broadcast (stride-0) batch as a view when it can, e.g. a weight
  // [Cout, K] against columns [N, K, L]; otherwise it materialises the copies.
  const Tensor a3 = reshape(expand(a, a_full), {B, n, k});
  const Tensor b3 = reshape(expand(b, b_full), {B, k, m});
  Tensor out = Tensor::empty({B, n, m}, a.options());
  backend(a.device()).matmul(a3, b3, out);

  Shape result = out_shape;
  if (b_vec) result.erase(result.end() - 1);
  if (a_vec) result.erase(result.end() - (b_vec ? 1 : 2));
  return view(out, result);
}

}  // namespace rill::ops
