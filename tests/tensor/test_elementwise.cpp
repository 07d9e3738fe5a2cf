#include <functional>
#include <optional>

#include "helpers.h"
#include "tensor/cpu/vecmath.h"

using namespace rill;
using rill::test::pattern;
using rill::test::require_close;
using rill::test::values;

namespace {

// Reference: apply f to every element (in float64) of x's values.
std::vector<double> map(const Tensor& x, const std::function<double(double)>& f) {
  std::vector<double> v = values(x);
  for (double& e : v) e = f(e);
  return v;
}

double sigmoid_ref(double x) { return 1 / (1 + std::exp(-x)); }

// The float64 definition of every op of the table (tensor/elementwise_ops.h), written
// independently of its formula there. No default: -Wswitch names an op added to the
// table without a reference here, and the tests below fail on it ("no reference").
std::optional<double> reference(UnaryOp op, double x, double p) {
  switch (op) {
    case UnaryOp::Neg:
      return -x;
    case UnaryOp::Abs:
      return std::abs(x);
    case UnaryOp::Sign:
      return double((x > 0) - (x < 0));
    case UnaryOp::Exp:
      return std::exp(x);
    case UnaryOp::Log:
      return std::log(x);
    case UnaryOp::Sqrt:
      return std::sqrt(x);
    case UnaryOp::Rsqrt:
      return 1 / std::sqrt(x);
    case UnaryOp::Sin:
      return std::sin(x);
    case UnaryOp::Cos:
      return std::cos(x);
    case UnaryOp::Tanh:
      return std::tanh(x);
    case UnaryOp::Erf:
      return std::erf(x);
    case UnaryOp::Sigmoid:
      return sigmoid_ref(x);
    case UnaryOp::Relu:
      return x > 0 ? x : 0;
    case UnaryOp::Silu:
      return x * sigmoid_ref(x);
    case UnaryOp::Gelu:
      return 0.5 * x * (1 + std::erf(x / std::sqrt(2.0)));
    case UnaryOp::Softplus:
      return std::log(1 + std::exp(x));
    case UnaryOp::Pow:
      return std::pow(x, p);
  }
  return std::nullopt;
}
std::optional<double> reference(BinaryOp op, double a, double b) {
  switch (op) {
    case BinaryOp::Add:
      return a + b;
    case BinaryOp::Sub:
      return a - b;
    case BinaryOp::Mul:
      return a * b;
    case BinaryOp::Div:
      return a / b;
    case BinaryOp::Pow:
      return std::pow(a, b);
    case BinaryOp::Maximum:
      return std::max(a, b);
    case BinaryOp::Minimum:
      return std::min(a, b);
    case BinaryOp::Eq:
      return double(a == b);
    case BinaryOp::Ne:
      return double(a != b);
    case BinaryOp::Lt:
      return double(a < b);
    case BinaryOp::Le:
      return double(a <= b);
    case BinaryOp::Gt:
      return double(a > b);
    case BinaryOp::Ge:
      return double(a >= b);
    case BinaryOp::SiluBackward:
      return a * (sigmoid_ref(b) + b * sigmoid_ref(b) * sigmoid_ref(-b));  // g silu'(x)
  }
  return std::nullopt;
}

// `op` applied elementwise to x's values through its reference.
std::vector<double> unary_ref(UnaryOp op, const Tensor& x, double p) {
  return map(x, [&](double v) { return *reference(op, v, p); });
}
// `op` of a and b, both already of one shape.
std::vector<double> binary_ref(BinaryOp op, const Tensor& a, const Tensor& b) {
  const std::vector<double> av = values(a), bv = values(b);
  std::vector<double> out(av.size());
  for (size_t i = 0; i < av.size(); ++i) out[i] = *reference(op, av[i], bv[i]);
  return out;
}

}  // namespace

