#include "helpers.h"

using namespace rill;
using rill::test::pattern;
using rill::test::require_close;
using rill::test::values;

namespace {
bool shares_storage(const Tensor& a, const Tensor& b) { return a.storage() == b.storage(); }
}  // namespace

TEST_CASE("reshape and view share storage - -1 is inferred", "[tensor][views]") {
  const Tensor x = arange(12, DType::Float64);
  const Tensor r = ops::reshape(x, {3, -1});
  CHECK(r.shape() == Shape{3, 4});
  CHECK(r.strides() == Strides{4, 1});
  CHECK(shares_storage(r, x));
  ops::fill_(ops::select(r, 0, 1), -1.0);  // writes through the view ...
  CHECK(x.at({5}) == -1.0);                // ... are seen by the base
  REQUIRE_ERROR(ops::reshape(x, {5, -1}), "reshape: shape [5, -1] is invalid for input of shape [12] (12 elements)");
  REQUIRE_ERROR(ops::reshape(x, {-1, -1}), "reshape: only one dimension can be -1");
}

TEST_CASE("reshape copies only when no view exists", "[tensor][views]") {
  const Tensor x = ops::reshape(arange(6, DType::Float64), {2, 3});
  const Tensor t = ops::transpose(x, 0, 1);  // [3, 2], strides [1, 3]
  CHECK_FALSE(t.is_contiguous());
  // Splitting an axis of a transposed tensor is still a view ...
  const Tensor split = ops::reshape(t, {3, 2, 1});
  CHECK(shares_storage(split, x));
  // ... but flattening it needs a copy, and view() refuses.
  const Tensor flat = ops::reshape(t, {6});
  CHECK_FALSE(shares_storage(flat, x));
  require_close(flat, {0, 3, 1, 4, 2, 5});
  REQUIRE_ERROR(ops::view(t, {6}), "view: cannot view a tensor of shape [3, 2] with strides [1, 3] as [6]");
  // A view of an expanded (stride-0) axis keeps it stride 0.
  const Tensor e = ops::expand(ops::reshape(arange(3), {3, 1}), {3, 4});
  CHECK(ops::reshape(e, {3, 2, 2}).strides() == Strides{1, 0, 0});
}

TEST_CASE("permute and transpose reorder axes without copying", "[tensor][views]") {
  const Tensor x = pattern({2, 3, 4});
  const Tensor p = ops::permute(x, {2, 0, 1});
  CHECK(p.shape() == Shape{4, 2, 3});
  CHECK(p.strides() == Strides{1, 12, 4});
  CHECK(shares_storage(p, x));
  for (int64_t i = 0; i < 2; ++i)
    for (int64_t j = 0; j < 3; ++j)
      for (int64_t k = 0; k < 4; ++k) CHECK(p.at({k, i, j}) == x.at({i, j, k}));
  CHECK(ops::transpose(x, -1, 0).shape() == Shape{4, 3, 2});
  REQUIRE_ERROR(ops::permute(x, {0, 1}), "permute: got 2 dims [0, 1] for a tensor with 3 dimensions");
  REQUIRE_ERROR(ops::permute(x, {0, 1, 1}), "permute: dims [0, 1, 1] repeat dimension 1");
  REQUIRE_ERROR(ops::transpose(x, 0, 3), "transpose: dimension 3 out of range for a tensor with 3 dimensions");
}

TEST_CASE("narrow, slice and select", "[tensor][views]") {
  const Tensor x = ops::reshape(arange(20, DType::Float64), {4, 5});
  const Tensor n = ops::narrow(x, 1, 1, 3);
  CHECK(n.shape() == Shape{4, 3});
  CHECK(n.offset() == 1);
  require_close(ops::contiguous(ops::narrow(x, 0, -2, 2)), {10, 11, 12, 13, 14, 15, 16, 17, 18, 19});
  REQUIRE_ERROR(ops::narrow(x, 1, 3, 3), "narrow: range [3, 6) out of bounds for dimension 1 of size 5 (shape [4, 5])");

  require_close(ops::contiguous(ops::slice(x, 1, 0, 5, 2)), {0, 2, 4, 5, 7, 9, 10, 12, 14, 15, 17, 19});
  require_close(ops::contiguous(ops::slice(x, 0, -1, 100)), {15, 16, 17, 18, 19});  // clamped like Python
  CHECK(ops::slice(x, 0, 3, 1).numel() == 0);
  REQUIRE_ERROR(ops::slice(x, 0, 0, 2, 0), "slice: step must be >= 1, got 0");

  const Tensor col = ops::select(x, 1, -1);
  CHECK(col.shape() == Shape{4});
  require_close(ops::contiguous(col), {4, 9, 14, 19});
}

