#include "helpers.h"

using namespace rill;
using rill::test::require_close;
using rill::test::values;

namespace {
std::vector<std::string> names(const std::vector<nn::NamedTensor>& named) {
  std::vector<std::string> out;
  for (const auto& [n, t] : named) out.push_back(n);
  return out;
}
}  // namespace

TEST_CASE("modules name parameters with dotted paths in registration order", "[nn][module]") {
  nn::MLP mlp(2, 16);
  CHECK(names(mlp.named_parameters()) == std::vector<std::string>{"net.0.weight", "net.0.bias", "net.2.weight",
                                                                  "net.2.bias", "net.4.weight", "net.4.bias",
                                                                  "net.6.weight", "net.6.bias"});
  CHECK(mlp.parameters().size() == 8);
  for (const Tensor& p : mlp.parameters()) CHECK(requires_grad(p));
  CHECK(mlp.num_parameters() == 3 * 16 + 16 + 2 * (16 * 16 + 16) + 16 * 2 + 2);
}

TEST_CASE("state_dict round trip, and load_state_dict refuses mismatches listing the keys", "[nn][module]") {
  manual_seed(1);
  nn::MLP a(2, 8);
  manual_seed(2);
  nn::MLP b(2, 8);
  CHECK(values(a.net->parameters()[0]) != values(b.net->parameters()[0]));
  b.load_state_dict(a.state_dict());
  for (size_t i = 0; i < a.parameters().size(); ++i) CHECK(values(a.parameters()[i]) == values(b.parameters()[i]));
  // Loading writes in place: handles held elsewhere see the new values.
  nn::StateDict state = a.state_dict();
  state.erase(state.begin());  // drop net.0.weight
  state.emplace_back("extra.weight", zeros({1}));
  state[0].second = zeros({3});  // net.0.bias with the wrong shape
  const std::vector<double> before = values(b.parameters()[1]);
  REQUIRE_ERROR(b.load_state_dict(state),
                "load_state_dict: state dict does not match the model; missing keys: [net.0.weight]; unexpected keys: "
                "[extra.weight]; shape or dtype mismatches: [net.0.bias (checkpoint float32 [3], model float32 [8])]");
  CHECK(values(b.parameters()[1]) == before);  // nothing changed
}

TEST_CASE("train/eval propagate - zero_grad - to(dtype) keeps handles valid", "[nn][module]") {
  nn::Sequential seq({std::make_shared<nn::Linear>(3, 4), std::make_shared<nn::Dropout>(0.5)});
  CHECK(seq.is_training());
  seq.eval();
  CHECK_FALSE(seq[1].is_training());
  const Tensor x = ones({2, 3});
  const Tensor y1 = seq(x), y2 = seq(x);
  CHECK(values(y1) == values(y2));  // dropout off in eval
  autograd::backward(sum(seq(x)));
  CHECK(grad_of(seq.parameters()[0]).defined());
  seq.zero_grad();
  CHECK_FALSE(grad_of(seq.parameters()[0]).defined());
  const Tensor handle = seq.parameters()[0];
  seq.to(DType::Float64);
  CHECK(handle.dtype() == DType::Float64);
  CHECK(requires_grad(handle));
  CHECK(seq(ones({2, 3}, DType::Float64)).dtype() == DType::Float64);
}
