// rill — the elementwise op table: every unary and binary elementwise op, described once.
//
// An op is one line in a list below (RILL_UNARY_OPS or RILL_BINARY_OPS) and one
// specialisation of Unary<op> or Binary<op>, which holds
//   name   "exp": how every error message, profiler scope and test report names the op;
//   dtypes FloatOnly (float32, float64) or AlsoInt64 (float32, float64, int64);
//   f      the formula, written once for every device: a template on the element type T,
//          marked RILL_HOST_DEVICE so that the CPU loops (tensor/cpu/elementwise.cpp) and
//          the CUDA kernels (cuda/elementwise.cu) instantiate the same function.
// Everything else is derived here, not written again elsewhere: the enums UnaryOp and
// BinaryOp (the Backend interface, tensor/backend.h, takes them), op_name, accepts (the
// dtype check of ops::unary / ops::binary), visit (a runtime op -> its compile-time
// description: both backends dispatch through it, without a switch of their own), and
// kUnaryOps / kBinaryOps, over which the tests iterate (tests/tensor/test_elementwise.cpp
// against float64 references, tests/cuda/test_device_elementwise.cpp against the CPU).
//
// The compiler checks the two halves of an op against each other: a list entry without
// its specialisation does not compile (visit instantiates every Unary<op>), and a
// specialisation without a list entry names an enumerator that does not exist.
//
// Formulas call std:: math functions, which CUDA also provides in device code, with one
// exception: e^x inside the activations goes through exp_vec below, the CPU's vectorisable
// exp (this is the hook for a device-specific form of a formula).
// This file is laid out by hand as a table (one line per formula, the X-macro lists as
// rows): clang-format leaves it alone.
// clang-format off
#pragma once

#include <cmath>
#include <cstddef>
#include <iterator>
#include <string_view>
#include <type_traits>

#include "tensor/cpu/vecmath.h"
#include "tensor/dtype.h"
#include "tensor/host_device.h"

