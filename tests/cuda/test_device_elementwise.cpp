// Elementwise kernels on every device against the CPU: copy/cast, fill, unary,
// binary (broadcast), where, clamp; contiguous, strided and broadcast operands.
#include "cuda/device_test.h"

using namespace rill;
using namespace rill::test;

namespace {
// Values in [-3, 3], with int64 ones from rounding (so int ops see negatives and zeros).
Tensor values_of(DType d, const Shape& shape) {
  const Tensor x = pattern(shape, DType::Float64, 2.0);
  return d == DType::Int64 ? ops::to(ops::mul(x, 2.0), DType::Int64) : ops::to(x, d);
}
}  // namespace

// Every op of the table (tensor/elementwise_ops.h) in every dtype it accepts: a new op is
// compared with the CPU here without touching this file.
DEVICE_TEST_CASE("device: unary ops on contiguous and strided inputs", "[device][elementwise]") {
  for (DType d : kAllTypes)
    for (UnaryOp op : kUnaryOps) {
      if (!accepts(op, d)) continue;
      INFO("op " << op_name(op) << ", dtype " << dtype_name(d));
      // Log, Sqrt of negatives give NaN on both devices (require_close accepts NaN == NaN).
      const Tensor x = values_of(d, {6, 7});
      const Tensor xt = ops::transpose(x, 0, 1);  // strided
      require_same(ops::unary(op, on(device, x), 1.7), ops::unary(op, x, 1.7), tol_for(d));
      require_same(ops::unary(op, on(device, xt), 1.7), ops::unary(op, xt, 1.7), tol_for(d));
    }
}

DEVICE_TEST_CASE("device: binary ops with broadcasting", "[device][elementwise]") {
  for (DType d : kAllTypes)
    for (BinaryOp op : kBinaryOps) {
      if (!accepts(op, d)) continue;
      INFO("op " << op_name(op) << ", dtype " << dtype_name(d));
      // a [3, 1, 5] against b [4, 5] -> [3, 4, 5]; Pow gets a positive base.
      Tensor a = values_of(d, {3, 1, 5});
      if (op == BinaryOp::Pow) a = ops::add(ops::abs(a), 0.5);
      const Tensor b = values_of(d, {5, 4});
      const Tensor bt = ops::transpose(b, 0, 1);  // [4, 5], strided
      require_same(ops::binary(op, on(device, a), on(device, bt)), ops::binary(op, a, bt), tol_for(d));
      // Equal operands make the comparisons' ties visible.
      require_same(ops::binary(op, on(device, bt), on(device, bt)), ops::binary(op, bt, bt), tol_for(d));
    }
}

DEVICE_TEST_CASE("device: NaN propagates through maximum minimum and relu", "[device][elementwise]") {
  const double nan = std::nan("");
  const Tensor a = tensor(std::vector<double>{nan, 1.0, 2.0, nan});
  const Tensor b = tensor(std::vector<double>{0.0, nan, 3.0, nan});
  require_same(ops::maximum(on(device, a), on(device, b)), ops::maximum(a, b), 0.0);
  require_same(ops::minimum(on(device, a), on(device, b)), ops::minimum(a, b), 0.0);
  require_same(ops::relu(on(device, a)), ops::relu(a), 0.0);
}

DEVICE_TEST_CASE("device: casts between all dtypes from strided views", "[device][elementwise]") {
  for (DType from : kAllTypes)
    for (DType to : kAllTypes) {
      INFO(dtype_name(from) << " -> " << dtype_name(to));
      const Tensor x = ops::slice(ops::transpose(values_of(from, {5, 8}), 0, 1), 0, 1, 8, 2);  // [4, 5], strided
      require_same(ops::to(on(device, x), to), ops::to(x, to), 0.0);
    }
}

DEVICE_TEST_CASE("device: copy into slices with cat and fill of a strided view", "[device][elementwise]") {
  for (DType d : kAllTypes) {
    const Tensor a = values_of(d, {2, 3, 4}), b = values_of(d, {2, 5, 4});
    require_same(ops::cat({on(device, a), on(device, b)}, 1), ops::cat({a, b}, 1), 0.0);
    const Tensor cpu = values_of(d, {6, 4});
    const Tensor dev = ops::clone(on(device, cpu));
    ops::fill_(ops::slice(cpu, 0, 1, 6, 2), 7.0);
    ops::fill_(ops::slice(dev, 0, 1, 6, 2), 7.0);
    require_same(dev, cpu, 0.0);
    ops::copy_(ops::select(cpu, 1, 2), ops::select(cpu, 1, 0));
    ops::copy_(ops::select(dev, 1, 2), ops::select(dev, 1, 0));
    require_same(dev, cpu, 0.0);
  }
}

DEVICE_TEST_CASE("device: where with a broadcast condition and clamp", "[device][elementwise]") {
  for (DType d : kAllTypes) {
    const Tensor cond = ops::gt(values_of(DType::Float64, {4, 1}), zeros({1}, DType::Float64));  // float64 0/1
    const Tensor a = values_of(d, {4, 6}), b = values_of(d, {6});
    require_same(ops::where(on(device, cond), on(device, a), on(device, b)), ops::where(cond, a, b), 0.0);
    const double inf = std::numeric_limits<double>::infinity();
    require_same(ops::clamp(on(device, a), -1.0, 2.0), ops::clamp(a, -1.0, 2.0), 0.0);
    require_same(ops::clamp(on(device, a), -inf, 0.5), ops::clamp(a, -inf, 0.5), 0.0);
    require_same(ops::clamp(on(device, a), -1.0, inf), ops::clamp(a, -1.0, inf), 0.0);
  }
}

DEVICE_TEST_CASE("device: to() round trip keeps every bit", "[device][elementwise]") {
  for (DType d : kAllTypes) {
    const Tensor x = values_of(d, {3, 17});
    const Tensor back = ops::to(on(device, x), Device::cpu());
    CHECK(back.device() == Device::cpu());
    CHECK(on(device, x).device() == device);
    require_same(back, x, 0.0);
  }
  // Printing reads the elements through a CPU copy and names a non-CPU device.
  const std::string text = fmt::format("{}", on(device, tensor({1.5f, -2.0f})));
  CHECK(text.find("1.5000") != std::string::npos);
  CHECK((text.find("device='cuda:0'") != std::string::npos) == device.is_cuda());
}
