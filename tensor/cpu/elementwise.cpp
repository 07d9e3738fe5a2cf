// rill CPU — elementwise kernels: copy/cast, fill, unary, binary, where, clamp.
//
// Every kernel here is "out[i] = f(inputs[i])" for each index i of out's shape.
// Two paths: when all operands are contiguous, a flat loop the compiler
// vectorises (split across threads by parallel_chunks); otherwise the strided
// loop of loops.h (which also handles the stride-0 axes of broadcast inputs).
#include <cmath>
#include <type_traits>

#include "tensor/cpu/cpu_backend.h"
#include "tensor/cpu/loops.h"
#include "tensor/cpu/vecmath.h"

namespace rill {
namespace {

using cpu::byte_strides;
using cpu::for_each_row;

// out[i] = f(x[i]); out may be strided (copy_ into a slice), x any view.
template <typename Out, typename In, typename F>
void map1(const Tensor& x, const Tensor& out, F f) {
  if (x.is_contiguous() && out.is_contiguous()) {
    const In* px = static_cast<const In*>(x.raw_data());
    Out* po = static_cast<Out*>(out.raw_data());
    parallel_chunks(out.numel(), [&](int64_t begin, int64_t end) {
#pragma omp simd
      for (int64_t i = begin; i < end; ++i) po[i] = f(px[i]);
    });
    return;
  }
  for_each_row<2>(out.shape(), {static_cast<char*>(out.raw_data()), static_cast<char*>(x.raw_data())},
                  {byte_strides(out), byte_strides(x)}, [&](auto p, auto s, int64_t n) {
                    for (int64_t i = 0; i < n; ++i)
                      *reinterpret_cast<Out*>(p[0] + i * s[0]) = f(*reinterpret_cast<const In*>(p[1] + i * s[1]));
                  });
}

// out[i] = f(a[i], b[i]); a and b already expanded to out's shape.
template <typename T, typename F>
void map2(const Tensor& a, const Tensor& b, const Tensor& out, F f) {
  if (a.is_contiguous() && b.is_contiguous() && out.is_contiguous()) {
    const T* pa = static_cast<const T*>(a.raw_data());
    const T* pb = static_cast<const T*>(b.raw_data());
    T* po = static_cast<T*>(out.raw_data());
    parallel_chunks(out.numel(), [&](int64_t begin, int64_t end) {
#pragma omp simd
      for (int64_t i = begin; i < end; ++i) po[i] = f(pa[i], pb[i]);
    });
    return;
  }
  for_each_row<3>(out.shape(),
                  {static_cast<char*>(out.raw_data()), static_cast<char*>(a.raw_data()),
                   static_cast<char*>(b.raw_data())},
                  {byte_strides(out), byte_strides(a), byte_strides(b)}, [&](auto p, auto s, int64_t n) {
                    for (int64_t i = 0; i < n; ++i)
                      *reinterpret_cast<T*>(p[0] + i * s[0]) = f(*reinterpret_cast<const T*>(p[1] + i * s[1]),
                                                                 *reinterpret_cast<const T*>(p[2] + i * s[2]));
                  });
}

template <typename T>
constexpr bool kFloat = std::is_floating_point_v<T>;

}  // namespace

void CpuBackend::copy(const Tensor& src, const Tensor& dst) {
  dispatch(dst.dtype(), "copy", [&]<typename Out>() {
    dispatch(src.dtype(), "copy", [&]<typename In>() {
      map1<Out, In>(src, dst, [](In v) { return static_cast<Out>(v); });
    });
  });
}

void CpuBackend::fill(const Tensor& dst, double value) {
  dispatch(dst.dtype(), "fill", [&]<typename T>() {
    const T v = static_cast<T>(value);
    for_each_row<1>(dst.shape(), {static_cast<char*>(dst.raw_data())}, {byte_strides(dst)},
                    [&](auto p, auto s, int64_t n) {
                      for (int64_t i = 0; i < n; ++i) *reinterpret_cast<T*>(p[0] + i * s[0]) = v;
                    });
  });
}

void CpuBackend::unary(UnaryOp op, const Tensor& x, const Tensor& out, double scalar) {
  dispatch(x.dtype(), "unary", [&]<typename T>() {
    auto run = [&](auto f) { map1<T, T>(x, out, f); };
    // Ops defined on integers too.
    switch (op) {
      case UnaryOp::Neg: return run([](T v) -> T { return -v; });
      case UnaryOp::Abs: return run([](T v) -> T { return v < T(0) ? -v : v; });
      case UnaryOp::Sign: return run([](T v) -> T { return static_cast<T>((v > T(0)) - (v < T(0))); });
      case UnaryOp::Relu: return run([](T v) -> T { return v > T(0) || v != v ? v : T(0); });  // NaN stays NaN
      default: break;
    }
    if constexpr (kFloat<T>) {
      const T p = static_cast<T>(scalar);
      switch (op) {
        case UnaryOp::Exp: return run([](T v) -> T { return std::exp(v); });
        case UnaryOp::Log: return run([](T v) -> T { return std::log(v); });
        case UnaryOp::Sqrt: return run([](T v) -> T { return std::sqrt(v); });
        case UnaryOp::Rsqrt: return run([](T v) -> T { return T(1) / std::sqrt(v); });
        case UnaryOp::Sin: return run([](T v) -> T { return std::sin(v); });
        case UnaryOp::Cos: return run([](T v) -> T { return std::cos(v); });
        case UnaryOp::Tanh: return run([](T v) -> T { return std::tanh(v); });
        case UnaryOp::Erf: return run([](T v) -> T { return std::erf(v); });
        // sigmoid(x) = 1 / (1 + e^-x); for x -> -inf, e^-x -> inf and the result -> 0 cleanly.
        // (exp_vec: the same exp, vectorised for float32; see vecmath.h)
        case UnaryOp::Sigmoid: return run([](T v) -> T { return T(1) / (T(1) + cpu::exp_vec(-v)); });
        // silu(x) = x * sigmoid(x)
        case UnaryOp::Silu: return run([](T v) -> T { return v / (T(1) + cpu::exp_vec(-v)); });
        // gelu(x) = x * Phi(x) = x/2 (1 + erf(x / sqrt 2)), the exact form (PyTorch's default).
        case UnaryOp::Gelu:
          return run([](T v) -> T { return T(0.5) * v * (T(1) + std::erf(v * T(0.70710678118654752440))); });
        case UnaryOp::Pow: return run([p](T v) -> T { return std::pow(v, p); });
        // softplus(x) = log(1 + e^x) = max(x, 0) + log1p(e^-|x|): no overflow for large |x|.
        case UnaryOp::Softplus:
          return run([](T v) -> T { return std::max(v, T(0)) + std::log1p(std::exp(-std::abs(v))); });
        default: break;
      }
    }
    throw Error(fmt::format("unary: op {} not available for dtype {}", static_cast<int>(op), x.dtype()));
  });
}

void CpuBackend::binary(BinaryOp op, const Tensor& a, const Tensor& b, const Tensor& out) {
  dispatch(a.dtype(), "binary", [&]<typename T>() {
    auto run = [&](auto f) { map2<T>(a, b, out, f); };
    switch (op) {
      case BinaryOp::Add: return run([](T x, T y) -> T { return x + y; });
      case BinaryOp::Sub: return run([](T x, T y) -> T { return x - y; });
      case BinaryOp::Mul: return run([](T x, T y) -> T { return x * y; });
      case BinaryOp::Div: return run([](T x, T y) -> T { return x / y; });  // int64: checked by the caller
      // maximum/minimum propagate NaN (as PyTorch does): x != x only for NaN.
      case BinaryOp::Maximum: return run([](T x, T y) -> T { return x != x ? x : (y != y || y > x ? y : x); });
      case BinaryOp::Minimum: return run([](T x, T y) -> T { return x != x ? x : (y != y || y < x ? y : x); });
      case BinaryOp::Eq: return run([](T x, T y) -> T { return static_cast<T>(x == y); });
      case BinaryOp::Ne: return run([](T x, T y) -> T { return static_cast<T>(x != y); });
      case BinaryOp::Lt: return run([](T x, T y) -> T { return static_cast<T>(x < y); });
      case BinaryOp::Le: return run([](T x, T y) -> T { return static_cast<T>(x <= y); });
      case BinaryOp::Gt: return run([](T x, T y) -> T { return static_cast<T>(x > y); });
      case BinaryOp::Ge: return run([](T x, T y) -> T { return static_cast<T>(x >= y); });
      case BinaryOp::Pow:
        if constexpr (kFloat<T>) return run([](T x, T y) -> T { return std::pow(x, y); });
        break;
      case BinaryOp::SiluBackward:  // g silu'(x) = g s (1 + x (1 - s)),  s = sigmoid(x)
        if constexpr (kFloat<T>)
          return run([](T g, T x) -> T {
            const T s = T(1) / (T(1) + cpu::exp_vec(-x));
            return g * s * (T(1) + x * (T(1) - s));
          });
        break;
    }
    throw Error(fmt::format("binary: op {} not available for dtype {}", static_cast<int>(op), a.dtype()));
  });
}

void CpuBackend::where(const Tensor& cond, const Tensor& a, const Tensor& b, const Tensor& out) {
  dispatch(out.dtype(), "where", [&]<typename T>() {
    dispatch(cond.dtype(), "where", [&]<typename C>() {
      for_each_row<4>(out.shape(),
                      {static_cast<char*>(out.raw_data()), static_cast<char*>(cond.raw_data()),
                       static_cast<char*>(a.raw_data()), static_cast<char*>(b.raw_data())},
                      {byte_strides(out), byte_strides(cond), byte_strides(a), byte_strides(b)},
                      [&](auto p, auto s, int64_t n) {
                        for (int64_t i = 0; i < n; ++i) {
                          const bool take_a = *reinterpret_cast<const C*>(p[1] + i * s[1]) != C(0);
                          *reinterpret_cast<T*>(p[0] + i * s[0]) =
                              *reinterpret_cast<const T*>(p[take_a ? 2 : 3] + i * s[take_a ? 2 : 3]);
                        }
                      });
    });
  });
}

void CpuBackend::clamp(const Tensor& x, const Tensor& out, double lo, double hi) {
  dispatch(x.dtype(), "clamp", [&]<typename T>() {
    // An infinite bound means "none"; for int64 that is the type's own limit (bound_cast saturates).
    const T l = bound_cast<T>(lo), h = bound_cast<T>(hi);
    map1<T, T>(x, out, [l, h](T v) -> T { return v != v ? v : (v < l ? l : (v > h ? h : v)); });
  });
}

}  // namespace rill
