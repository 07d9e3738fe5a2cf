#include "tensor/linalg.h"

#include <vector>

#include "tensor/backend.h"
#include "tensor/profiler.h"
#include "tensor/view.h"

// LAPACK's symmetric eigensolver (Fortran calling convention; OpenBLAS exports it).
extern "C" void dsyev_(const char* jobz, const char* uplo, const int* n, double* a, const int* lda, double* w,
                       double* work, const int* lwork, int* info);

namespace rill::ops {

Tensor matmul(const Tensor& a_in, const Tensor& b_in) {
  RILL_CHECK(a_in.dim() >= 1 && b_in.dim() >= 1,
             "matmul: both operands need at least 1 dimension, got shapes {} and {}", shape_str(a_in.shape()),
             shape_str(b_in.shape()));
  RILL_CHECK(a_in.device() == b_in.device(), "matmul: operands on different devices ({} and {})", a_in.device(),
             b_in.device());
  RILL_CHECK(a_in.dtype() == b_in.dtype(), "matmul: dtypes {} and {} differ (cast one with ops::to)", a_in.dtype(),
             b_in.dtype());
  RILL_CHECK(is_floating(a_in.dtype()), "matmul: expected a floating dtype (float32 or float64), got {}", a_in.dtype());

  // Promote vectors to matrices; remember which axis to drop at the end.
  const bool a_vec = a_in.dim() == 1, b_vec = b_in.dim() == 1;
  const Tensor a = a_vec ? unsqueeze(a_in, 0) : a_in;  // [k] -> [1, k]
  const Tensor b = b_vec ? unsqueeze(b_in, 1) : b_in;  // [k] -> [k, 1]
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
  const profiler::Scope scope("matmul");
  backend(a.device()).matmul(a3, b3, out);

  Shape result = out_shape;
  if (b_vec) result.erase(result.end() - 1);
  if (a_vec) result.erase(result.end() - (b_vec ? 1 : 2));
  return view(out, result);
}

}  // namespace rill::ops

namespace rill::ops {

Eigh eigh(const Tensor& a) {
  RILL_CHECK(a.dim() == 2 && a.size(0) == a.size(1), "eigh: expected a square matrix, got shape {}",
             shape_str(a.shape()));
  RILL_CHECK(a.dtype() == DType::Float64 && a.device().is_cpu(), "eigh: expected a float64 CPU tensor, got {} on {}",
             a.dtype(), a.device());
  const int n = static_cast<int>(a.size(0));
  // LAPACK is column-major; a symmetric matrix reads the same either way.
  Tensor vectors = clone(a);
  Tensor values = Tensor::empty({a.size(0)}, DType::Float64);
  if (n == 0) return {values, vectors};
  int info = 0, lwork = -1;
  double query = 0;
  dsyev_("V", "U", &n, vectors.data<double>(), &n, values.data<double>(), &query, &lwork, &info);
  lwork = static_cast<int>(query);
  std::vector<double> work(static_cast<size_t>(lwork));
  dsyev_("V", "U", &n, vectors.data<double>(), &n, values.data<double>(), work.data(), &lwork, &info);
  RILL_CHECK(info == 0, "eigh: LAPACK dsyev failed (info = {})", info);
  // Column-major eigenvectors in row-major memory are the rows: transpose back to columns.
  return {values, contiguous(transpose(vectors, 0, 1))};
}

}  // namespace rill::ops
