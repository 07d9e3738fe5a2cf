// Every derivative of every differentiable op: the backward (gradcheck) and the tangent
// rule (jvpcheck), each against float64 central differences, and the two against each
// other (adjointcheck: <u, J v> = <J^T u, v>), including broadcasting and
// non-contiguous (view) inputs.
#include <optional>

#include "helpers.h"

using namespace rill;
using rill::test::leaf;
using rill::test::pattern;
using rill::test::require_close;
using rill::test::values;

using Inputs = std::vector<Tensor>;

namespace {

Tensor positive(const Tensor& x) { return add(abs(x), 0.5); }

// The differentiable function of every unary op of the table (tensor/elementwise_ops.h),
// on inputs in its domain. No default: -Wswitch names an op added to the table without a
// gradcheck here, and the test below fails on it.
using UnaryFn = Tensor (*)(const Tensor&);
UnaryFn differentiable(UnaryOp op) {
  switch (op) {
    case UnaryOp::Neg:
      return [](const Tensor& x) { return neg(x); };
    case UnaryOp::Abs:
      return [](const Tensor& x) { return abs(x); };
    case UnaryOp::Sign:
      return [](const Tensor& x) { return sign(x); };  // gradient 0
    case UnaryOp::Exp:
      return [](const Tensor& x) { return exp(x); };
    case UnaryOp::Log:
      return [](const Tensor& x) { return log(positive(x)); };
    case UnaryOp::Sqrt:
      return [](const Tensor& x) { return sqrt(positive(x)); };
    case UnaryOp::Rsqrt:
      return [](const Tensor& x) { return rsqrt(positive(x)); };
    case UnaryOp::Sin:
      return [](const Tensor& x) { return sin(x); };
    case UnaryOp::Cos:
      return [](const Tensor& x) { return cos(x); };
    case UnaryOp::Tanh:
      return [](const Tensor& x) { return tanh(x); };
    case UnaryOp::Erf:
      return [](const Tensor& x) { return erf(x); };
    case UnaryOp::Sigmoid:
      return [](const Tensor& x) { return sigmoid(x); };
    case UnaryOp::Relu:
      return [](const Tensor& x) { return relu(x); };
    case UnaryOp::Silu:
      return [](const Tensor& x) { return silu(x); };
    case UnaryOp::Gelu:
      return [](const Tensor& x) { return gelu(x); };
    case UnaryOp::Softplus:
      return [](const Tensor& x) { return softplus(x); };
    case UnaryOp::Pow:
      return [](const Tensor& x) { return pow(positive(x), 2.5); };
  }
  return nullptr;
}

// The same for the binary ops; `none` says why an op has no gradient.
struct BinaryGradient {
  Tensor (*f)(const Tensor&, const Tensor&) = nullptr;
  const char* none = nullptr;
};
std::optional<BinaryGradient> differentiable(BinaryOp op) {
  constexpr const char* comparison = "comparisons have no gradient (autograd/binary.h)";
  switch (op) {
    case BinaryOp::Add:
      return BinaryGradient{[](const Tensor& a, const Tensor& b) { return add(a, b); }};
    case BinaryOp::Sub:
      return BinaryGradient{[](const Tensor& a, const Tensor& b) { return sub(a, b); }};
    case BinaryOp::Mul:
      return BinaryGradient{[](const Tensor& a, const Tensor& b) { return mul(a, b); }};
    case BinaryOp::Div:
      return BinaryGradient{[](const Tensor& a, const Tensor& b) { return div(a, positive(b)); }};
    case BinaryOp::Pow:
      return BinaryGradient{[](const Tensor& a, const Tensor& b) { return pow(positive(a), b); }};
    case BinaryOp::Maximum:
      return BinaryGradient{[](const Tensor& a, const Tensor& b) { return maximum(a, b); }};
    case BinaryOp::Minimum:
      return BinaryGradient{[](const Tensor& a, const Tensor& b) { return minimum(a, b); }};
    case BinaryOp::Eq:
    case BinaryOp::Ne:
    case BinaryOp::Lt:
    case BinaryOp::Le:
    case BinaryOp::Gt:
    case BinaryOp::Ge:
      return BinaryGradient{nullptr, comparison};
    case BinaryOp::SiluBackward:
      return BinaryGradient{nullptr, "silu's backward kernel: the silu gradcheck covers it"};
  }
  return std::nullopt;
}

}  // namespace

