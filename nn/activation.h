// rill nn — activations as modules (for Sequential); no parameters.
#pragma once

#include "autograd/unary.h"
#include "nn/module.h"

namespace rill::nn {

class SiLU : public UnaryModule {
 public:
  Tensor forward(const Tensor& x) override { return silu(x); }
};
class ReLU : public UnaryModule {
 public:
  Tensor forward(const Tensor& x) override { return relu(x); }
};
class GELU : public UnaryModule {
 public:
  Tensor forward(const Tensor& x) override { return gelu(x); }
};
class Tanh : public UnaryModule {
 public:
  Tensor forward(const Tensor& x) override { return tanh(x); }
};
class Softplus : public UnaryModule {
 public:
  Tensor forward(const Tensor& x) override { return softplus(x); }
};

}  // namespace rill::nn
