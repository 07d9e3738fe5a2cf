// fm_minimal — the whole of conditional flow matching on 2-D data, in one page.
//
// Read this first. It is the equivalent of a notebook: no flags, no files, every step of
// CFM written out with rill's tensors, autograd and the reference MLP:
//
//   train:  x0 ~ N(0, I), x1 ~ data, t ~ U(0, 1)
//           x_t = (1 - t) x0 + t x1            the straight path from x0 to x1
//           u_t = x1 - x0                      its velocity (the regression target)
//           loss = mean || v(t, x_t) - u_t ||^2
//   sample: x ~ N(0, I), then N Euler steps  x <- x + v(t, x) / N  from t = 0 to 1
//
// With --ot the pairs (x0, x1) of each batch are first matched by optimal transport
// (flowmatch/coupling.h), which makes the learned paths nearly straight: one Euler step
// then lands almost where a hundred do. At the end the program prints W2 to fresh data next
// to the two-sample floor (the W2 between two fresh data sets of the same size).
//   ./build/examples/fm_minimal          ./build/examples/fm_minimal --ot
#include <cstring>

#include "autograd/autograd.h"
#include "data/toy2d.h"
#include "flowmatch/coupling.h"
#include "flowmatch/metrics.h"
#include "nn/mlp.h"
#include "nn/optim.h"
#include "tensor/factory.h"

using namespace rill;

int main(int argc, char** argv) {
  const bool ot = argc > 1 && std::strcmp(argv[1], "--ot") == 0;
  const int64_t steps = 1000, batch = 256;
  manual_seed(0);        // the network's initial weights
  Generator gen(1);      // every random number of the training batches
  nn::MLP model(2, 64);  // v(t, x): [B] x [B, 2] -> [B, 2], docs/models.md at width 64
  nn::Adam opt(model.named_parameters(), {.lr = 1e-3});

  for (int64_t step = 1; step <= steps; ++step) {
    Tensor x0 = randn({batch, 2}, {}, &gen);                 // noise   [B, 2]
    Tensor x1 = data::sample_2d("moons", batch, &gen);       // data    [B, 2]
    if (ot) {                                                // re-pair by exact OT
      const auto pairs = flowmatch::exact_ot_coupling()->pair(x0, x1, &gen);
      x0 = pairs.x0, x1 = pairs.x1;
    }
    const Tensor t = rand({batch}, {}, &gen);                // times   [B]
    const Tensor tc = unsqueeze(t, 1);                       // [B, 1], broadcasts over x
    const Tensor xt = (1.0 - tc) * x0 + tc * x1;             // a point on each path
    const Tensor ut = x1 - x0;                               // the target velocity
    const Tensor loss = mse_loss(model(t, xt), ut);          // differentiable in the weights
    opt.zero_grad();
    autograd::backward(loss);
    opt.step();
    if (step % 250 == 0) fmt::print("step {:4d}  loss {:.3f}\n", step, loss.item());
  }

  // Sampling: integrate dx/dt = v(t, x) from noise with Euler, without building a graph.
  no_grad guard;
  auto sample = [&](int64_t n_steps, Generator& g) {
    Tensor x = randn({1000, 2}, {}, &g);
    for (int64_t k = 0; k < n_steps; ++k) {
      const Tensor t = full({x.size(0)}, double(k) / n_steps);
      x = x + model(t, x) * (1.0 / n_steps);
    }
    return x;
  };
  Generator eval(7);
  const Tensor fresh = data::sample_2d("moons", 1000, &eval);
  const double floor = flowmatch::wasserstein2(fresh, data::sample_2d("moons", 1000, &eval));
  for (int64_t n_steps : {1, 4, 100}) {
    Generator g(8);  // the same noise for every step count
    fmt::print("Euler {:3d} steps: W2 to data {:.3f}   (two-sample floor {:.3f})\n", n_steps,
               flowmatch::wasserstein2(sample(n_steps, g), fresh), floor);
  }
  return 0;
}