// Every op of the table, without a list here: an op added to tensor/elementwise_ops.h is
// tested the moment it compiles (and fails here until it has a reference above).
TEST_CASE("every unary op matches its float64 definition on contiguous and strided inputs", "[tensor][elementwise]") {
  const double p = 1.7;  // Pow's exponent; the other ops ignore it
  for (UnaryOp op : kUnaryOps) {
    SECTION(op_name(op)) {
      INFO("no float64 reference for " << op_name(op) << " in this file");
      REQUIRE(reference(op, 0.5, p).has_value());
      // Both signs, then positive values for the ops defined on x > 0 only (log, sqrt,
      // rsqrt, pow): NaN for negative x on both sides, which require_close accepts.
      const Tensor mixed = pattern({5, 6}, DType::Float64, 2.0);
      for (const Tensor& x : {mixed, ops::add(ops::abs(mixed), 0.1)}) {
        require_close(ops::unary(op, x, p), unary_ref(op, x, p), 1e-14);
        // Strided: the transpose of x, through the generic loop.
        const Tensor t = ops::transpose(x, 0, 1);
        require_close(ops::unary(op, t, p), unary_ref(op, ops::contiguous(t), p), 1e-14);
        // float32 agrees with the float64 definition to float precision.
        const Tensor x32 = ops::to(x, DType::Float32);
        require_close(ops::unary(op, x32, p), unary_ref(op, ops::to(x32, DType::Float64), p), 2e-6);
      }
      // int64: exact where the table says the op accepts it, a clear refusal elsewhere.
      const Tensor i = tensor(std::vector<int64_t>{-3, 0, 4, -1, 2});
      if (accepts(op, DType::Int64)) {
        const Tensor y = ops::unary(op, i, p);
        CHECK(y.dtype() == DType::Int64);
        require_close(y, unary_ref(op, i, p), 0.0);
      } else {
        REQUIRE_ERROR(ops::unary(op, i, p),
                      fmt::format("{}: expected a floating dtype (float32 or float64), got int64", op));
      }
    }
  }
}

TEST_CASE("pow with a scalar exponent, and edge values", "[tensor][elementwise]") {
  const Tensor x = tensor(std::vector<double>{0.5, 2, 3});
  require_close(ops::pow(x, 3), {0.125, 8, 27});
  require_close(ops::pow(x, -0.5), {std::sqrt(2.0), 1 / std::sqrt(2.0), 1 / std::sqrt(3.0)});
  // sigmoid saturates cleanly, relu keeps NaN.
  const Tensor big = tensor({-1000.f, 1000.f, NAN});
  require_close(ops::sigmoid(big), {0, 1, NAN});
  require_close(ops::relu(big), {0, 1000, NAN});
  require_close(ops::softplus(big), {0, 1000, NAN});  // no overflow: e^1000 is never formed
}

TEST_CASE("integer tensors allow neg/abs/sign/relu and refuse float-only ops", "[tensor][elementwise]") {
  const Tensor i = tensor(std::vector<int64_t>{-3, 0, 4});
  CHECK(ops::abs(i).to_vector<int64_t>() == std::vector<int64_t>{3, 0, 4});
  CHECK(ops::relu(i).to_vector<int64_t>() == std::vector<int64_t>{0, 0, 4});
  CHECK(ops::add(i, i).to_vector<int64_t>() == std::vector<int64_t>{-6, 0, 8});
  REQUIRE_ERROR(ops::exp(i), "exp: expected a floating dtype (float32 or float64), got int64");
  REQUIRE_ERROR(ops::div(i, i), "div: expected a floating dtype (float32 or float64), got int64");
}

