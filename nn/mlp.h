// rill nn — the reference MLP velocity field for 2-D data (docs/models.md):
//   concat(x [B, d], t [B, 1]) -> Linear(d+1, w) SiLU Linear(w, w) SiLU Linear(w, w) SiLU Linear(w, d)
// Defaults d = 2, w = 256: 133,122 parameters.
// With times = 2 it is an average-velocity model u(t, r, x) for MeanFlow (flowmatch/meanflow.h):
//   concat(x, t, r - t) -> Linear(d+2, w) ... the same: 133,378 parameters (w more). The second
// time enters as the interval r - t, as the MeanFlow paper conditions on (t, t - r).
#pragma once

#include <memory>

#include "nn/sequential.h"

namespace rill::nn {

class MLP : public Module {
 public:
  explicit MLP(int64_t dim = 2, int64_t width = 256, int64_t times = 1);
  // t: [B] or [B, 1], x: [B, dim] -> velocity [B, dim]. The argument order of every field
  // and model in rill: time first, then the state, then (for models that take them)
  // labels, so a model is a flowmatch::Model as it is (see flowmatch/cfm.h). This MLP is
  // unconditional: labels must be left undefined.
  Tensor forward(const Tensor& t, const Tensor& x, const Tensor& labels = {});
  Tensor operator()(const Tensor& t, const Tensor& x, const Tensor& labels = {}) { return forward(t, x, labels); }
  // times = 2: the average velocity from time t to time r (t, r: [B] or [B, 1]); so the
  // module is a flowmatch::MeanFlowModel as it is.
  Tensor forward(const Tensor& t, const Tensor& r, const Tensor& x, const Tensor& labels);
  Tensor operator()(const Tensor& t, const Tensor& r, const Tensor& x, const Tensor& labels) {
    return forward(t, r, x, labels);
  }

  std::shared_ptr<Sequential> net;
  int64_t dim;
  int64_t times;  // 1: v(t, x); 2: u(t, r, x)
};

}  // namespace rill::nn
