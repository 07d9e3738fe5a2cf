// Stop 3: what backward() does, on y = x^2, and the graph of a two-layer MLP.
#include "autograd/autograd.h"
#include "examples/tour/tour.h"
#include "nn/layers.h"
#include "nn/sequential.h"
#include "tensor/factory.h"
#include "tensor/format.h"

namespace rill::tour {

void stop3_backward() {
  // tour:begin
  Tensor x = requires_grad_(tensor({3.f}));  // a leaf: its gradient is kept in .grad
  Tensor y = x * x;                          // records a MulBackward node
  fmt::print("y = {}, made by {}\n", y.item(), grad_fn(y)->name());
  autograd::backward(y);                     // dy/dx = 2x
  fmt::print("dy/dx at x = 3: {}\n", grad_of(x).item());

  manual_seed(0);
  nn::Sequential mlp;
  mlp.push_back(std::make_shared<nn::Linear>(2, 8));
  mlp.push_back(std::make_shared<nn::SiLU>());
  mlp.push_back(std::make_shared<nn::Linear>(8, 1));
  Tensor loss = mean(mlp(randn({4, 2})));  // a batch of 4 points -> one number
  fmt::print("{}", autograd::to_dot(loss, mlp.named_parameters()));
  // tour:end
}

}  // namespace rill::tour
