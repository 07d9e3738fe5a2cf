#include "helpers.h"

using namespace rill;
using rill::test::gradcheck_module;
using rill::test::pattern;
using rill::test::require_close;
using rill::test::values;

#define REQUIRE_OK(result)    \
  do {                        \
    const auto r_ = (result); \
    INFO(r_.report);          \
    REQUIRE(r_.ok);           \
  } while (0)

TEST_CASE("Linear: forward by hand, PyTorch's default init bounds, gradcheck", "[nn][layers]") {
  nn::Linear lin(3, 2);
  CHECK(lin.weight.shape() == Shape{2, 3});
  const double bound = 1 / std::sqrt(3.0);
  for (double w : values(lin.weight)) CHECK(std::abs(w) <= bound);
  for (double b : values(lin.bias)) CHECK(std::abs(b) <= bound);
  ops::copy_(lin.weight, tensor({1.f, 2.f, 3.f, -1.f, 0.f, 1.f}, {2, 3}));
  ops::copy_(lin.bias, tensor({0.5f, -0.5f}));
  require_close(lin(tensor({1.f, 1.f, 2.f}, {1, 3})), {1 + 2 + 6 + 0.5, -1 + 0 + 2 - 0.5});
  REQUIRE_OK(gradcheck_module(
      lin, [&](const Tensor& x) { return lin(x); }, rill::test::leaf({4, 3})));
  nn::Linear no_bias(3, 2, false);
  CHECK(no_bias.parameters().size() == 1);
}

TEST_CASE("init functions have the documented bounds and spreads", "[nn][init]") {
  Generator gen(5);
  const Tensor w = empty({400, 250});  // fan_in 250, fan_out 400
  nn::init::kaiming_uniform_(w, 0.0, &gen);
  const double kb = std::sqrt(2.0) * std::sqrt(3.0 / 250);
  CHECK(ops::max(ops::abs(w)).item() <= kb);
  CHECK(ops::var(w).item() == Approx(kb * kb / 3).epsilon(0.02));  // U(-b, b) has variance b^2 / 3
  nn::init::kaiming_normal_(w, 0.0, &gen);
  CHECK(ops::var(w).item() == Approx(2.0 / 250).epsilon(0.02));
  nn::init::xavier_uniform_(w, 1.0, &gen);
  CHECK(ops::max(ops::abs(w)).item() <= std::sqrt(6.0 / 650));
  nn::init::xavier_normal_(w, 1.0, &gen);
  CHECK(ops::var(w).item() == Approx(2.0 / 650).epsilon(0.02));
  nn::init::constant_(w, 0.25);
  CHECK(ops::min(w).item() == 0.25);
  const Tensor conv_w = empty({8, 4, 3, 3});
  CHECK(nn::init::fan_in_and_out(conv_w) == std::pair<int64_t, int64_t>{36, 72});
}

TEST_CASE("Conv2d: shapes, default init, gradcheck", "[nn][layers]") {
  nn::Conv2d conv(2, 3, 3, {2, 1, 1});
  const double bound = 1 / std::sqrt(2.0 * 9);
  for (double w : values(conv.weight)) CHECK(std::abs(w) <= bound);
  CHECK(conv(zeros({1, 2, 7, 7})).shape() == Shape{1, 3, 4, 4});
  REQUIRE_OK(gradcheck_module(
      conv, [&](const Tensor& x) { return conv(x); }, rill::test::leaf({1, 2, 5, 5})));
}

TEST_CASE("GroupNorm, LayerNorm: init and gradcheck", "[nn][layers]") {
  nn::GroupNorm gn(2, 4);
  CHECK(values(gn.weight) == std::vector<double>(4, 1.0));
  CHECK(values(gn.bias) == std::vector<double>(4, 0.0));
  REQUIRE_OK(gradcheck_module(
      gn, [&](const Tensor& x) { return gn(x); }, rill::test::leaf({2, 4, 3})));
  nn::LayerNorm ln({5});
  REQUIRE_OK(gradcheck_module(
      ln, [&](const Tensor& x) { return ln(x); }, rill::test::leaf({3, 5})));
  REQUIRE_ERROR(nn::GroupNorm(3, 4), "GroupNorm: 4 channels cannot be split into 3 groups");
}

TEST_CASE("RMSNorm: init, gradcheck of input and weight, and a network built with it", "[nn][layers]") {
  nn::RMSNorm norm(5);
  CHECK(values(norm.weight) == std::vector<double>(5, 1.0));
  CHECK(norm.named_parameters().size() == 1);
  ops::copy_(norm.weight, ops::to(pattern({5}, DType::Float64, 1.5), DType::Float32));  // a non-trivial weight
  REQUIRE_OK(gradcheck_module(
      norm, [&](const Tensor& x) { return norm(x); }, rill::test::leaf({3, 5})));
  REQUIRE_OK(gradcheck_module(
      norm, [&](const Tensor& x) { return norm(x); }, rill::test::leaf({2, 2, 5})));
  // In a model: Linear -> RMSNorm -> SiLU -> Linear, the whole network by gradcheck.
  manual_seed(0);
  nn::Sequential net;
  net.push_back(std::make_shared<nn::Linear>(3, 6));
  net.push_back(std::make_shared<nn::RMSNorm>(6));
  net.push_back(std::make_shared<nn::SiLU>());
  net.push_back(std::make_shared<nn::Linear>(6, 2));
  REQUIRE_OK(gradcheck_module(
      net, [&](const Tensor& x) { return net(x); }, rill::test::leaf({4, 3})));
  REQUIRE_ERROR(nn::RMSNorm(0), "RMSNorm: dim must be >= 1, got 0");
}

