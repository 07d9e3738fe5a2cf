// rill autograd — differentiable matrix products.
#pragma once

#include "tensor/tensor.h"

namespace rill {

// NumPy matmul semantics (see tensor/linalg.h), batched and broadcast.
Tensor matmul(const Tensor& a, const Tensor& b);
// y = x @ weight^T + bias;  x: [*, in], weight: [out, in], bias: [out] or undefined.
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias = {});

}  // namespace rill
