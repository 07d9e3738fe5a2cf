// rill CUDA — elementwise kernels: copy/cast, fill, unary, binary, where, clamp.
//
// Each is "out[i] = f(inputs[i])" over out's shape, one thread per element, through
// for_each_element (loops.cuh), which also handles strided and broadcast (stride 0)
// operands. Unary and binary ops take their formulas from tensor/elementwise_ops.h,
// the same functions the CPU loops call.
#include <cmath>
#include <cstdint>

#include "cuda/cuda_backend.h"
#include "cuda/loops.cuh"

namespace rill::cuda {
namespace {

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

// out = Op's formula (tensor/elementwise_ops.h) on x; `p` is Pow's exponent.
template <typename T, typename Op>
struct UnaryF {
  T* out;
  const T* x;
  T p;
  __device__ void operator()(const int64_t (&o)[2]) const { out[o[0]] = apply_unary<Op>(x[o[1]], p); }
};

template <typename T, typename Op>
struct BinaryF {
  T* out;
  const T* a;
  const T* b;
  __device__ void operator()(const int64_t (&o)[3]) const { out[o[0]] = Op::f(a[o[1]], b[o[2]]); }
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

}  // namespace

void CudaBackend::copy(const Tensor& src, const Tensor& dst) {
  dispatch(dst.dtype(), "copy", [&]<typename Out>() {
    dispatch(src.dtype(), "copy", [&]<typename In>() {
      for_each_element<2>("copy", dst.shape(), {dst.strides(), src.strides()},
                          CopyF<Out, In>{ptr<Out>(dst), ptr<In>(src)});
    });
  });
}

void CudaBackend::fill(const Tensor& dst, double value) {
  dispatch(dst.dtype(), "fill", [&]<typename T>() {
    for_each_element<1>("fill", dst.shape(), {dst.strides()}, FillF<T>{ptr<T>(dst), static_cast<T>(value)});
  });
}

// As on the CPU, visit picks the op's description and dispatch the dtype: each (op, dtype)
// pair is its own kernel, one launch per op, with the formula compiled in (no switch
// on the op inside the kernel).
void CudaBackend::unary(UnaryOp op, const Tensor& x, const Tensor& out, double scalar) {
  visit(op, [&]<typename Op>() {
    dispatch(x.dtype(), Op::name, [&]<typename T>() {
      if constexpr (defined_for<Op, T>)
        for_each_element<2>(Op::name, out.shape(), {out.strides(), x.strides()},
                            UnaryF<T, Op>{ptr<T>(out), ptr<T>(x), static_cast<T>(scalar)});
      else
        throw Error(fmt::format("{}: not defined for dtype {}", Op::name, x.dtype()));  // ops::unary refuses it first
    });
  });
}

void CudaBackend::binary(BinaryOp op, const Tensor& a, const Tensor& b, const Tensor& out) {
  visit(op, [&]<typename Op>() {
    dispatch(a.dtype(), Op::name, [&]<typename T>() {
      if constexpr (defined_for<Op, T>)
        for_each_element<3>(Op::name, out.shape(), {out.strides(), a.strides(), b.strides()},
                            BinaryF<T, Op>{ptr<T>(out), ptr<T>(a), ptr<T>(b)});
      else
        throw Error(fmt::format("{}: not defined for dtype {}", Op::name, a.dtype()));  // ops::binary refuses it first
    });
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