TEST_CASE("activations, dropout, upsample and pooling modules", "[nn][layers]") {
  const Tensor x = tensor({-1.f, 0.5f});
  require_close(nn::SiLU()(x), {-1 / (1 + std::exp(1.0)), 0.5 / (1 + std::exp(-0.5))}, 1e-6);
  require_close(nn::ReLU()(x), {0, 0.5});
  require_close(nn::Tanh()(x), {std::tanh(-1.0), std::tanh(0.5)}, 1e-6);
  require_close(nn::Softplus()(x), {std::log1p(std::exp(-1.0)), std::log1p(std::exp(0.5))}, 1e-6);
  require_close(nn::GELU()(x),
                {-0.5 * (1 + std::erf(-1 / std::sqrt(2.0))), 0.25 * (1 + std::erf(0.5 / std::sqrt(2.0)))}, 1e-6);
  Generator gen(0);
  nn::Dropout drop(0.5, &gen);
  const auto kept = values(drop(ones({1000})));
  for (double v : kept) CHECK((v == 0 || v == 2));
  drop.eval();
  CHECK(values(drop(ones({3}))) == std::vector<double>{1, 1, 1});
  CHECK(nn::Upsample(2)(zeros({1, 1, 3, 3})).shape() == Shape{1, 1, 6, 6});
  require_close(nn::AvgPool2d(2)(ops::reshape(arange(4), {1, 1, 2, 2})), {1.5});
}

TEST_CASE("Embedding and the sinusoidal time embedding", "[nn][layers]") {
  nn::Embedding emb(5, 3);
  const Tensor out = emb(tensor(std::vector<int64_t>{4, 0, 4}));
  CHECK(out.shape() == Shape{3, 3});
  require_close(ops::select(out, 0, 2), values(ops::select(emb.weight, 0, 4)));
  REQUIRE_OK(gradcheck_module(
      emb,
      [&](const Tensor& x) {
        return x * emb(tensor(std::vector<int64_t>{1, 1, 3}));
      },
      rill::test::leaf({3, 3})));

  nn::SinusoidalTimeEmbedding te(4);  // freqs exp(-ln(1e4) i / 2) = 1, 1e-2; args 1000 t freq
  const Tensor e = te(tensor(std::vector<double>{0.0, 0.001}));
  CHECK(e.shape() == Shape{2, 4});
  require_close(e, {0, 0, 1, 1, std::sin(1.0), std::sin(0.01), std::cos(1.0), std::cos(0.01)}, 1e-12);
  REQUIRE_ERROR(nn::SinusoidalTimeEmbedding(3), "SinusoidalTimeEmbedding: dim must be positive and even, got 3");
}

TEST_CASE("SelfAttention2d matches a naive float64 attention and passes gradcheck", "[nn][layers]") {
  manual_seed(3);
  nn::SelfAttention2d attn(4, 2, 2);
  attn.to(DType::Float64);
  const Tensor x = pattern({1, 4, 2, 3});
  // Naive reference: per head, scores over the 6 positions.
  const Tensor h = ops::group_norm(x, 2, detach(attn.norm->weight), detach(attn.norm->bias)).y;
  const Tensor qkv =
      ops::reshape(ops::add(ops::matmul(ops::reshape(detach(attn.qkv->weight), {12, 4}), ops::reshape(h, {4, 6})),
                            ops::reshape(detach(attn.qkv->bias), {12, 1})),
                   {12, 6});
  const auto q = values(qkv);
  std::vector<double> out(4 * 6, 0.0);
  for (int head = 0; head < 2; ++head)
    for (int i = 0; i < 6; ++i) {
      std::vector<double> s(6);
      double z = 0;
      for (int j = 0; j < 6; ++j) {
        double dot = 0;
        for (int c = 0; c < 2; ++c) dot += q[(head * 2 + c) * 6 + i] * q[(4 + head * 2 + c) * 6 + j];
        s[j] = std::exp(dot / std::sqrt(2.0));
        z += s[j];
      }
      for (int c = 0; c < 2; ++c)
        for (int j = 0; j < 6; ++j) out[(head * 2 + c) * 6 + i] += s[j] / z * q[(8 + head * 2 + c) * 6 + j];
    }
  const Tensor projected = ops::add(ops::matmul(ops::reshape(detach(attn.proj->weight), {4, 4}), tensor(out, {4, 6})),
                                    ops::reshape(detach(attn.proj->bias), {4, 1}));
  require_close(attn(x), values(ops::add(ops::reshape(x, {4, 6}), projected)), 1e-12);
  REQUIRE_OK(gradcheck_module(
      attn, [&](const Tensor& in) { return attn(in); }, rill::test::leaf({1, 4, 2, 2})));
}
