#include "nn/mlp.h"

#include "autograd/autograd.h"
#include "nn/activation.h"
#include "nn/linear.h"

namespace rill::nn {

MLP::MLP(int64_t dim_, int64_t width) : dim(dim_) {
  net = register_module("net", std::make_shared<Sequential>(std::vector<std::shared_ptr<UnaryModule>>{
                                   std::make_shared<Linear>(dim + 1, width), std::make_shared<SiLU>(),
                                   std::make_shared<Linear>(width, width), std::make_shared<SiLU>(),
                                   std::make_shared<Linear>(width, width), std::make_shared<SiLU>(),
                                   std::make_shared<Linear>(width, dim)}));
}

Tensor MLP::forward(const Tensor& t, const Tensor& x, const Tensor& labels) {
  RILL_CHECK(!labels.defined(), "MLP: this model is unconditional, but labels of shape {} were given",
             shape_str(labels.shape()));
  RILL_CHECK(x.dim() == 2 && x.size(1) == dim, "MLP: expected x [B, {}], got shape {}", dim, shape_str(x.shape()));
  const Tensor t_col = t.dim() == 1 ? unsqueeze(t, 1) : t;
  RILL_CHECK(t_col.shape() == Shape({x.size(0), 1}), "MLP: expected t [{}] or [{}, 1], got shape {}", x.size(0),
             x.size(0), shape_str(t.shape()));
  return net->forward(cat({x, t_col}, 1));
}

}  // namespace rill::nn