// Every op of the table, without a list here: a new op fails this test until it has a
// differentiable function above.
TEST_CASE("gradcheck: unary ops", "[autograd][ops]") {
  for (UnaryOp op : kUnaryOps) {
    SECTION(op_name(op)) {
      const UnaryFn f = differentiable(op);
      INFO("no differentiable function for " << op_name(op) << " in this file");
      REQUIRE(f != nullptr);
      // On a contiguous input and on a transposed view of it.
      REQUIRE_DERIVATIVES([f](const Inputs& in) { return f(in[0]); }, {leaf({3, 4}, 1.5)});
      REQUIRE_DERIVATIVES([f](const Inputs& in) { return f(transpose(in[0], 0, 1)); }, {leaf({3, 4}, 1.5)});
    }
  }
  SECTION("square, clamp and sign") {
    REQUIRE_DERIVATIVES([](const Inputs& in) { return square(in[0]); }, {leaf({3, 4}, 1.5)});
    REQUIRE_DERIVATIVES([](const Inputs& in) { return clamp(in[0], -0.3, 0.4); }, {leaf({8})});
    require_close(autograd::grad({sum(sign(leaf({3})))}, {leaf({3})})[0], {0, 0, 0});
  }
}

TEST_CASE("gradcheck: binary ops with broadcasting and strided inputs", "[autograd][ops]") {
  for (BinaryOp op : kBinaryOps) {
    SECTION(op_name(op)) {
      const std::optional<BinaryGradient> d = differentiable(op);
      INFO("no entry for " << op_name(op) << " in this file's differentiable()");
      REQUIRE(d.has_value());
      if (const auto f = d->f) {
        REQUIRE_DERIVATIVES([f](const Inputs& in) { return f(in[0], in[1]); }, {leaf({4, 1, 3}), leaf({2, 1}, 0.7)});
        REQUIRE_DERIVATIVES([f](const Inputs& in) { return f(transpose(in[0], 0, 1), in[1]); },
                          {leaf({3, 2}), leaf({3}, 0.6)});
      } else {
        CHECK(d->none != nullptr);  // no gradient, on purpose and with a reason
      }
    }
  }
  SECTION("operators with scalars") {
    REQUIRE_DERIVATIVES(
        [](const Inputs& in) { return (2.0 - in[0]) * 3.0 / (in[0] * in[0] + 1.0) + 1.0 / (in[0] * in[0] + 2.0); },
        {leaf({4})});
  }
  SECTION("where") {
    const Tensor cond = ops::gt(pattern({3, 4}), zeros({}, DType::Float64));
    REQUIRE_DERIVATIVES([&](const Inputs& in) { return where(cond, in[0], in[1]); }, {leaf({3, 4}), leaf({4}, 0.5)});
  }
}

TEST_CASE("gradcheck: reductions and softmax", "[autograd][ops]") {
  const Tensor x = leaf({2, 3, 4});
  for (const ops::Axes& axes : std::vector<ops::Axes>{{}, {0}, {1, 2}, {-1}}) {
    INFO("axes " << shape_str(axes));
    REQUIRE_DERIVATIVES([&](const Inputs& in) { return sum(in[0], axes); }, {x});
    REQUIRE_DERIVATIVES([&](const Inputs& in) { return mean(in[0], axes, true); }, {x});
    REQUIRE_DERIVATIVES([&](const Inputs& in) { return max(in[0], axes); }, {x});
    REQUIRE_DERIVATIVES([&](const Inputs& in) { return min(in[0], axes, true); }, {x});
    REQUIRE_DERIVATIVES([&](const Inputs& in) { return var(in[0], axes); }, {x});
    REQUIRE_DERIVATIVES([&](const Inputs& in) { return var(in[0], axes, 0); }, {x});
  }
  for (int64_t dim : {0, 1, -1}) {
    REQUIRE_DERIVATIVES([&](const Inputs& in) { return softmax(in[0], dim); }, {x});
    REQUIRE_DERIVATIVES([&](const Inputs& in) { return log_softmax(permute(in[0], {2, 0, 1}), dim); }, {x});
    REQUIRE_DERIVATIVES([&](const Inputs& in) { return logsumexp(in[0], dim, dim == 0); }, {x});
  }
  // Ties in max share the gradient evenly.
  const Tensor t = requires_grad_(tensor(std::vector<double>{1, 3, 3, 2}));
  autograd::backward(max(t));
  require_close(grad_of(t), {0, 0.5, 0.5, 0});
}

