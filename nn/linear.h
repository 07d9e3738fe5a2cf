// rill nn — Linear: y = x W^T + b,  x: [*, in] -> [*, out].
#pragma once

#include "nn/module.h"

namespace rill::nn {

class Linear : public UnaryModule {
 public:
  // weight [out, in] and bias [out], both U(-1/sqrt(in), 1/sqrt(in)) (PyTorch's default).
  Linear(int64_t in_features, int64_t out_features, bool bias = true);
  Tensor forward(const Tensor& x) override;

  Tensor weight, bias;  // bias undefined when bias = false
};

}  // namespace rill::nn
