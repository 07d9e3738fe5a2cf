// rill — matrix multiplication (raw: no gradients).
#pragma once

#include "tensor/tensor.h"

namespace rill::ops {

// NumPy's matmul rules:
//   [n, k] @ [k, m] -> [n, m]
//   batched: [..., n, k] @ [..., k, m] -> [..., n, m], batch axes broadcast
//   a 1-D left operand [k] acts as [1, k] and a 1-D right operand [k] as [k, 1];
//   the added axis is removed from the result.
// Transposed views are passed to BLAS as transposes, never copied.
Tensor matmul(const Tensor& a, const Tensor& b);

// Eigen-decomposition of a symmetric matrix a [n, n] (float64, CPU), by LAPACK's dsyev:
// a = vectors diag(values) vectors^T, values ascending, eigenvectors in the columns.
struct Eigh {
  Tensor values;   // [n]
  Tensor vectors;  // [n, n]
};
Eigh eigh(const Tensor& a);

}  // namespace rill::ops