TEST_CASE("every binary op broadcasts like NumPy and matches its float64 definition", "[tensor][elementwise]") {
  const Tensor a = pattern({4, 1, 3}, DType::Float64, 2.0);
  const Tensor b = ops::add(pattern({2, 1}, DType::Float64, 0.5), 2.0);  // positive, for div and pow
  const Shape shape{4, 2, 3};
  const Tensor ea = ops::contiguous(ops::expand(a, shape)), eb = ops::contiguous(ops::expand(b, shape));
  for (BinaryOp op : kBinaryOps) {
    SECTION(op_name(op)) {
      INFO("no float64 reference for " << op_name(op) << " in this file");
      REQUIRE(reference(op, 0.5, 2.0).has_value());
      const Tensor out = ops::binary(op, a, b);
      REQUIRE(out.shape() == shape);
      require_close(out, binary_ref(op, ea, eb), 1e-14);
      // A strided first operand (and pow of negative bases: NaN on both sides).
      const Tensor t = ops::transpose(pattern({3, 2}), 0, 1);
      require_close(ops::binary(op, t, ops::neg(t)), binary_ref(op, ops::contiguous(t), ops::neg(ops::contiguous(t))),
                    1e-14);
      // Equal operands: the comparisons' ties.
      require_close(ops::binary(op, b, b), binary_ref(op, b, b), 1e-14);
      // float32 agrees with the float64 definition to float precision.
      const Tensor a32 = ops::to(a, DType::Float32), b32 = ops::to(b, DType::Float32);
      require_close(ops::binary(op, a32, b32),
                    binary_ref(op, ops::to(ops::contiguous(ops::expand(a32, shape)), DType::Float64),
                               ops::to(ops::contiguous(ops::expand(b32, shape)), DType::Float64)),
                    2e-6);
      // int64: exact where the table says the op accepts it, a clear refusal elsewhere.
      const Tensor i = tensor(std::vector<int64_t>{-3, 0, 4, -1, 2}), j = tensor(std::vector<int64_t>{2, 0, -4, -1, 5});
      if (accepts(op, DType::Int64)) {
        const Tensor y = ops::binary(op, i, j);
        CHECK(y.dtype() == DType::Int64);
        require_close(y, binary_ref(op, i, j), 0.0);
      } else {
        REQUIRE_ERROR(ops::binary(op, i, j),
                      fmt::format("{}: expected a floating dtype (float32 or float64), got int64", op));
      }
    }
  }
}

TEST_CASE("ops print by their name from the table", "[tensor][elementwise]") {
  CHECK(fmt::format("{} {} {}", UnaryOp::Exp, BinaryOp::Ge, BinaryOp::SiluBackward) == "exp ge silu_backward");
  CHECK(std::string(op_name(UnaryOp::Pow)) == std::string(op_name(BinaryOp::Pow)));  // two ops, one name "pow"
}

TEST_CASE("comparisons give 1 or 0 in the operands' dtype", "[tensor][elementwise]") {
  const Tensor a = tensor({1.f, 2.f, 3.f}), b = tensor({3.f, 2.f, 1.f});
  require_close(ops::eq(a, b), {0, 1, 0});
  require_close(ops::ne(a, b), {1, 0, 1});
  require_close(ops::le(a, b), {1, 1, 0});
  require_close(ops::gt(a, b), {0, 0, 1});
  CHECK(ops::eq(a, b).dtype() == DType::Float32);
}

TEST_CASE("binary ops on non-contiguous views and scalars", "[tensor][elementwise]") {
  const Tensor x = pattern({3, 4});
  const Tensor t = ops::transpose(x, 0, 1);                  // [4, 3] strided
  const Tensor s = ops::slice(pattern({4, 6}), 1, 0, 6, 2);  // [4, 3] every other column
  const std::vector<double> tv = values(t), sv = values(s);
  std::vector<double> expected(tv.size());
  for (size_t i = 0; i < tv.size(); ++i) expected[i] = tv[i] * sv[i];
  require_close(ops::mul(t, s), expected, 1e-15);
  require_close(ops::sub(tensor({1.f, 2.f}), 0.5), {0.5, 1.5});
  require_close(ops::maximum(tensor({-1.f, 2.f}), 0.0), {0, 2});
  // NaN propagates through maximum/minimum, as in PyTorch.
  require_close(ops::maximum(tensor({NAN, 1.f}), tensor({0.f, NAN})), {NAN, NAN});
}

TEST_CASE("binary ops reject mismatched shapes and dtypes with clear messages", "[tensor][elementwise]") {
  REQUIRE_ERROR(ops::add(zeros({2, 3}), zeros({4})),
                "add: shapes [2, 3] and [4] cannot be broadcast (size 3 vs 4 at dimension 0 from the right)");
  REQUIRE_ERROR(ops::mul(zeros({2}), zeros({2}, DType::Float64)),
                "mul: dtypes float32 and float64 differ (cast one with ops::to)");
}