TEST_CASE("gradcheck: views and copies", "[autograd][ops]") {
  const Tensor x = leaf({2, 3, 4});
  REQUIRE_DERIVATIVES([](const Inputs& in) { return reshape(in[0], {4, -1}) * 2.0; }, {x});
  REQUIRE_DERIVATIVES([](const Inputs& in) { return reshape(transpose(in[0], 0, 2), {-1}); }, {x});  // copies
  REQUIRE_DERIVATIVES([](const Inputs& in) { return view(in[0], {6, 4}); }, {x});
  REQUIRE_DERIVATIVES([](const Inputs& in) { return flatten(permute(in[0], {1, 2, 0}), 1); }, {x});
  REQUIRE_DERIVATIVES([](const Inputs& in) { return squeeze(unsqueeze(in[0], 1), 1) * 1.5; }, {x});
  REQUIRE_DERIVATIVES([](const Inputs& in) { return expand(unsqueeze(in[0], 0), {3, 2, 3, 4}); }, {x});
  REQUIRE_DERIVATIVES([](const Inputs& in) { return narrow(in[0], 2, 1, 2); }, {x});
  REQUIRE_DERIVATIVES([](const Inputs& in) { return slice(in[0], 2, -3, 100, 2); }, {x});
  REQUIRE_DERIVATIVES([](const Inputs& in) { return select(in[0], 1, -1); }, {x});
  REQUIRE_DERIVATIVES([](const Inputs& in) { return contiguous(transpose(in[0], 1, 2)); }, {x});
  REQUIRE_DERIVATIVES([](const Inputs& in) { return clone(in[0]) * clone(in[0]); }, {x});
  REQUIRE_DERIVATIVES([](const Inputs& in) { return to(to(in[0], DType::Float32), DType::Float64); }, {leaf({3}, 0.25)},
                    GradcheckOptions{1e-3, 1e-4, 1e-3, 1e-6});  // float32 round trip: coarser
}

TEST_CASE("gradcheck: matmul and linear", "[autograd][ops]") {
  REQUIRE_DERIVATIVES([](const Inputs& in) { return matmul(in[0], in[1]); }, {leaf({3, 4}), leaf({4, 2}, 0.5)});
  REQUIRE_DERIVATIVES([](const Inputs& in) { return matmul(transpose(in[0], 0, 1), transpose(in[1], 0, 1)); },
                    {leaf({4, 3}), leaf({2, 4}, 0.5)});
  REQUIRE_DERIVATIVES([](const Inputs& in) { return matmul(in[0], in[1]); }, {leaf({2, 1, 3, 4}), leaf({3, 4, 2}, 0.5)});
  REQUIRE_DERIVATIVES([](const Inputs& in) { return matmul(in[0], in[1]); }, {leaf({4}), leaf({2, 4, 3}, 0.5)});
  REQUIRE_DERIVATIVES([](const Inputs& in) { return matmul(in[0], in[1]); }, {leaf({3, 4}), leaf({4}, 0.5)});
  REQUIRE_DERIVATIVES([](const Inputs& in) { return linear(in[0], in[1], in[2]); },
                    {leaf({5, 3}), leaf({2, 3}, 0.5), leaf({2})});
  REQUIRE_DERIVATIVES([](const Inputs& in) { return linear(in[0], in[1]); }, {leaf({2, 5, 3}), leaf({4, 3}, 0.5)});
  REQUIRE_DERIVATIVES([](const Inputs& in) { return linear(in[0], in[1], in[2]); },
                    {leaf({3}), leaf({2, 3}, 0.5), leaf({2})});
  REQUIRE_ERROR(linear(zeros({2, 3}), zeros({4, 5})),
                "linear: input of shape [2, 3] does not match weight of shape [4, 5]");
}

TEST_CASE("gradcheck: conv2d with stride, padding, dilation and bias", "[autograd][ops]") {
  for (const Conv2dOptions& o : {Conv2dOptions{1, 1, 1}, Conv2dOptions{2, 1, 1}, Conv2dOptions{1, 0, 2}}) {
    INFO("stride " << o.stride << " padding " << o.padding << " dilation " << o.dilation);
    REQUIRE_DERIVATIVES([&](const Inputs& in) { return conv2d(in[0], in[1], in[2], o); },
                      {leaf({2, 2, 5, 5}), leaf({3, 2, 3, 3}, 0.4), leaf({3})});
  }
  REQUIRE_DERIVATIVES([](const Inputs& in) { return conv2d(in[0], in[1]); }, {leaf({1, 3, 4, 4}), leaf({2, 3, 1, 1})});
  // Forward against the direct definition at one output position.
  const Tensor x = pattern({1, 2, 4, 4}), w = pattern({1, 2, 3, 3}, DType::Float64, 0.5);
  double expected = 0;
  for (int c = 0; c < 2; ++c)
    for (int i = 0; i < 3; ++i)
      for (int j = 0; j < 3; ++j) expected += w.at({0, c, i, j}) * x.at({0, c, 1 + i, 0 + j});
  CHECK(conv2d(x, w).at({0, 0, 1, 0}) == Approx(expected).epsilon(1e-14));
  REQUIRE_ERROR(conv2d(zeros({1, 2, 4, 4}), zeros({1, 3, 3, 3})),
                "conv2d: input has 2 channels but weight [1, 3, 3, 3] expects 3");
}

