// rill — element types.
//
// Three dtypes, chosen for what the project needs:
//   float32  everything a model computes,
//   float64  references and gradcheck (central differences need the precision),
//   int64    labels and indices.
// dispatch() turns a runtime dtype into a compile-time type T for a kernel body.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string_view>
#include <type_traits>

#include "tensor/error.h"

namespace rill {

enum class DType { Float32, Float64, Int64 };

constexpr size_t dtype_size(DType d) { return d == DType::Float32 ? 4 : 8; }

constexpr std::string_view dtype_name(DType d) {
  switch (d) {
    case DType::Float32:
      return "float32";
    case DType::Float64:
      return "float64";
    case DType::Int64:
      return "int64";
  }
  return "?";
}

constexpr bool is_floating(DType d) { return d != DType::Int64; }

// A bound given as double (clamp's lo and hi; +-inf means "none") in the type T. For
// int64 a bound beyond the type's range saturates at its limits: casting it would be
// undefined behaviour.
template <typename T>
constexpr T bound_cast(double v) {
  if constexpr (!std::is_floating_point_v<T>) {
    if (v <= -9.2233720368547758e18) return std::numeric_limits<T>::lowest();
    if (v >= 9.2233720368547758e18) return std::numeric_limits<T>::max();
  }
  return static_cast<T>(v);
}

// The C++ type that stores a dtype, and back.
template <typename T>
struct dtype_of;
template <>
struct dtype_of<float> {
  static constexpr DType value = DType::Float32;
};
template <>
struct dtype_of<double> {
  static constexpr DType value = DType::Float64;
};
template <>
struct dtype_of<int64_t> {
  static constexpr DType value = DType::Int64;
};
template <typename T>
inline constexpr DType dtype_v = dtype_of<T>::value;

// Accumulator type for sums: float32 sums accumulate in double so that reductions
// over millions of elements stay accurate (and tests can compare tightly).
template <typename T>
struct acc_type {
  using type = T;
};
template <>
struct acc_type<float> {
  using type = double;
};
template <typename T>
using acc_t = typename acc_type<T>::type;

}  // namespace rill

template <>
struct fmt::formatter<rill::DType> : fmt::formatter<std::string_view> {
  auto format(rill::DType d, format_context& ctx) const {
    return fmt::formatter<std::string_view>::format(rill::dtype_name(d), ctx);
  }
};

// dispatch(dtype, "op", [&]<typename T>() { ... })  runs the lambda with T bound to the
// dtype's C++ type.  dispatch_float does the same for float32/float64 only and throws a
// clear error naming `op` for int64. (Functions, not macros, so that OpenMP pragmas
// inside kernel bodies work.)
namespace rill {
template <typename F>
decltype(auto) dispatch(DType d, const char* op, F&& f) {
  switch (d) {
    case DType::Float32:
      return f.template operator()<float>();
    case DType::Float64:
      return f.template operator()<double>();
    case DType::Int64:
      return f.template operator()<int64_t>();
  }
  throw Error(fmt::format("{}: unknown dtype", op));
}
template <typename F>
decltype(auto) dispatch_float(DType d, const char* op, F&& f) {
  switch (d) {
    case DType::Float32:
      return f.template operator()<float>();
    case DType::Float64:
      return f.template operator()<double>();
    case DType::Int64:
      break;
  }
  throw Error(fmt::format("{}: expected a floating dtype (float32 or float64), got {}", op, d));
}
}  // namespace rill
