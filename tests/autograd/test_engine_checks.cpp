// The engine checks every gradient a backward returns: one per input, each with its
// input's shape, dtype and device (as recorded on the node's edges in the forward
// pass). Each case records a hand-written node that breaks one of these rules; the
// error must name the node and what was wrong.
#include "helpers.h"

using namespace rill;
using rill::test::leaf;
using rill::test::require_close;

namespace {

// A node whose backward returns whatever `grads` computes from g.
struct ScriptedBackward : Node {
  std::function<std::vector<Tensor>(const Tensor&)> grads;
  std::string name() const override { return "ScriptedBackward"; }
  std::vector<Tensor> backward(const Tensor& g) override { return grads(g); }
};

// y = x0 + x1 + ... (all of one shape), recorded with the given backward.
std::shared_ptr<ScriptedBackward> scripted_sum(const std::vector<Tensor>& xs, Tensor& y,
                                               std::function<std::vector<Tensor>(const Tensor&)> grads) {
  y = ops::clone(xs[0]);
  for (size_t i = 1; i < xs.size(); ++i) y = ops::add(y, xs[i]);
  auto node = record<ScriptedBackward>(y, xs);
  node->grads = std::move(grads);
  return node;
}

}  // namespace

TEST_CASE("backward must return exactly one gradient per input", "[autograd][engine]") {
  const Tensor a = leaf({2}), b = leaf({2});
  Tensor y;
  scripted_sum({a, b}, y, [](const Tensor& g) { return std::vector<Tensor>{g}; });
  REQUIRE_ERROR(autograd::backward(sum(y)), "backward: ScriptedBackward returned 1 gradients for its 2 inputs");
  scripted_sum({a}, y, [](const Tensor& g) { return std::vector<Tensor>{g, g}; });
  REQUIRE_ERROR(autograd::backward(sum(y)), "backward: ScriptedBackward returned 2 gradients for its 1 inputs");
  scripted_sum({a, b}, y, [](const Tensor&) { return std::vector<Tensor>{}; });
  REQUIRE_ERROR(autograd::backward(sum(y)), "backward: ScriptedBackward returned 0 gradients for its 2 inputs");
  // Control: the right count, one of them undefined (= zero), is accepted.
  zero_grad(a), zero_grad(b);
  scripted_sum({a, b}, y, [](const Tensor& g) { return std::vector<Tensor>{g, Tensor()}; });
  autograd::backward(sum(y));
  require_close(grad_of(a), {1, 1});
  CHECK_FALSE(grad_of(b).defined());
}

TEST_CASE("backward must return gradients of the input's shape", "[autograd][engine]") {
  const Tensor a = leaf({2, 3});
  Tensor y;
  scripted_sum({a}, y, [](const Tensor& g) { return std::vector<Tensor>{ops::sum(g, {0})}; });
  REQUIRE_ERROR(autograd::backward(sum(y)),
                "backward: ScriptedBackward returned a gradient of shape [3] for input 0 of shape [2, 3]");
  // Also for an input that needs no gradient (it would be dropped, but the backward is wrong).
  const Tensor c = rill::test::pattern({2, 3});
  scripted_sum({a, c}, y, [](const Tensor& g) { return std::vector<Tensor>{g, ops::reshape(g, {3, 2})}; });
  REQUIRE_ERROR(autograd::backward(sum(y)),
                "backward: ScriptedBackward returned a gradient of shape [3, 2] for input 1 of shape [2, 3]");
}

TEST_CASE("backward must return gradients of the input's dtype and device", "[autograd][engine]") {
  const Tensor a = leaf({3});
  Tensor y;
  auto node = scripted_sum({a}, y, [](const Tensor& g) { return std::vector<Tensor>{ops::to(g, DType::Float32)}; });
  // The edge records what the gradient is checked against.
  CHECK(node->next[0].dtype == DType::Float64);
  CHECK(node->next[0].device == Device::cpu());
  REQUIRE_ERROR(
      autograd::backward(sum(y)),
      "backward: ScriptedBackward returned a gradient of dtype float32 on cpu for input 0, which is float64 on cpu");
  CHECK_FALSE(grad_of(a).defined());  // nothing reached the leaf
  // Device: with no GPU at hand, the input is declared to live on cuda:0 on its edge
  // (what connect() would record for a CUDA input); the CPU gradient must be refused.
  node = scripted_sum({a}, y, [](const Tensor& g) { return std::vector<Tensor>{g}; });
  node->next[0].device = Device::cuda(0);
  REQUIRE_ERROR(
      autograd::backward(sum(y)),
      "backward: ScriptedBackward returned a gradient of dtype float64 on cpu for input 0, which is float64 on cuda:0");
  // Control: the same node with the edge as recorded passes the gradient through.
  node = scripted_sum({a}, y, [](const Tensor& g) { return std::vector<Tensor>{g}; });
  autograd::backward(sum(y));
  require_close(grad_of(a), {1, 1, 1});
}