TEST_CASE("expand broadcasts with stride 0", "[tensor][views]") {
  const Tensor x = tensor({1.f, 2.f, 3.f}, {3, 1});
  const Tensor e = ops::expand(x, {2, 3, 4});
  CHECK(e.shape() == Shape{2, 3, 4});
  CHECK(e.strides() == Strides{0, 1, 0});
  CHECK(e.at({1, 2, 3}) == 3);
  CHECK(ops::expand(x, {-1, 2}).shape() == Shape{3, 2});
  REQUIRE_ERROR(ops::expand(x, {2, 4}),
                "expand: shape [3, 1] cannot be expanded to [2, 4] (size 3 vs 2 at dimension 0)");
}

TEST_CASE("squeeze, unsqueeze, flatten", "[tensor][views]") {
  const Tensor x = zeros({2, 1, 3, 1});
  CHECK(ops::squeeze(x).shape() == Shape{2, 3});
  CHECK(ops::squeeze(x, 1).shape() == Shape{2, 3, 1});
  CHECK(ops::squeeze(x, 0).shape() == Shape{2, 1, 3, 1});  // not size 1: unchanged
  CHECK(ops::unsqueeze(zeros({2, 3}), 0).shape() == Shape{1, 2, 3});
  CHECK(ops::unsqueeze(zeros({2, 3}), -1).shape() == Shape{2, 3, 1});
  CHECK(ops::unsqueeze(zeros({2, 3}), 1).is_contiguous());
  REQUIRE_ERROR(ops::unsqueeze(zeros({2, 3}), 4), "unsqueeze: dimension 4 out of range");
  CHECK(ops::flatten(zeros({2, 3, 4})).shape() == Shape{24});
  CHECK(ops::flatten(zeros({2, 3, 4, 5}), 1, 2).shape() == Shape{2, 12, 5});
  CHECK(ops::flatten(scalar_tensor(1)).shape() == Shape{1});
}

TEST_CASE("contiguous copies only when needed - clone always - to() casts", "[tensor][views]") {
  const Tensor x = pattern({3, 4});
  CHECK(ops::contiguous(x).is_same(x));
  const Tensor t = ops::transpose(x, 0, 1);
  const Tensor c = ops::contiguous(t);
  CHECK(c.is_contiguous());
  CHECK_FALSE(shares_storage(c, x));
  for (int64_t i = 0; i < 4; ++i)
    for (int64_t j = 0; j < 3; ++j) CHECK(c.at({i, j}) == x.at({j, i}));
  CHECK_FALSE(shares_storage(ops::clone(x), x));
  CHECK(ops::to(x, DType::Float64).is_same(x));
  const Tensor f = ops::to(x, DType::Float32);
  CHECK(f.dtype() == DType::Float32);
  require_close(f, values(x), 1e-7);
  CHECK(ops::to(tensor({2.7f, -2.7f}), DType::Int64).to_vector<int64_t>() == std::vector<int64_t>{2, -2});
}

TEST_CASE("copy_ writes into a strided slice and converts dtype", "[tensor][views]") {
  const Tensor x = zeros({3, 4}, DType::Float64);
  ops::copy_(ops::slice(x, 1, 0, 4, 2), ops::reshape(arange(6, DType::Float32), {3, 2}));
  require_close(x, {0, 0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0});
  REQUIRE_ERROR(ops::copy_(x, zeros({4, 3})), "copy_: destination shape [3, 4] differs from source shape [4, 3]");
}
