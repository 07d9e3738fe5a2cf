#include "nn/linear.h"

#include <cmath>

#include "autograd/linalg.h"
#include "nn/init.h"
#include "tensor/factory.h"

namespace rill::nn {

Linear::Linear(int64_t in_features, int64_t out_features, bool has_bias) {
  RILL_CHECK(in_features > 0 && out_features > 0, "Linear: sizes must be positive, got in={}, out={}", in_features,
             out_features);
  weight = register_parameter("weight", empty({out_features, in_features}));
  init::kaiming_uniform_(weight, std::sqrt(5.0));
  if (has_bias) {
    bias = register_parameter("bias", empty({out_features}));
    const double bound = 1.0 / std::sqrt(static_cast<double>(in_features));
    init::uniform_(bias, -bound, bound);
  }
}

Tensor Linear::forward(const Tensor& x) { return linear(x, weight, bias); }

}  // namespace rill::nn
