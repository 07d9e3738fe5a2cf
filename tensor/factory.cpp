#include "tensor/factory.h"

#include <cmath>

#include "tensor/backend.h"
#include "tensor/philox.h"
#include "tensor/profiler.h"
#include "tensor/view.h"

namespace rill {

Tensor empty(const Shape& shape, TensorOptions options) { return Tensor::empty(shape, options); }

Tensor full(const Shape& shape, double value, TensorOptions options) {
  Tensor out = Tensor::empty(shape, options);
  const profiler::Scope scope("fill");
  backend(options.device).fill(out, value);
  return out;
}

Tensor zeros(const Shape& shape, TensorOptions options) { return full(shape, 0.0, options); }
Tensor ones(const Shape& shape, TensorOptions options) { return full(shape, 1.0, options); }
Tensor zeros_like(const Tensor& x) { return zeros(x.shape(), x.options()); }
Tensor ones_like(const Tensor& x) { return ones(x.shape(), x.options()); }
Tensor full_like(const Tensor& x, double value) { return full(x.shape(), value, x.options()); }
Tensor scalar_tensor(double value, TensorOptions options) { return full({}, value, options); }

Tensor arange(double start, double end, double step, TensorOptions options) {
  RILL_CHECK(step != 0, "arange: step must be nonzero");
  RILL_CHECK(std::isfinite(start) && std::isfinite(end), "arange: start {} and end {} must be finite", start, end);
  const int64_t n = std::max<int64_t>(0, static_cast<int64_t>(std::ceil((end - start) / step)));
  std::vector<double> values(n);
  for (int64_t i = 0; i < n; ++i) values[i] = start + static_cast<double>(i) * step;
  return ops::to(tensor(values, {n}, options.device), options.dtype);
}

Tensor arange(double end, TensorOptions options) { return arange(0.0, end, 1.0, options); }

Tensor linspace(double start, double end, int64_t steps, TensorOptions options) {
  RILL_CHECK(steps >= 0, "linspace: steps must be >= 0, got {}", steps);
  std::vector<double> values(steps);
  const double step = steps > 1 ? (end - start) / static_cast<double>(steps - 1) : 0.0;
  // Fill from both ends so that the last value is exactly `end` (as PyTorch does).
  // (A single step is the start, as in PyTorch.)
  for (int64_t i = 0; i < steps; ++i)
    values[i] = steps == 1      ? start
                : i < steps / 2 ? start + step * static_cast<double>(i)
                                : end - step * static_cast<double>(steps - 1 - i);
  return ops::to(tensor(values, {steps}, options.device), options.dtype);
}

Tensor eye(int64_t n, int64_t m, TensorOptions options) {
  if (m < 0) m = n;
  RILL_CHECK(n >= 0, "eye: size must be >= 0, got {}", n);
  std::vector<double> values(static_cast<size_t>(n * m), 0.0);
  for (int64_t i = 0; i < std::min(n, m); ++i) values[i * m + i] = 1.0;
  return ops::to(tensor(values, {n, m}, options.device), options.dtype);
}

template <typename T>
Tensor tensor(const std::vector<T>& data, Shape shape, Device device) {
  if (shape.empty()) shape = {static_cast<int64_t>(data.size())};
  RILL_CHECK(numel(shape) == static_cast<int64_t>(data.size()), "tensor: {} values do not fill shape {} ({} elements)",
             data.size(), shape_str(shape), numel(shape));
  Tensor out = Tensor::empty(shape, {dtype_v<T>, device});
  backend(device).copy_from_host(out.raw_data(), data.data(), data.size() * sizeof(T));
  return out;
}
template Tensor tensor<float>(const std::vector<float>&, Shape, Device);
template Tensor tensor<double>(const std::vector<double>&, Shape, Device);
template Tensor tensor<int64_t>(const std::vector<int64_t>&, Shape, Device);

Tensor tensor(std::initializer_list<float> data, Shape shape, Device device) {
  return tensor(std::vector<float>(data), std::move(shape), device);
}

namespace {
Generator& pick(Generator* gen) { return gen ? *gen : default_generator(); }
}  // namespace

Tensor rand(const Shape& shape, TensorOptions options, Generator* gen) {
  Tensor out = Tensor::empty(shape, options);
  RILL_CHECK(is_floating(options.dtype), "rand: expected a floating dtype, got {}", options.dtype);
  Generator& g = pick(gen);
  const uint64_t first = g.reserve(static_cast<uint64_t>(out.numel()));  // one block per element
  const profiler::Scope scope("rand");
  backend(options.device).random_uniform(out, g.seed(), first);
  return out;
}

Tensor randn(const Shape& shape, TensorOptions options, Generator* gen) {
  Tensor out = Tensor::empty(shape, options);
  RILL_CHECK(is_floating(options.dtype), "randn: expected a floating dtype, got {}", options.dtype);
  Generator& g = pick(gen);
  const uint64_t first = g.reserve((static_cast<uint64_t>(out.numel()) + 1) / 2);  // two per block
  const profiler::Scope scope("randn");
  backend(options.device).random_normal(out, g.seed(), first);
  return out;
}

Tensor randint(int64_t low, int64_t high, const Shape& shape, TensorOptions options, Generator* gen) {
  RILL_CHECK(low < high, "randint: empty range [{}, {})", low, high);
  Tensor out = Tensor::empty(shape, options);
  Generator& g = pick(gen);
  const uint64_t first = g.reserve(static_cast<uint64_t>(out.numel()));
  const profiler::Scope scope("randint");
  backend(options.device).random_int(out, low, high, g.seed(), first);
  return out;
}

Tensor randperm(int64_t n, TensorOptions options, Generator* gen) {
  RILL_CHECK(n >= 0, "randperm: n must be >= 0, got {}", n);
  // Fisher-Yates: for i = n-1 down to 1, swap perm[i] with perm[j], j uniform in [0, i],
  // drawn from block first + (n - 1 - i).
  std::vector<int64_t> perm(n);
  for (int64_t i = 0; i < n; ++i) perm[i] = i;
  Generator& g = pick(gen);
  const uint64_t first = g.reserve(static_cast<uint64_t>(std::max<int64_t>(n - 1, 0)));
  for (int64_t i = n - 1; i >= 1; --i) {
    const auto block = philox::block(g.seed(), first + static_cast<uint64_t>(n - 1 - i));
    std::swap(perm[i], perm[philox::int_in_range(block, 0, i + 1)]);
  }
  return ops::to(tensor(perm, {n}, options.device), options.dtype);
}

}  // namespace rill
