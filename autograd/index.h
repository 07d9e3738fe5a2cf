// rill autograd — differentiable joining, splitting and indexing (tensor/index.h).
#pragma once

#include <vector>

#include "tensor/tensor.h"

namespace rill {

Tensor cat(const std::vector<Tensor>& xs, int64_t dim);
Tensor stack(const std::vector<Tensor>& xs, int64_t dim);
std::vector<Tensor> split(const Tensor& x, int64_t size, int64_t dim);
std::vector<Tensor> chunk(const Tensor& x, int64_t chunks, int64_t dim);
Tensor index_select(const Tensor& x, int64_t dim, const Tensor& index);
Tensor gather(const Tensor& x, int64_t dim, const Tensor& index);
// Rows of weight [V, D] picked by integer indices of any shape -> [*indices.shape, D].
Tensor embedding(const Tensor& weight, const Tensor& indices);

}  // namespace rill
