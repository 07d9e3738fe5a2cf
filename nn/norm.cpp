#include "nn/norm.h"

#include "autograd/norm.h"
#include "tensor/factory.h"

namespace rill::nn {

GroupNorm::GroupNorm(int64_t groups_, int64_t channels, double eps_) : groups(groups_), eps(eps_) {
  RILL_CHECK(groups > 0 && channels % groups == 0, "GroupNorm: {} channels cannot be split into {} groups", channels,
             groups);
  weight = register_parameter("weight", ones({channels}));
  bias = register_parameter("bias", zeros({channels}));
}

Tensor GroupNorm::forward(const Tensor& x) { return group_norm(x, groups, weight, bias, eps); }
Tensor GroupNorm::forward_silu(const Tensor& x) { return group_norm_silu(x, groups, weight, bias, eps); }

LayerNorm::LayerNorm(Shape shape, double eps_) : normalized_shape(std::move(shape)), eps(eps_) {
  weight = register_parameter("weight", ones(normalized_shape));
  bias = register_parameter("bias", zeros(normalized_shape));
}

Tensor LayerNorm::forward(const Tensor& x) { return layer_norm(x, normalized_shape, weight, bias, eps); }

RMSNorm::RMSNorm(int64_t dim, double eps_) : eps(eps_) {
  RILL_CHECK(dim >= 1, "RMSNorm: dim must be >= 1, got {}", dim);
  weight = register_parameter("weight", ones({dim}));
}

Tensor RMSNorm::forward(const Tensor& x) { return rms_norm(x, weight, eps); }

}  // namespace rill::nn
