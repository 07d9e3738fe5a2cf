#include "helpers.h"
#include "tensor/cpu/allocator.h"

using namespace rill;
using rill::test::leaf;
using rill::test::pattern;
using rill::test::require_close;
using rill::test::values;

TEST_CASE("backward computes hand-derived gradients into .grad", "[autograd][engine]") {
  // L = sum(x^2 * w + x)  ->  dL/dx = 2 x w + 1,  dL/dw = x^2
  const Tensor x = requires_grad_(tensor(std::vector<double>{1, -2, 3}));
  const Tensor w = requires_grad_(tensor(std::vector<double>{0.5, 2, -1}));
  const Tensor L = sum(x * x * w + x);
  CHECK(L.item() == Approx(0.5 + 8 - 9 + 2));
  CHECK(grad_fn(L)->name() == "SumBackward");
  autograd::backward(L);
  require_close(grad_of(x), {2 * 1 * 0.5 + 1, 2 * -2 * 2 + 1, 2 * 3 * -1 + 1});
  require_close(grad_of(w), {1, 4, 9});
}

TEST_CASE("gradients accumulate across backward calls until zero_grad", "[autograd][engine]") {
  const Tensor x = requires_grad_(tensor(std::vector<double>{1, 2}));
  autograd::backward(sum(x * 3.0));
  autograd::backward(sum(x * 3.0));
  require_close(grad_of(x), {6, 6});
  zero_grad(x);
  CHECK_FALSE(grad_of(x).defined());
}

TEST_CASE("a tensor used twice receives the sum of both gradients", "[autograd][engine]") {
  // y = x * x through two paths into a shared node: dL/dx = 2x + 3
  const Tensor x = requires_grad_(tensor(std::vector<double>{1.5, -1}));
  const Tensor h = x * 1.0;  // an interior node used by two consumers
  autograd::backward(sum(h * h + h * 3.0));
  require_close(grad_of(x), {2 * 1.5 + 3, 2 * -1 + 3});
}

TEST_CASE("broadcast inputs get gradients summed back to their shape", "[autograd][engine]") {
  const Tensor a = requires_grad_(ones({2, 3}, DType::Float64));
  const Tensor b = requires_grad_(tensor(std::vector<double>{1, 2, 3}));
  const Tensor c = requires_grad_(scalar_tensor(2.0, DType::Float64));
  autograd::backward(sum((a + b) * c));
  require_close(grad_of(a), std::vector<double>(6, 2.0));
  require_close(grad_of(b), {4, 4, 4});
  require_close(grad_of(c), {18});  // sum(a + b) = 6 + 2 * (1 + 2 + 3)
}

TEST_CASE("no_grad, detach and requires_grad_ control what is recorded", "[autograd][engine]") {
  const Tensor x = requires_grad_(tensor(std::vector<double>{1, 2}));
  {
    no_grad guard;
    CHECK_FALSE(is_grad_enabled());
    CHECK_FALSE(requires_grad(x * 2.0));
  }
  CHECK(is_grad_enabled());
  CHECK(requires_grad(x * 2.0));
  const Tensor d = detach(x * 2.0);
  CHECK_FALSE(requires_grad(d));
  CHECK(d.storage() != nullptr);
  REQUIRE_ERROR(requires_grad_(x * 2.0), "requires_grad_: [2] is the result of an op (MulBackward); only leaves");
  REQUIRE_ERROR(requires_grad_(zeros({2}, DType::Int64)),
                "requires_grad_: only floating tensors can require gradients");
  REQUIRE_ERROR(autograd::backward(sum(d)), "backward: output 0 (shape []) does not require grad");
  REQUIRE_ERROR(autograd::backward(x * 2.0), "backward: a gradient can be implied only for a one-element output");
  // With an explicit grad, a non-scalar root works: a vector-Jacobian product.
  autograd::backward(x * 2.0, tensor(std::vector<double>{1, 10}));
  require_close(grad_of(x), {2, 20});
}

TEST_CASE("a second backward through a freed graph is refused unless retained", "[autograd][engine]") {
  const Tensor x = requires_grad_(tensor(std::vector<double>{3}));
  const Tensor L = sum(exp(x));
  autograd::backward(L, {}, /*retain_graph=*/true);
  autograd::backward(L);
  require_close(grad_of(x), {2 * std::exp(3.0)}, 1e-14);
  REQUIRE_ERROR(autograd::backward(L), "backward: SumBackward was already run and its saved tensors freed");
}