TEST_CASE("group_norm and layer_norm: fused backward equals the composite and passes gradcheck", "[autograd][ops]") {
  // The composite versions, built from primitive differentiable ops.
  auto group_norm_composite = [](const Tensor& x, int64_t G, const Tensor& w, const Tensor& b) {
    const int64_t N = x.size(0), C = x.size(1);
    const Tensor xg = reshape(x, {N, G, -1});
    const Tensor centered = xg - mean(xg, {2}, true);
    const Tensor xhat = reshape(centered * rsqrt(var(xg, {2}, 0, true) + 1e-5), x.shape());
    Shape per_channel(x.dim(), 1);
    per_channel[1] = C;
    return xhat * reshape(w, per_channel) + reshape(b, per_channel);
  };
  auto layer_norm_composite = [](const Tensor& x, const Tensor& w, const Tensor& b) {
    const Tensor centered = x - mean(x, {-2, -1}, true);
    return centered * rsqrt(var(x, {-2, -1}, 0, true) + 1e-5) * w + b;
  };
  const Tensor x = leaf({2, 4, 3, 3}), w = leaf({4}, 0.7), b = leaf({4}, 0.3);
  // Same forward values, same gradients for a random upstream gradient.
  const Tensor up = pattern({2, 4, 3, 3}, DType::Float64, 0.9);
  const Tensor fused = group_norm(x, 2, w, b), composite = group_norm_composite(x, 2, w, b);
  require_close(fused, values(composite), 1e-12);
  const auto gf = autograd::grad({fused}, {x, w, b}, {up});
  const auto gc = autograd::grad({composite}, {x, w, b}, {up});
  for (int i = 0; i < 3; ++i) require_close(gf[i], values(gc[i]), 1e-11);
  REQUIRE_DERIVATIVES([](const Inputs& in) { return group_norm(in[0], 2, in[1], in[2]); }, {x, w, b});
  REQUIRE_DERIVATIVES([](const Inputs& in) { return group_norm(in[0], 4); }, {leaf({2, 4, 3})});
  REQUIRE_DERIVATIVES([](const Inputs& in) { return group_norm(in[0], 1, Tensor(), in[1]); },
                    {leaf({2, 4, 3}), leaf({4})});
  // The fused silu(group_norm(x)), with and without affine, and with a bias only.
  REQUIRE_DERIVATIVES([](const Inputs& in) { return group_norm_silu(in[0], 2, in[1], in[2]); }, {x, w, b});
  REQUIRE_DERIVATIVES([](const Inputs& in) { return group_norm_silu(in[0], 4); }, {leaf({2, 4, 3})});
  REQUIRE_DERIVATIVES([](const Inputs& in) { return group_norm_silu(in[0], 1, Tensor(), in[1]); },
                    {leaf({2, 4, 3}), leaf({4})});

  const Tensor lx = leaf({3, 2, 5}), lw = leaf({2, 5}, 0.6), lb = leaf({2, 5}, 0.2);
  const Tensor lup = pattern({3, 2, 5}, DType::Float64, 0.8);
  const Tensor lf = layer_norm(lx, {2, 5}, lw, lb), lc = layer_norm_composite(lx, lw, lb);
  require_close(lf, values(lc), 1e-12);
  const auto lgf = autograd::grad({lf}, {lx, lw, lb}, {lup});
  const auto lgc = autograd::grad({lc}, {lx, lw, lb}, {lup});
  for (int i = 0; i < 3; ++i) require_close(lgf[i], values(lgc[i]), 1e-11);
  REQUIRE_DERIVATIVES([](const Inputs& in) { return layer_norm(in[0], {2, 5}, in[1], in[2]); }, {lx, lw, lb});
  REQUIRE_DERIVATIVES([](const Inputs& in) { return layer_norm(in[0], {5}, Tensor(), in[1]); },
                    {leaf({4, 5}), leaf({5})});
}

