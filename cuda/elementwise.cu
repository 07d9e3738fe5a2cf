// rill CUDA — elementwise kernels: copy/cast, fill, unary, binary, where, clamp.
//
// Each is "out[i] = f(inputs[i])" over out's shape, one thread per element, through
// for_each_element (loops.cuh), which also handles strided and broadcast (stride 0)
// operands. The formulas are those of tensor/cpu/elementwise.cpp, op for op; the
// op is a kernel argument, so one kernel per dtype serves all unary (or binary) ops.
#include <cmath>
#include <cstdint>
#include <type_traits>

#include "cuda/cuda_backend.h"
#include "cuda/loops.cuh"

namespace rill::cuda {
namespace {

template <typename T>
constexpr bool kFloat = std::is_floating_point_v<T>;

template <typename Out, typename In>
struct CopyF {
  Out* out;
  const In* x;
  __device__ void operator()(const int64_t (&o)[2]) const { out[o[0]] = static_cast<Out>(x[o[1]]); }
};

template <typename T>
struct FillF {
  T* out;
  T value;
  __device__ void operator()(const int64_t (&o)[1]) const { out[o[0]] = value; }
};

// y = op(v); `p` is the exponent of Pow. Formulas and edge cases as on the CPU.
template <typename T>
__device__ T unary_op(UnaryOp op, T v, T p) {
  switch (op) {
    case UnaryOp::Neg: return -v;
    case UnaryOp::Abs: return v < T(0) ? -v : v;
    case UnaryOp::Sign: return static_cast<T>((v > T(0)) - (v < T(0)));
    case UnaryOp::Relu: return v > T(0) || v != v ? v : T(0);  // NaN stays NaN
    default: break;
  }
  if constexpr (kFloat<T>) {
    switch (op) {
      case UnaryOp::Exp: return exp(v);
      case UnaryOp::Log: return log(v);
      case UnaryOp::Sqrt: return sqrt(v);
      case UnaryOp::Rsqrt: return T(1) / sqrt(v);
      case UnaryOp::Sin: return sin(v);
      case UnaryOp::Cos: return cos(v);
      case UnaryOp::Tanh: return tanh(v);
      case UnaryOp::Erf: return erf(v);
      case UnaryOp::Sigmoid: return T(1) / (T(1) + exp(-v));             // 1 / (1 + e^-x)
      case UnaryOp::Silu: return v / (T(1) + exp(-v));                   // x sigmoid(x)
      case UnaryOp::Gelu: return T(0.5) * v * (T(1) + erf(v * T(0.70710678118654752440)));  // x Phi(x)
      case UnaryOp::Pow: return pow(v, p);
      case UnaryOp::Softplus: return (v > T(0) ? v : T(0)) + log1p(exp(-fabs(v)));  // max(x,0) + log1p(e^-|x|)
      default: break;
    }
  }
  return v;  // unreachable: the host refuses ops a dtype does not have
}

template <typename T>
struct UnaryF {
  T* out;
  const T* x;
  UnaryOp op;
  T p;
  __device__ void operator()(const int64_t (&o)[2]) const { out[o[0]] = unary_op<T>(op, x[o[1]], p); }
};

template <typename T>
__device__ T binary_op(BinaryOp op, T x, T y) {
  switch (op) {
    case BinaryOp::Add: return x + y;
    case BinaryOp::Sub: return x - y;
    case BinaryOp::Mul: return x * y;
    case BinaryOp::Div: return x / y;  // int64: the ops layer refuses it
    // maximum/minimum propagate NaN: x != x only for NaN.
    case BinaryOp::Maximum: return x != x ? x : (y != y || y > x ? y : x);
    case BinaryOp::Minimum: return x != x ? x : (y != y || y < x ? y : x);
    case BinaryOp::Eq: return static_cast<T>(x == y);
    case BinaryOp::Ne: return static_cast<T>(x != y);
    case BinaryOp::Lt: return static_cast<T>(x < y);
    case BinaryOp::Le: return static_cast<T>(x <= y);
    case BinaryOp::Gt: return static_cast<T>(x > y);
    case BinaryOp::Ge: return static_cast<T>(x >= y);
    case BinaryOp::Pow:
      if constexpr (kFloat<T>) return pow(x, y);
      break;
    case BinaryOp::SiluBackward:  // g silu'(x) = g s (1 + x (1 - s)),  s = sigmoid(x);  here g = x, x = y
      if constexpr (kFloat<T>) {
        const T s = T(1) / (T(1) + exp(-y));
        return x * s * (T(1) + y * (T(1) - s));
      }
      break;
  }
  return x;  // unreachable: the host refuses ops a dtype does not have
}

template <typename T>
struct BinaryF {
  T* out;
  const T* a;
  const T* b;
  BinaryOp op;
  __device__ void operator()(const int64_t (&o)[3]) const { out[o[0]] = binary_op<T>(op, a[o[1]], b[o[2]]); }
};

template <typename T, typename C>
struct WhereF {
  T* out;
  const C* cond;
  const T* a;
  const T* b;
  __device__ void operator()(const int64_t (&o)[4]) const { out[o[0]] = cond[o[1]] != C(0) ? a[o[2]] : b[o[3]]; }
};

template <typename T>
struct ClampF {
  T* out;
  const T* x;
  T lo, hi;
  __device__ void operator()(const int64_t (&o)[2]) const {
    const T v = x[o[1]];
    out[o[0]] = v != v ? v : (v < lo ? lo : (v > hi ? hi : v));
  }
};

bool unary_has_int64(UnaryOp op) {
  return op == UnaryOp::Neg || op == UnaryOp::Abs || op == UnaryOp::Sign || op == UnaryOp::Relu;
}

}  // namespace

void CudaBackend::copy(const Tensor& src, const Tensor& dst) {
  dispatch(dst.dtype(), "copy", [&]<typename Out>() {
    dispatch(src.dtype(), "copy", [&]<typename In>() {
      for_each_element<2>("copy", dst.shape(), {dst.strides(), src.strides()}, CopyF<Out, In>{ptr<Out>(dst), ptr<In>(src)});
    });
  });
}

void CudaBackend::fill(const Tensor& dst, double value) {
  dispatch(dst.dtype(), "fill", [&]<typename T>() {
    for_each_element<1>("fill", dst.shape(), {dst.strides()}, FillF<T>{ptr<T>(dst), static_cast<T>(value)});
  });
}

void CudaBackend::unary(UnaryOp op, const Tensor& x, const Tensor& out, double scalar) {
  RILL_CHECK(is_floating(x.dtype()) || unary_has_int64(op),
             "unary: op {} not available for dtype {}", static_cast<int>(op), x.dtype());
  dispatch(x.dtype(), "unary", [&]<typename T>() {
    for_each_element<2>("unary", out.shape(), {out.strides(), x.strides()},
                        UnaryF<T>{ptr<T>(out), ptr<T>(x), op, static_cast<T>(scalar)});
  });
}

void CudaBackend::binary(BinaryOp op, const Tensor& a, const Tensor& b, const Tensor& out) {
  RILL_CHECK(is_floating(a.dtype()) || (op != BinaryOp::Pow && op != BinaryOp::SiluBackward),
             "binary: op {} not available for dtype {}",
             static_cast<int>(op), a.dtype());
  dispatch(a.dtype(), "binary", [&]<typename T>() {
    for_each_element<3>("binary", out.shape(), {out.strides(), a.strides(), b.strides()},
                        BinaryF<T>{ptr<T>(out), ptr<T>(a), ptr<T>(b), op});
  });
}

void CudaBackend::where(const Tensor& cond, const Tensor& a, const Tensor& b, const Tensor& out) {
  dispatch(out.dtype(), "where", [&]<typename T>() {
    dispatch(cond.dtype(), "where", [&]<typename C>() {
      for_each_element<4>("where", out.shape(), {out.strides(), cond.strides(), a.strides(), b.strides()},
                          WhereF<T, C>{ptr<T>(out), ptr<C>(cond), ptr<T>(a), ptr<T>(b)});
    });
  });
}

void CudaBackend::clamp(const Tensor& x, const Tensor& out, double lo, double hi) {
  dispatch(x.dtype(), "clamp", [&]<typename T>() {
    // An infinite bound means "none"; for int64 that is the type's own limit (bound_cast saturates).
    for_each_element<2>("clamp", out.shape(), {out.strides(), x.strides()},
                        ClampF<T>{ptr<T>(out), ptr<T>(x), bound_cast<T>(lo), bound_cast<T>(hi)});
  });
}

}  // namespace rill::cuda