TEST_CASE("where and clamp", "[tensor][elementwise]") {
  const Tensor cond = tensor({1.f, 0.f, 1.f}, {3, 1});
  const Tensor a = tensor(std::vector<double>{10, 20});
  const Tensor b = tensor(std::vector<double>{-1});
  const Tensor w = ops::where(cond, a, b);  // [3, 2]
  require_close(w, {10, 20, -1, -1, 10, 20});
  REQUIRE_ERROR(ops::where(cond, a, zeros({1})), "where: dtypes float64 and float32 differ");

  require_close(ops::clamp(tensor({-2.f, 0.5f, 3.f, NAN}), -1, 1), {-1, 0.5, 1, NAN});
  require_close(ops::clamp(tensor({-2.f, 3.f}), 0), {0, 3});
  CHECK(ops::clamp(tensor(std::vector<int64_t>{-5, 5}), -1, INFINITY).to_vector<int64_t>() ==
        std::vector<int64_t>{-1, 5});
  REQUIRE_ERROR(ops::clamp(zeros({1}), 2, 1), "clamp: lower bound 2 is above upper bound 1");
}

TEST_CASE("elementwise results do not depend on the thread count", "[tensor][elementwise][threads]") {
  // Large enough to run in parallel; compare bit for bit.
  const Tensor x = pattern({300, 500}, DType::Float32);
  const int before = get_num_threads();
  set_num_threads(1);
  const std::vector<float> one = ops::gelu(ops::transpose(x, 0, 1)).to_vector<float>();
  const std::vector<float> sum1 = ops::sum(x, {0}).to_vector<float>();
  set_num_threads(2);
  CHECK(ops::gelu(ops::transpose(x, 0, 1)).to_vector<float>() == one);
  CHECK(ops::sum(x, {0}).to_vector<float>() == sum1);
  set_num_threads(before);
  REQUIRE_ERROR(set_num_threads(0), "set_num_threads: need at least 1 thread, got 0");
}

TEST_CASE("exp_vec, the vectorised float32 exp of SiLU and sigmoid, is exact to 2^-22 over the float range",
          "[tensor][elementwise]") {
  // Every 1/64 from -87 to 88 and a dense sweep around 0, against double exp.
  double worst = 0;
  for (int i = -87 * 64; i <= 88 * 64; ++i) {
    const float x = static_cast<float>(i) / 64.0f + 0.0078125f * static_cast<float>(i % 7);  // not only grid points
    const double want = std::exp(static_cast<double>(x));
    if (want < 1.1754943508222875e-38 || want > 3.4028234663852886e38) continue;
    worst = std::max(worst, std::abs(cpu::exp_vec(x) - want) / want);
  }
  for (int i = -1000; i <= 1000; ++i) {
    const float x = static_cast<float>(i) * 1e-4f;
    worst = std::max(worst,
                     std::abs(cpu::exp_vec(x) - std::exp(static_cast<double>(x))) / std::exp(static_cast<double>(x)));
  }
  CHECK(worst < std::ldexp(1.0, -22));
  // The edges: overflow to inf, underflow to 0 (no denormals), NaN stays NaN.
  CHECK(cpu::exp_vec(89.0f) == INFINITY);
  CHECK(cpu::exp_vec(INFINITY) == INFINITY);
  CHECK(cpu::exp_vec(-88.0f) == 0.0f);
  CHECK(cpu::exp_vec(-INFINITY) == 0.0f);
  CHECK(std::isnan(cpu::exp_vec(NAN)));
  CHECK(std::isfinite(cpu::exp_vec(88.37f)));
  CHECK(cpu::exp_vec(0.0f) == 1.0f);
}

TEST_CASE("silu_backward in one pass equals the composite gradient, float32 and float64", "[tensor][elementwise]") {
  const Tensor x = ops::mul(pattern({5, 77}), 12.0);  // values in about [-6, 18]
  const Tensor g = pattern({5, 77}, DType::Float64, 0.7);
  std::vector<double> want;
  const std::vector<double> xv = values(x), gv = values(g);
  for (size_t i = 0; i < xv.size(); ++i) {
    const double s = 1 / (1 + std::exp(-xv[i]));
    want.push_back(gv[i] * s * (1 + xv[i] * (1 - s)));
  }
  require_close(ops::silu_backward(g, x), want, 1e-14);
  require_close(ops::silu_backward(ops::to(g, DType::Float32), ops::to(x, DType::Float32)), want, 1e-5);
  REQUIRE_ERROR(ops::silu_backward(zeros({2}, DType::Int64), zeros({2}, DType::Int64)),
                "silu_backward: expected a floating dtype");
}
