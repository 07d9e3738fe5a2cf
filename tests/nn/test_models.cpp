#include "helpers.h"

using namespace rill;
using rill::test::values;

TEST_CASE("the reference MLP: parameter count and shapes", "[nn][models]") {
  nn::MLP mlp;
  CHECK(mlp.num_parameters() == 133122);
  CHECK(mlp(zeros({5}), zeros({5, 2})).shape() == Shape{5, 2});
  CHECK(mlp(zeros({5, 1}), zeros({5, 2})).shape() == Shape{5, 2});
  REQUIRE_ERROR(mlp(zeros({5}), zeros({5, 3})), "MLP: expected x [B, 2], got shape [5, 3]");
}

TEST_CASE("the reference U-Net: parameter counts, shapes, names", "[nn][models]") {
  nn::UNet mnist;
  CHECK(mnist.num_parameters() == 1062497);
  nn::UNetConfig cond_cfg;
  cond_cfg.num_classes = 10;
  nn::UNet conditional(cond_cfg);
  CHECK(conditional.num_parameters() == 1063905);
  nn::UNetConfig rgb_cfg;
  rgb_cfg.in_ch = 3;
  nn::UNet cifar(rgb_cfg);
  CHECK(cifar.num_parameters() == 1063651);

  const auto named = mnist.named_parameters();
  CHECK(named.front().first == "time_mlp.0.weight");
  CHECK(named[4].first == "conv_in.weight");
  CHECK(named.back().first == "conv_out.bias");
  // The output conv starts at zero, so the untrained field is 0 everywhere.
  const Tensor v = mnist(rand({2}), randn({2, 1, 28, 28}));
  CHECK(v.shape() == Shape{2, 1, 28, 28});
  CHECK(ops::max(ops::abs(v)).item() == 0);
  CHECK(cifar(rand({2}), randn({2, 3, 32, 32})).shape() == Shape{2, 3, 32, 32});
  REQUIRE_ERROR(mnist(zeros({1}), zeros({1, 1, 30, 30})), "UNet: image size 30x30 must be divisible by 4");
  REQUIRE_ERROR(mnist(zeros({1}), zeros({1, 1, 28, 28}), tensor(std::vector<int64_t>{1})),
                "UNet: labels given to an unconditional network");
}

TEST_CASE("the U-Net with a second time (MeanFlow): count, names, the interval matters", "[nn][models]") {
  nn::UNetConfig cfg;
  cfg.times = 2;
  nn::UNet u(cfg);
  // The interval's MLP: Linear(32, 128) + Linear(128, 128) = 4,224 + 16,512 more than 1,062,497.
  CHECK(u.num_parameters() == 1062497 + 20736);
  bool named = false;
  for (const auto& [name, p] : u.named_parameters()) named = named || name == "interval_mlp.2.bias";
  CHECK(named);
  for (auto& [name, p] : u.named_parameters())
    if (name == "conv_out.weight") nn::init::normal_(p, 0, 0.1);  // make the output depend on the input
  const Tensor x = randn({2, 1, 28, 28}), t = tensor(std::vector<float>{0.2f, 0.5f});
  const Tensor r1 = tensor(std::vector<float>{0.2f, 0.5f}), r2 = tensor(std::vector<float>{0.9f, 1.0f});
  CHECK(u(t, r1, x, {}).shape() == Shape{2, 1, 28, 28});
  CHECK(values(u(t, r1, x, {})) != values(u(t, r2, x, {})));  // r enters the field
  REQUIRE_ERROR(u(t, x), "UNet: this model takes two times (u(t, r, x), MeanFlow); call forward(t, r, x, labels)");
  REQUIRE_ERROR(u(t, zeros({3}), x, {}), "UNet: expected r [2], got shape [3]");
  nn::UNet one_time;
  REQUIRE_ERROR(one_time(t, r1, x, {}), "UNet: this model takes one time (v(t, x)); call forward(t, x, labels)");
  cfg.times = 3;
  REQUIRE_ERROR(nn::UNet{cfg}, "UNet: times must be 1 (v(t, x)) or 2 (u(t, r, x)), got 3");
}

TEST_CASE("the conditional U-Net's null label is the default and labels matter", "[nn][models]") {
  nn::UNetConfig cfg;
  cfg.num_classes = 10;
  cfg.base = 16;
  cfg.groups = 4;
  nn::UNet net(cfg);
  nn::init::normal_(net.named_parameters().back().second, 0, 0.1);  // make the output depend on the input
  for (auto& [name, p] : net.named_parameters())
    if (name == "conv_out.weight") nn::init::normal_(p, 0, 0.1);
  const Tensor x = randn({2, 1, 28, 28}), t = rand({2});
  const Tensor null = tensor(std::vector<int64_t>{10, 10});
  CHECK(values(net(t, x)) == values(net(t, x, null)));  // missing label = null label
  CHECK(values(net(t, x, tensor(std::vector<int64_t>{3, 3}))) != values(net(t, x, null)));  // a label changes the field
  REQUIRE_ERROR(net(t, x, tensor(std::vector<int64_t>{11, 0})),
                "index_select: index values span [0, 11], out of range for dimension 0 of size 11");
}
