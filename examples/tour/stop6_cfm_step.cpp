// Stop 6: a CFM training step: pairs, times, a point on each path, its target, the loss.
#include "autograd/autograd.h"
#include "data/toy2d.h"
#include "examples/tour/tour.h"
#include "flowmatch/cfm.h"
#include "nn/mlp.h"
#include "nn/optim.h"
#include "tensor/ops.h"

namespace rill::tour {

void stop6_cfm_step() {
  // tour:begin
  namespace fm = rill::flowmatch;
  manual_seed(0);
  Generator gen(1);
  nn::MLP model(2, 64);
  nn::Adam opt(model.named_parameters(), {.lr = 1e-3});
  fm::CFMOptions cfm;  // the straight path, independent pairs, t ~ U(0, 1)
  const Tensor x0 = randn({256, 2}, {}, &gen), x1 = data::sample_2d("moons", 256, &gen);
  const fm::CFMBatch batch = fm::cfm_batch(cfm, x0, x1, &gen);
  const Tensor t = ops::unsqueeze(batch.sample.t, 1);  // [256, 1]
  const Tensor expected_xt = ops::add(ops::mul(ops::sub(ones_like(t), t), x0), ops::mul(t, x1));
  fmt::print("x_t = (1 - t) x0 + t x1: largest difference {}\n",
             ops::max(ops::abs(ops::sub(batch.sample.xt, expected_xt))).item());
  fmt::print("u_t = x1 - x0:           largest difference {}\n",
             ops::max(ops::abs(ops::sub(batch.sample.ut, ops::sub(x1, x0)))).item());
  for (int step = 1; step <= 5; ++step) {  // five steps on the same batch: the loss falls
    const Tensor loss = mse_loss(model(batch.sample.t, batch.sample.xt), batch.sample.ut);
    opt.zero_grad();
    autograd::backward(loss);
    opt.step();
    fmt::print("step {}: loss {:.4f}\n", step, loss.item());
  }
  // tour:end
}

}  // namespace rill::tour
