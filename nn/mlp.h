// rill nn — the reference MLP velocity field for 2-D data (docs/models.md):
//   concat(x [B, d], t [B, 1]) -> Linear(d+1, w) SiLU Linear(w, w) SiLU Linear(w, w) SiLU Linear(w, d)
// Defaults d = 2, w = 256: 133,122 parameters.
#pragma once

#include <memory>

#include "nn/sequential.h"

namespace rill::nn {

class MLP : public Module {
 public:
  explicit MLP(int64_t dim = 2, int64_t width = 256);
  // t: [B] or [B, 1], x: [B, dim] -> velocity [B, dim]. The argument order of every field
  // and model in rill: time first, then the state, then (for models that take them)
  // labels, so a model is a flowmatch::Model as it is (see flowmatch/cfm.h). This MLP is
  // unconditional: labels must be left undefined.
  Tensor forward(const Tensor& t, const Tensor& x, const Tensor& labels = {});
  Tensor operator()(const Tensor& t, const Tensor& x, const Tensor& labels = {}) { return forward(t, x, labels); }

  std::shared_ptr<Sequential> net;
  int64_t dim;
};

}  // namespace rill::nn
