// rill nn — Dropout(p): active in train(), the identity in eval().
#pragma once

#include "autograd/loss.h"
#include "nn/module.h"

namespace rill::nn {

class Dropout : public UnaryModule {
 public:
  // Draws masks from `gen` (the default generator when null).
  explicit Dropout(double probability = 0.5, Generator* generator = nullptr) : p(probability), gen(generator) {}
  Tensor forward(const Tensor& x) override { return dropout(x, p, is_training(), gen); }

  double p;
  Generator* gen;
};

}  // namespace rill::nn