namespace rill {

// e^x as the activations take it. On the CPU, exp_vec (tensor/cpu/vecmath.h): plain
// arithmetic the loop vectoriser can widen (libm's expf is a call per element), relative
// error below 2^-22; on the GPU, CUDA's exp. ops::exp itself keeps libm's exp.
template <typename T>
RILL_HOST_DEVICE T exp_vec(T x) {
#if defined(__CUDA_ARCH__)
  return std::exp(x);
#else
  return cpu::exp_vec(x);
#endif
}

// ---- the lists: every op, in enum order ----------------------------------------------
#define RILL_UNARY_OPS(X) \
  X(Neg) X(Abs) X(Sign) X(Exp) X(Log) X(Sqrt) X(Rsqrt) X(Sin) X(Cos) X(Tanh) X(Erf) X(Sigmoid) X(Relu) X(Silu) \
  X(Gelu) X(Softplus) X(Pow)

#define RILL_BINARY_OPS(X) \
  X(Add) X(Sub) X(Mul) X(Div) X(Pow) X(Maximum) X(Minimum) X(Eq) X(Ne) X(Lt) X(Le) X(Gt) X(Ge) X(SiluBackward)

#define RILL_ENUMERATOR(op) op,
enum class UnaryOp { RILL_UNARY_OPS(RILL_ENUMERATOR) };
enum class BinaryOp { RILL_BINARY_OPS(RILL_ENUMERATOR) };
#undef RILL_ENUMERATOR

// The descriptions, one specialisation per op.
template <UnaryOp op>
struct Unary;
template <BinaryOp op>
struct Binary;

// The dtypes an op accepts, as a base of its description.
struct FloatOnly {
  static constexpr bool int64 = false;
};
struct AlsoInt64 {
  static constexpr bool int64 = true;
};

// ---- unary: out = f(x) ------------------------------------------------------------------
template <>
struct Unary<UnaryOp::Neg> : AlsoInt64 {
  static constexpr const char* name = "neg";
  template <typename T> RILL_HOST_DEVICE static T f(T x) { return -x; }
};
template <>
struct Unary<UnaryOp::Abs> : AlsoInt64 {
  static constexpr const char* name = "abs";
  template <typename T> RILL_HOST_DEVICE static T f(T x) { return x < T(0) ? -x : x; }
};
template <>
struct Unary<UnaryOp::Sign> : AlsoInt64 {
  static constexpr const char* name = "sign";  // -1, 0 or 1
  template <typename T> RILL_HOST_DEVICE static T f(T x) { return static_cast<T>((x > T(0)) - (x < T(0))); }
};
template <>
struct Unary<UnaryOp::Exp> : FloatOnly {
  static constexpr const char* name = "exp";
  template <typename T> RILL_HOST_DEVICE static T f(T x) { return std::exp(x); }
};
template <>
struct Unary<UnaryOp::Log> : FloatOnly {
  static constexpr const char* name = "log";
  template <typename T> RILL_HOST_DEVICE static T f(T x) { return std::log(x); }
};
template <>
struct Unary<UnaryOp::Sqrt> : FloatOnly {
  static constexpr const char* name = "sqrt";
  template <typename T> RILL_HOST_DEVICE static T f(T x) { return std::sqrt(x); }
};
template <>
struct Unary<UnaryOp::Rsqrt> : FloatOnly {
  static constexpr const char* name = "rsqrt";  // 1 / sqrt(x)
  template <typename T> RILL_HOST_DEVICE static T f(T x) { return T(1) / std::sqrt(x); }
};
template <>
struct Unary<UnaryOp::Sin> : FloatOnly {
  static constexpr const char* name = "sin";
  template <typename T> RILL_HOST_DEVICE static T f(T x) { return std::sin(x); }
};
template <>
struct Unary<UnaryOp::Cos> : FloatOnly {
  static constexpr const char* name = "cos";
  template <typename T> RILL_HOST_DEVICE static T f(T x) { return std::cos(x); }
};
template <>
struct Unary<UnaryOp::Tanh> : FloatOnly {
  static constexpr const char* name = "tanh";
  template <typename T> RILL_HOST_DEVICE static T f(T x) { return std::tanh(x); }
};
template <>
struct Unary<UnaryOp::Erf> : FloatOnly {
  static constexpr const char* name = "erf";  // 2/sqrt(pi) * integral_0^x e^(-t^2) dt
  template <typename T> RILL_HOST_DEVICE static T f(T x) { return std::erf(x); }
};
// sigmoid(x) = 1 / (1 + e^-x); for x -> -inf, e^-x -> inf and the result -> 0 cleanly.
template <>
struct Unary<UnaryOp::Sigmoid> : FloatOnly {
  static constexpr const char* name = "sigmoid";
  template <typename T> RILL_HOST_DEVICE static T f(T x) { return T(1) / (T(1) + exp_vec(-x)); }
};
template <>
struct Unary<UnaryOp::Relu> : AlsoInt64 {
  static constexpr const char* name = "relu";  // max(x, 0); NaN stays NaN (x != x only for NaN)
  template <typename T> RILL_HOST_DEVICE static T f(T x) { return x > T(0) || x != x ? x : T(0); }
};
// silu(x) = x sigmoid(x) = x / (1 + e^-x)
template <>
struct Unary<UnaryOp::Silu> : FloatOnly {
  static constexpr const char* name = "silu";
  template <typename T> RILL_HOST_DEVICE static T f(T x) { return x / (T(1) + exp_vec(-x)); }
};
// gelu(x) = x Phi(x) = x/2 (1 + erf(x / sqrt 2)), the exact form (PyTorch's default).
template <>
struct Unary<UnaryOp::Gelu> : FloatOnly {
  static constexpr const char* name = "gelu";
  template <typename T> RILL_HOST_DEVICE static T f(T x) {
    return T(0.5) * x * (T(1) + std::erf(x * T(0.70710678118654752440)));
  }
};
// softplus(x) = log(1 + e^x) = max(x, 0) + log1p(e^-|x|): no overflow for large |x|.
template <>
struct Unary<UnaryOp::Softplus> : FloatOnly {
  static constexpr const char* name = "softplus";
  template <typename T> RILL_HOST_DEVICE static T f(T x) {
    return (x > T(0) ? x : T(0)) + std::log1p(std::exp(-std::abs(x)));
  }
};
// pow(x, p) = x^p with a scalar exponent p: the one unary op with a parameter, which
// reaches its formula as a second argument (see apply_unary).
template <>
struct Unary<UnaryOp::Pow> : FloatOnly {
  static constexpr const char* name = "pow";
  template <typename T> RILL_HOST_DEVICE static T f(T x, T p) { return std::pow(x, p); }
};

// ---- binary: out = f(a, b) ----------------------------------------------------------------
template <>
struct Binary<BinaryOp::Add> : AlsoInt64 {
  static constexpr const char* name = "add";
  template <typename T> RILL_HOST_DEVICE static T f(T a, T b) { return a + b; }
};
template <>
struct Binary<BinaryOp::Sub> : AlsoInt64 {
  static constexpr const char* name = "sub";
  template <typename T> RILL_HOST_DEVICE static T f(T a, T b) { return a - b; }
};
template <>
struct Binary<BinaryOp::Mul> : AlsoInt64 {
  static constexpr const char* name = "mul";
  template <typename T> RILL_HOST_DEVICE static T f(T a, T b) { return a * b; }
};
template <>
struct Binary<BinaryOp::Div> : FloatOnly {
  static constexpr const char* name = "div";
  template <typename T> RILL_HOST_DEVICE static T f(T a, T b) { return a / b; }
};
template <>
struct Binary<BinaryOp::Pow> : FloatOnly {
  static constexpr const char* name = "pow";
  template <typename T> RILL_HOST_DEVICE static T f(T a, T b) { return std::pow(a, b); }
};
// maximum/minimum propagate NaN (as PyTorch does): x != x only for NaN.
template <>
struct Binary<BinaryOp::Maximum> : AlsoInt64 {
  static constexpr const char* name = "maximum";
  template <typename T> RILL_HOST_DEVICE static T f(T a, T b) { return a != a ? a : (b != b || b > a ? b : a); }
};
template <>
struct Binary<BinaryOp::Minimum> : AlsoInt64 {
  static constexpr const char* name = "minimum";
  template <typename T> RILL_HOST_DEVICE static T f(T a, T b) { return a != a ? a : (b != b || b < a ? b : a); }
};
// Comparisons give 1 or 0 in the operands' dtype (rill has no bool dtype).
template <>
struct Binary<BinaryOp::Eq> : AlsoInt64 {
  static constexpr const char* name = "eq";
  template <typename T> RILL_HOST_DEVICE static T f(T a, T b) { return static_cast<T>(a == b); }
};
template <>
struct Binary<BinaryOp::Ne> : AlsoInt64 {
  static constexpr const char* name = "ne";
  template <typename T> RILL_HOST_DEVICE static T f(T a, T b) { return static_cast<T>(a != b); }
};
template <>
struct Binary<BinaryOp::Lt> : AlsoInt64 {
  static constexpr const char* name = "lt";
  template <typename T> RILL_HOST_DEVICE static T f(T a, T b) { return static_cast<T>(a < b); }
};
template <>
struct Binary<BinaryOp::Le> : AlsoInt64 {
  static constexpr const char* name = "le";
  template <typename T> RILL_HOST_DEVICE static T f(T a, T b) { return static_cast<T>(a <= b); }
};
template <>
struct Binary<BinaryOp::Gt> : AlsoInt64 {
  static constexpr const char* name = "gt";
  template <typename T> RILL_HOST_DEVICE static T f(T a, T b) { return static_cast<T>(a > b); }
};
template <>
struct Binary<BinaryOp::Ge> : AlsoInt64 {
  static constexpr const char* name = "ge";
  template <typename T> RILL_HOST_DEVICE static T f(T a, T b) { return static_cast<T>(a >= b); }
};
// silu_backward(g, x) = g silu'(x) = g s (1 + x (1 - s)),  s = sigmoid(x): the gradient
// of silu in one pass instead of five (autograd/unary.cpp, SiluBackward).
template <>
struct Binary<BinaryOp::SiluBackward> : FloatOnly {
  static constexpr const char* name = "silu_backward";
  template <typename T> RILL_HOST_DEVICE static T f(T g, T x) {
    const T s = T(1) / (T(1) + exp_vec(-x));
    return g * s * (T(1) + x * (T(1) - s));
  }
};

// ---- what is derived from the table --------------------------------------------------

// Every op, in enum order, for loops over all of them (the tests).
#define RILL_UNARY_VALUE(op) UnaryOp::op,
#define RILL_BINARY_VALUE(op) BinaryOp::op,
inline constexpr UnaryOp kUnaryOps[] = {RILL_UNARY_OPS(RILL_UNARY_VALUE)};
inline constexpr BinaryOp kBinaryOps[] = {RILL_BINARY_OPS(RILL_BINARY_VALUE)};
#undef RILL_UNARY_VALUE
#undef RILL_BINARY_VALUE

// visit(op, f) calls f.template operator()<Description>() with op's description, e.g.
//   visit(op, [&]<typename Op>() { return Op::name; })
// It is the only switch over the ops, generated from the lists (so it has every case).
template <typename F>
constexpr decltype(auto) visit(UnaryOp op, F&& f) {
  switch (op) {
#define RILL_VISIT_CASE(op_) \
  case UnaryOp::op_: return f.template operator()<Unary<UnaryOp::op_>>();
    RILL_UNARY_OPS(RILL_VISIT_CASE)
#undef RILL_VISIT_CASE
  }
  throw Error(fmt::format("unary: invalid op {}", static_cast<int>(op)));  // a value outside the enum
}
template <typename F>
constexpr decltype(auto) visit(BinaryOp op, F&& f) {
  switch (op) {
#define RILL_VISIT_CASE(op_) \
  case BinaryOp::op_: return f.template operator()<Binary<BinaryOp::op_>>();
    RILL_BINARY_OPS(RILL_VISIT_CASE)
#undef RILL_VISIT_CASE
  }
  throw Error(fmt::format("binary: invalid op {}", static_cast<int>(op)));
}

// The op's name: "exp". (fmt prints ops by it too: fmt::format("{}", UnaryOp::Exp).)
constexpr const char* op_name(UnaryOp op) {
  return visit(op, [&]<typename Op>() { return Op::name; });
}
constexpr const char* op_name(BinaryOp op) {
  return visit(op, [&]<typename Op>() { return Op::name; });
}

// Whether the op is defined on dtype d.
constexpr bool accepts(UnaryOp op, DType d) {
  return is_floating(d) || visit(op, [&]<typename Op>() { return Op::int64; });
}
constexpr bool accepts(BinaryOp op, DType d) {
  return is_floating(d) || visit(op, [&]<typename Op>() { return Op::int64; });
}

// The same at compile time, for a kernel: instantiate Op's formula for T only when true.
template <typename Op, typename T>
inline constexpr bool defined_for = Op::int64 || std::is_floating_point_v<T>;

// A unary op on x, with the scalar p passed to the op that takes one (Pow's exponent).
template <typename Op, typename T>
RILL_HOST_DEVICE T apply_unary(T x, T p) {
  if constexpr (requires { Op::f(x, p); })
    return Op::f(x, p);
  else
    return Op::f(x);
}

// The table is consistent: names are unique and not empty (error messages and test
// reports tell ops apart by them). That every op has a description, and that kUnaryOps
// and the enum list the same ops, holds by construction: all three come from one list.
namespace detail {
template <typename Ops>
constexpr bool names_unique(const Ops& ops) {
  for (size_t i = 0; i < std::size(ops); ++i) {
    const std::string_view name = op_name(ops[i]);
    if (name.empty()) return false;
    for (size_t j = 0; j < i; ++j)
      if (name == op_name(ops[j])) return false;
  }
  return true;
}
}  // namespace detail
static_assert(detail::names_unique(kUnaryOps), "two unary ops share a name (or one has none)");
static_assert(detail::names_unique(kBinaryOps), "two binary ops share a name (or one has none)");

}  // namespace rill

// fmt prints an op by its name, so that every error message says "exp", not "3".
template <>
struct fmt::formatter<rill::UnaryOp> : fmt::formatter<std::string_view> {
  auto format(rill::UnaryOp op, format_context& ctx) const {
    return fmt::formatter<std::string_view>::format(rill::op_name(op), ctx);
  }
};
template <>
struct fmt::formatter<rill::BinaryOp> : fmt::formatter<std::string_view> {
  auto format(rill::BinaryOp op, format_context& ctx) const {
    return fmt::formatter<std::string_view>::format(rill::op_name(op), ctx);
  }
};
// clang-format on
