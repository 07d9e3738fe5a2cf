// rill nn — the reference MLP velocity field for 2-D data (MODELS.md):
//   concat(x [B, d], t [B, 1]) -> Linear(d+1, w) SiLU Linear(w, w) SiLU Linear(w, w) SiLU Linear(w, d)
// Defaults d = 2, w = 256: 133,122 parameters.
#pragma once

#include <memory>

#include "nn/sequential.h"

namespace rill::nn {

class MLP : public Module {
 public:
  explicit MLP(int64_t dim = 2, int64_t width = 256);
  // x: [B, dim], t: [B] or [B, 1] -> velocity [B, dim]
  Tensor forward(const Tensor& x, const Tensor& t);
  Tensor operator()(const Tensor& x, const Tensor& t) { return forward(x, t); }

  std::shared_ptr<Sequential> net;
  int64_t dim;
};

}  // namespace rill::nn