TEST_CASE("autograd::grad returns VJPs without touching .grad", "[autograd][engine]") {
  const Tensor x = requires_grad_(tensor(std::vector<double>{1, 2, 3}));
  const Tensor h = sin(x);  // an intermediate input
  const Tensor y = h * h;   // y_i = sin(x_i)^2
  const Tensor v = tensor(std::vector<double>{1, -1, 2});
  const auto grads = autograd::grad({y}, {x, h}, {v}, /*retain_graph=*/true);
  const auto xv = values(x);
  std::vector<double> dx, dh;
  for (int i = 0; i < 3; ++i) {
    dx.push_back(values(v)[i] * 2 * std::sin(xv[i]) * std::cos(xv[i]));
    dh.push_back(values(v)[i] * 2 * std::sin(xv[i]));
  }
  require_close(grads[0], dx, 1e-14);
  require_close(grads[1], dh, 1e-14);
  CHECK_FALSE(grad_of(x).defined());
  // An input the output does not depend on gets zeros.
  const Tensor unused = requires_grad_(zeros({2}, DType::Float64));
  require_close(autograd::grad({sum(y)}, {unused}, {}, true)[0], {0, 0});
  // Exact divergence of a field f(x) = x * sin(x) + x[0] (elementwise), one VJP per dimension.
  const Tensor f = x * sin(x) + select(x, 0, 0);
  double div = 0;
  for (int64_t i = 0; i < 3; ++i) {
    std::vector<double> e(3, 0.0);
    e[i] = 1;
    div += autograd::grad({f}, {x}, {tensor(e)}, true)[0].at({i});
  }
  double expected = 1;  // d f_0 / d x_0 gets the extra + x[0]
  for (double xi : xv) expected += std::sin(xi) + xi * std::cos(xi);
  CHECK(div == Approx(expected).epsilon(1e-14));
}

TEST_CASE("backward walks very long graphs without recursion", "[autograd][engine]") {
  const Tensor x = requires_grad_(tensor(std::vector<double>{1}));
  Tensor h = x;
  for (int i = 0; i < 20000; ++i) h = h * 1.0001;
  autograd::backward(sum(h));
  require_close(grad_of(x), {std::pow(1.0001, 20000)}, 1e-10);
}

TEST_CASE("memory does not grow over a training loop", "[autograd][engine]") {
  // A small regression trained by hand: after each step the graph must be gone
  // (no live nodes) and the bytes in use must return to the same level.
  const int64_t nodes_before = Node::live_count();
  Generator gen(0);
  const Tensor X = randn({64, 8}, DType::Float64, &gen);
  const Tensor Y = randn({64, 1}, DType::Float64, &gen);
  Tensor w = requires_grad_(zeros({8, 1}, DType::Float64));
  size_t bytes_after_first = 0;
  for (int step = 0; step < 50; ++step) {
    {
      const Tensor loss = mse_loss(matmul(silu(X), w), Y);
      autograd::backward(loss);
    }
    {
      no_grad guard;
      ops::copy_(w, ops::sub(w, ops::mul(grad_of(w), 0.1)));
    }
    zero_grad(w);
    CHECK(Node::live_count() == nodes_before);
    const size_t bytes = cpu::host_allocator().stats().allocated_bytes;
    if (step == 0) bytes_after_first = bytes;
    CHECK(bytes == bytes_after_first);
  }
}

TEST_CASE("the first gradient is kept without a copy only when nothing else can see it", "[autograd][engine]") {
  // y = x + 0 passes the seed gradient straight to x: the caller still holds it, so
  // x.grad must be a copy, unchanged when the caller later writes into the seed.
  const Tensor x = requires_grad_(tensor({1.f, 2.f, 3.f}));
  const Tensor seed = tensor({5.f, 6.f, 7.f});
  autograd::backward(add(x, 0.0), seed);
  ops::fill_(seed, -1.0);
  CHECK(grad_of(x).to_vector<float>() == std::vector<float>{5, 6, 7});
  // w's gradient is a fresh matmul result that only the engine holds: kept as is, and
  // a second backward still accumulates into it correctly.
  const Tensor w = requires_grad_(tensor({1.f, 2.f, 3.f, 4.f}, {2, 2}));
  const Tensor a = tensor({1.f, 0.f, 0.f, 1.f}, {2, 2});
  autograd::backward(sum(matmul(a, w)));
  autograd::backward(sum(matmul(a, w)));
  CHECK(grad_of(w).to_vector<float>() == std::vector<float>{2, 2, 2, 2});
}
