#include "nn/mlp.h"

#include "autograd/autograd.h"
#include "nn/activation.h"
#include "nn/linear.h"

namespace rill::nn {

MLP::MLP(int64_t dim_, int64_t width, int64_t times_) : dim(dim_), times(times_) {
  RILL_CHECK(times == 1 || times == 2, "MLP: times must be 1 (v(t, x)) or 2 (u(t, r, x)), got {}", times);
  net = register_module("net", std::make_shared<Sequential>(std::vector<std::shared_ptr<UnaryModule>>{
                                   std::make_shared<Linear>(dim + times, width), std::make_shared<SiLU>(),
                                   std::make_shared<Linear>(width, width), std::make_shared<SiLU>(),
                                   std::make_shared<Linear>(width, width), std::make_shared<SiLU>(),
                                   std::make_shared<Linear>(width, dim)}));
}

namespace {
// t as a column [B, 1] (from [B] or [B, 1]), checked against the batch.
Tensor time_column(const char* which, const Tensor& t, int64_t batch) {
  const Tensor col = t.dim() == 1 ? unsqueeze(t, 1) : t;
  RILL_CHECK(col.shape() == Shape({batch, 1}), "MLP: expected {} [{}] or [{}, 1], got shape {}", which, batch, batch,
             shape_str(t.shape()));
  return col;
}
}  // namespace

Tensor MLP::forward(const Tensor& t, const Tensor& x, const Tensor& labels) {
  RILL_CHECK(times == 1, "MLP: this model takes two times (u(t, r, x), MeanFlow); call forward(t, r, x, labels)");
  RILL_CHECK(!labels.defined(), "MLP: this model is unconditional, but labels of shape {} were given",
             shape_str(labels.shape()));
  RILL_CHECK(x.dim() == 2 && x.size(1) == dim, "MLP: expected x [B, {}], got shape {}", dim, shape_str(x.shape()));
  return net->forward(cat({x, time_column("t", t, x.size(0))}, 1));
}

Tensor MLP::forward(const Tensor& t, const Tensor& r, const Tensor& x, const Tensor& labels) {
  RILL_CHECK(times == 2, "MLP: this model takes one time (v(t, x)); call forward(t, x, labels)");
  RILL_CHECK(!labels.defined(), "MLP: this model is unconditional, but labels of shape {} were given",
             shape_str(labels.shape()));
  RILL_CHECK(x.dim() == 2 && x.size(1) == dim, "MLP: expected x [B, {}], got shape {}", dim, shape_str(x.shape()));
  const Tensor tc = time_column("t", t, x.size(0)), rc = time_column("r", r, x.size(0));
  return net->forward(cat({x, tc, sub(rc, tc)}, 1));  // (t, r - t): the start and the length of the interval
}

}  // namespace rill::nn