TEST_CASE("gradcheck: cat, stack, split, index_select, gather, embedding", "[autograd][ops]") {
  REQUIRE_DERIVATIVES([](const Inputs& in) { return cat({in[0], in[1] * 2.0, in[0]}, 1); }, {leaf({2, 3}), leaf({2, 2})});
  REQUIRE_DERIVATIVES([](const Inputs& in) { return stack({in[0], in[1]}, 2); }, {leaf({2, 3}), leaf({2, 3}, 0.5)});
  REQUIRE_DERIVATIVES(
      [](const Inputs& in) {
        const auto parts = split(in[0], 2, 1);  // sizes 2, 2, 1
        return parts[0] * parts[1] + sum(parts[2]);
      },
      {leaf({3, 5})});
  REQUIRE_DERIVATIVES([](const Inputs& in) { return chunk(in[0], 2, 0)[1]; }, {leaf({5, 2})});
  const Tensor index = tensor(std::vector<int64_t>{2, 0, 2, 1});
  REQUIRE_DERIVATIVES([&](const Inputs& in) { return index_select(in[0], 1, index); }, {leaf({2, 3, 2})});
  const Tensor gidx = tensor(std::vector<int64_t>{0, 2, 2, 1, 0, 0}, {2, 3});
  REQUIRE_DERIVATIVES([&](const Inputs& in) { return gather(in[0], 1, gidx); }, {leaf({2, 4})});
  const Tensor tokens = tensor(std::vector<int64_t>{3, 1, 3, 0, 2, 1}, {2, 3});
  const Tensor emb = embedding(leaf({4, 5}), tokens);
  CHECK(emb.shape() == Shape{2, 3, 5});
  REQUIRE_DERIVATIVES([&](const Inputs& in) { return embedding(in[0], tokens); }, {leaf({4, 5})});
}

TEST_CASE("gradcheck: upsample, average pooling", "[autograd][ops]") {
  REQUIRE_DERIVATIVES([](const Inputs& in) { return upsample_nearest2d(in[0], 2); }, {leaf({1, 2, 3, 2})});
  REQUIRE_DERIVATIVES([](const Inputs& in) { return avg_pool2d(in[0], 2); }, {leaf({2, 1, 4, 6})});
  REQUIRE_DERIVATIVES([](const Inputs& in) { return avg_pool2d(in[0], 3, 2, 1); }, {leaf({1, 2, 5, 5})});
}

TEST_CASE("gradcheck: dropout, mse_loss, cross_entropy", "[autograd][ops]") {
  // The same generator state for every evaluation, so the mask stays fixed.
  REQUIRE_DERIVATIVES(
      [](const Inputs& in) {
        Generator gen(3);
        return dropout(in[0], 0.4, true, &gen);
      },
      {leaf({4, 5})});
  Generator gen(3);
  const Tensor d = dropout(ones({10000}, DType::Float64), 0.25, true, &gen);
  const auto dv = values(d);
  const double kept = static_cast<double>(std::count(dv.begin(), dv.end(), 1 / 0.75));
  CHECK(kept + static_cast<double>(std::count(dv.begin(), dv.end(), 0.0)) == 10000);
  CHECK(std::abs(kept / 10000 - 0.75) < 0.02);
  CHECK(dropout(ones({3}), 0.5, false).to_vector<float>() == std::vector<float>{1, 1, 1});

  REQUIRE_DERIVATIVES([](const Inputs& in) { return mse_loss(in[0], in[1]); }, {leaf({3, 2}), leaf({3, 2}, 0.5)});
  const Tensor target = tensor(std::vector<int64_t>{2, 0, 1});
  REQUIRE_DERIVATIVES([&](const Inputs& in) { return cross_entropy(in[0], target); }, {leaf({3, 4}, 2.0)});
  // cross_entropy by hand for one row.
  const Tensor logits = tensor(std::vector<double>{1, 2, 3}, {1, 3});
  CHECK(cross_entropy(logits, tensor(std::vector<int64_t>{0})).item() ==
        Approx(-(1 - std::log(std::exp(1) + std::exp(2) + std::exp(3)))));
  REQUIRE_ERROR(cross_entropy(logits, tensor(std::vector<int64_t>{3})),
                "gather: index values span [3, 3], out of range");
  REQUIRE_ERROR(mse_loss(zeros({2}), zeros({3})), "mse_loss: input shape [2] differs from target shape [3]");
}
