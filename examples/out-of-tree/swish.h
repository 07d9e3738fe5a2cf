// A layer rill does not have, written outside rill's tree against the installed package:
// Swish with a learnable slope (Ramachandran, Zoph & Le, "Searching for activation
// functions", 2017),
//     y = x * sigmoid(beta * x),
// with beta broadcast against x: for x [B, F] and beta [F], one slope per feature.
// beta = 1 is SiLU; beta -> 0 gives x / 2 (linear), beta -> +inf gives ReLU, so the network
// learns how sharp each unit's nonlinearity is.
#pragma once

#include <cstdint>

#include "nn/module.h"
#include "tensor/tensor.h"

namespace swish {

// The differentiable op: forward here, backward in swish.cpp right below it.
rill::Tensor learnable_swish(const rill::Tensor& x, const rill::Tensor& beta);

// The layer: one parameter, "beta" [features], starting at 1 (SiLU, what rill's MLP uses).
class LearnableSwish : public rill::nn::UnaryModule {
 public:
  explicit LearnableSwish(int64_t features);
  rill::Tensor forward(const rill::Tensor& x) override { return learnable_swish(x, beta); }
  rill::Tensor beta;
};

}  // namespace swish
