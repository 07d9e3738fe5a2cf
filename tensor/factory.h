// rill — creating tensors.
//
//   zeros({2, 3})                                   float32 on the CPU
//   ones({4}, DType::Float64)
//   full({2, 2}, 7.0, {DType::Int64, Device::cpu()})
//   tensor({1.f, 2.f, 3.f, 4.f}, {2, 2})            from data, shape given
//   randn({128, 2}), randn({128, 2}, {}, &gen)      from the default or a given generator
//
// Random factories draw through Philox (philox.h): the same generator state gives
// the same numbers on every device.
#pragma once

#include <initializer_list>
#include <vector>

#include "tensor/random.h"
#include "tensor/tensor.h"

namespace rill {

Tensor empty(const Shape& shape, TensorOptions options = {});
Tensor zeros(const Shape& shape, TensorOptions options = {});
Tensor ones(const Shape& shape, TensorOptions options = {});
Tensor full(const Shape& shape, double value, TensorOptions options = {});
Tensor zeros_like(const Tensor& x);
Tensor ones_like(const Tensor& x);
Tensor full_like(const Tensor& x, double value);
// A 0-dimensional tensor holding `value`.
Tensor scalar_tensor(double value, TensorOptions options = {});

// start, start + step, ... while < end (> end for negative step).
Tensor arange(double start, double end, double step = 1.0, TensorOptions options = {});
Tensor arange(double end, TensorOptions options = {});
// `steps` points evenly spaced from start to end inclusive.
Tensor linspace(double start, double end, int64_t steps, TensorOptions options = {});
// n x m identity (m = n by default).
Tensor eye(int64_t n, int64_t m = -1, TensorOptions options = {});

// From data in row-major order; an empty shape means 1-D [data.size()] (use
// scalar_tensor for 0-d). The dtype follows
// T (float -> float32, double -> float64, int64_t -> int64); `device` may be CUDA.
template <typename T>
Tensor tensor(const std::vector<T>& data, Shape shape = {}, Device device = Device::cpu());
Tensor tensor(std::initializer_list<float> data, Shape shape = {}, Device device = Device::cpu());

// Uniform on [0, 1).
Tensor rand(const Shape& shape, TensorOptions options = {}, Generator* gen = nullptr);
// Standard normal.
Tensor randn(const Shape& shape, TensorOptions options = {}, Generator* gen = nullptr);
// Integers uniform on [low, high); int64 unless options say otherwise.
Tensor randint(int64_t low, int64_t high, const Shape& shape, TensorOptions options = DType::Int64,
               Generator* gen = nullptr);
// A random permutation of 0..n-1 (Fisher-Yates on the host, then moved to `device`).
Tensor randperm(int64_t n, TensorOptions options = DType::Int64, Generator* gen = nullptr);

}  // namespace rill
