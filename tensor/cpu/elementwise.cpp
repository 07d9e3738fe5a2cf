// rill CPU — elementwise kernels: copy/cast, fill, unary, binary, where, clamp.
//
// Every kernel here is "out[i] = f(inputs[i])" for each index i of out's shape.
// Two paths: when all operands are contiguous, a flat loop the compiler
// vectorises (split across threads by parallel_chunks); otherwise the strided
// loop of loops.h (which also handles the stride-0 axes of broadcast inputs).
#include <cmath>

#include "tensor/cpu/cpu_backend.h"
#include "tensor/cpu/loops.h"

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
  for_each_row<3>(
      out.shape(),
      {static_cast<char*>(out.raw_data()), static_cast<char*>(a.raw_data()), static_cast<char*>(b.raw_data())},
      {byte_strides(out), byte_strides(a), byte_strides(b)}, [&](auto p, auto s, int64_t n) {
        for (int64_t i = 0; i < n; ++i)
          *reinterpret_cast<T*>(p[0] + i * s[0]) =
              f(*reinterpret_cast<const T*>(p[1] + i * s[1]), *reinterpret_cast<const T*>(p[2] + i * s[2]));
      });
}

}  // namespace

void CpuBackend::copy(const Tensor& src, const Tensor& dst) {
  dispatch(dst.dtype(), "copy", [&]<typename Out>() {
    dispatch(src.dtype(), "copy",
             [&]<typename In>() { map1<Out, In>(src, dst, [](In v) { return static_cast<Out>(v); }); });
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

// Both ops take their formula from tensor/elementwise_ops.h: visit turns the runtime op
// into its description Op, dispatch the dtype into T, and map1/map2 run Op's formula over
// the elements. Each (op, dtype) pair thus gets its own loop, with the formula inlined,
// which the compiler vectorises where the formula allows (no libm call in it).
void CpuBackend::unary(UnaryOp op, const Tensor& x, const Tensor& out, double scalar) {
  visit(op, [&]<typename Op>() {
    dispatch(x.dtype(), Op::name, [&]<typename T>() {
      if constexpr (defined_for<Op, T>) {
        const T p = static_cast<T>(scalar);
        map1<T, T>(x, out, [p](T v) -> T { return apply_unary<Op>(v, p); });
      } else {
        throw Error(fmt::format("{}: not defined for dtype {}", Op::name, x.dtype()));  // ops::unary refuses it first
      }
    });
  });
}

void CpuBackend::binary(BinaryOp op, const Tensor& a, const Tensor& b, const Tensor& out) {
  visit(op, [&]<typename Op>() {
    dispatch(a.dtype(), Op::name, [&]<typename T>() {
      if constexpr (defined_for<Op, T>)
        map2<T>(a, b, out, [](T x, T y) -> T { return Op::f(x, y); });
      else
        throw Error(fmt::format("{}: not defined for dtype {}", Op::name, a.dtype()));  // ops::binary refuses it first
    });
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
