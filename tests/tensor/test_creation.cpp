#include "helpers.h"
#ifdef RILL_WITH_CUDA
#include "cuda/runtime.h"
#endif

using namespace rill;
using rill::test::require_close;
using rill::test::values;

TEST_CASE("zeros, ones, full, empty have the right shape, dtype and values", "[tensor][creation]") {
  const Tensor z = zeros({2, 3});
  CHECK(z.shape() == Shape{2, 3});
  CHECK(z.strides() == Strides{3, 1});
  CHECK(z.dtype() == DType::Float32);
  CHECK(z.device() == Device::cpu());
  require_close(z, std::vector<double>(6, 0.0));
  require_close(ones({4}, DType::Float64), {1, 1, 1, 1});
  const Tensor f = full({2, 2}, 7, DType::Int64);
  CHECK(f.dtype() == DType::Int64);
  CHECK(f.to_vector<int64_t>() == std::vector<int64_t>{7, 7, 7, 7});
  CHECK(empty({0, 5}).numel() == 0);
  const Tensor s = scalar_tensor(2.5);
  CHECK(s.dim() == 0);
  CHECK(s.item() == 2.5);
  REQUIRE_ERROR(zeros({2, -1}), "empty: negative size in shape [2, -1]");
}

TEST_CASE("tensor() copies data in row-major order", "[tensor][creation]") {
  const Tensor t = tensor({1.f, 2.f, 3.f, 4.f, 5.f, 6.f}, {2, 3});
  CHECK(t.at({0, 2}) == 3);
  CHECK(t.at({1, 0}) == 4);
  CHECK(t.at({-1, -1}) == 6);
  CHECK(tensor(std::vector<int64_t>{5, 6}).dtype() == DType::Int64);
  CHECK(tensor(std::vector<double>{5}).shape() == Shape{1});
  REQUIRE_ERROR(tensor({1.f, 2.f, 3.f}, {2, 2}), "tensor: 3 values do not fill shape [2, 2] (4 elements)");
  REQUIRE_ERROR(t.item(), "item: tensor of shape [2, 3] has 6 elements, expected exactly 1");
  REQUIRE_ERROR(t.at({0, 3}), "select: index 3 out of range for dimension 1 of size 3");
  REQUIRE_ERROR(t.data<double>(), "Tensor::data: tensor has dtype float32, asked for float64");
  REQUIRE_ERROR(Tensor().shape(), "use of an undefined tensor");
}

TEST_CASE("arange, linspace and eye", "[tensor][creation]") {
  require_close(arange(5), {0, 1, 2, 3, 4});
  require_close(arange(1, 2, 0.25, DType::Float64), {1, 1.25, 1.5, 1.75});
  require_close(arange(3, 0, -1), {3, 2, 1});
  CHECK(arange(0, 3, 1, DType::Int64).to_vector<int64_t>() == std::vector<int64_t>{0, 1, 2});
  CHECK(arange(2, 2).numel() == 0);
  REQUIRE_ERROR(arange(0, 1, 0), "arange: step must be nonzero");

  const Tensor l = linspace(-1, 1, 5, DType::Float64);
  require_close(l, {-1, -0.5, 0, 0.5, 1});
  CHECK(values(linspace(0, 1, 7)).back() == 1.0);  // the end point is exact
  CHECK(linspace(3, 9, 1).item() == 3);

  require_close(eye(3), {1, 0, 0, 0, 1, 0, 0, 0, 1});
  const Tensor r = eye(2, 3, DType::Float64);
  CHECK(r.shape() == Shape{2, 3});
  require_close(r, {1, 0, 0, 0, 1, 0});
}

TEST_CASE("to_vector converts dtypes, and Device parses flags", "[tensor][creation]") {
  const Tensor t = tensor({1.5f, -2.f});
  CHECK(t.to_vector<double>() == std::vector<double>{1.5, -2.0});
  CHECK(t.to_vector<int64_t>() == std::vector<int64_t>{1, -2});
  CHECK(Device::parse("cpu") == Device::cpu());
  CHECK(Device::parse("cuda:1") == Device::cuda(1));
  CHECK(Device::parse("cuda").str() == "cuda:0");
  REQUIRE_ERROR(Device::parse("gpu"), "Device::parse: bad device string 'gpu'");
  REQUIRE_ERROR(Device::parse("cuda:x"), "bad device string 'cuda:x'");
}

TEST_CASE("a device without a backend is a clear error", "[tensor][creation]") {
#ifndef RILL_WITH_CUDA
  // Builds without nvcc have no CUDA backend: CUDA tensors are refused with this message.
  REQUIRE_ERROR(zeros({2}, Device::cuda()), "device cuda:0: this build of rill has no CUDA backend");
#else
  // With the backend built but no GPU (CI), the first allocation says so.
  if (cuda::device_count() == 0) REQUIRE_ERROR(zeros({2}, Device::cuda()), "no usable CUDA device for cuda:0");
  REQUIRE_ERROR(zeros({2}, Device::cuda(1)), "device cuda:1: rill's CUDA backend uses one GPU, cuda:0");
#endif
}

TEST_CASE("sizes that overflow 64 bits are errors, never wrapped-around allocations", "[tensor][creation]") {
  // [2^61] float64 is 2^64 bytes, which wraps to 0: unchecked, empty() allocated nothing
  // for a tensor of 2^61 elements.
  const int64_t big = int64_t{1} << 61;
  REQUIRE_ERROR(empty({big}, DType::Float64), "empty: shape [2305843009213693952] is too large (8-byte elements)");
  REQUIRE_ERROR(zeros({big, 4}), "too large");                  // the element count overflows
  REQUIRE_ERROR(zeros({big, big, 0}), "too large");             // 0 elements, but its strides overflow
  CHECK(checked_nbytes({big}, 2, "test") == int64_t{1} << 62);  // the largest sizes that fit are fine
  CHECK(checked_nbytes({3, 0, 5}, 8, "test") == 0);
  CHECK(checked_numel({}, "test") == 1);
  REQUIRE_ERROR(checked_nbytes({2, -3}, 4, "what"), "what: negative size in shape [2, -3]");
  REQUIRE_ERROR(checked_nbytes({1}, size_t{1} << 63, "what"), "what: shape [1] is too large");
  // Views whose shape would overflow numel().
  const Tensor none = zeros({0});
  REQUIRE_ERROR(ops::reshape(none, {big, 8, 0, big}), "reshape: shape");
  REQUIRE_ERROR(ops::reshape(zeros({4}), {-1, big, 16}), "too large");
  REQUIRE_ERROR(ops::expand(zeros({1, 1}), {big, big}),
                "expand: shape [2305843009213693952, 2305843009213693952] is too large");
}
