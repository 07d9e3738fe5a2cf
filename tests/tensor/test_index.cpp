#include "helpers.h"

using namespace rill;
using rill::test::pattern;
using rill::test::require_close;
using rill::test::values;

namespace {
Tensor idx(std::vector<int64_t> v, Shape shape = {}) { return tensor(v, std::move(shape)); }
double dot(const Tensor& a, const Tensor& b) { return ops::sum(ops::mul(a, b)).item(); }
}  // namespace

TEST_CASE("cat and stack", "[tensor][index]") {
  const Tensor a = ops::reshape(arange(6, DType::Float64), {2, 3});
  const Tensor b = ops::reshape(arange(6, 10, 1, DType::Float64), {2, 2});
  require_close(ops::cat({a, b}, 1), {0, 1, 2, 6, 7, 3, 4, 5, 8, 9});
  require_close(ops::cat({a, ops::transpose(ops::reshape(a, {3, 2}), 0, 1)}, 0), {0, 1, 2, 3, 4, 5, 0, 2, 4, 1, 3, 5});
  const Tensor s = ops::stack({a, a}, 1);
  CHECK(s.shape() == Shape{2, 2, 3});
  require_close(s, {0, 1, 2, 0, 1, 2, 3, 4, 5, 3, 4, 5});
  CHECK(ops::stack({a, a}, -1).shape() == Shape{2, 3, 2});
  REQUIRE_ERROR(ops::cat({a, b}, 0), "cat: tensor 1 has shape [2, 2], incompatible with tensor 0's [2, 3]");
  REQUIRE_ERROR(ops::cat({a, ops::to(a, DType::Float32)}, 0),
                "cat: tensor 1 is float32 on cpu, tensor 0 is float64 on cpu");
  REQUIRE_ERROR(ops::stack({a, b}, 0), "stack: tensor 1 has shape [2, 2], tensor 0 has [2, 3]");
}

TEST_CASE("split and chunk are views that cat puts back together", "[tensor][index]") {
  const Tensor x = pattern({7, 3});
  const auto pieces = ops::split(x, 3, 0);
  REQUIRE(pieces.size() == 3);
  CHECK(pieces[2].shape() == Shape{1, 3});
  CHECK(pieces[1].storage() == x.storage());
  require_close(ops::cat(pieces, 0), values(x));
  const auto uneven = ops::split(x, std::vector<int64_t>{1, 6}, 0);
  CHECK(uneven[1].shape() == Shape{6, 3});
  REQUIRE_ERROR(ops::split(x, std::vector<int64_t>{1, 2}, 0),
                "split: sizes [1, 2] sum to 3, but dimension 0 has size 7");
  CHECK(ops::chunk(x, 3, 0).size() == 3);
  CHECK(ops::chunk(x, 3, 1)[2].shape() == Shape{7, 1});
}

TEST_CASE("index_select picks entries along an axis", "[tensor][index]") {
  const Tensor x = ops::reshape(arange(12, DType::Float64), {3, 4});
  require_close(ops::index_select(x, 0, idx({2, 0, 2})), {8, 9, 10, 11, 0, 1, 2, 3, 8, 9, 10, 11});
  require_close(ops::index_select(x, 1, idx({3, 1})), {3, 1, 7, 5, 11, 9});
  require_close(ops::index_select(ops::transpose(x, 0, 1), 0, idx({1})), {1, 5, 9});
  REQUIRE_ERROR(ops::index_select(x, 0, idx({0, 3})),
                "index_select: index values span [0, 3], out of range for dimension 0 of size 3");
  REQUIRE_ERROR(ops::index_select(x, 0, tensor({0.f})), "index_select: index must be int64, got float32");
}

TEST_CASE("gather reads along an axis - scatter_add is its adjoint", "[tensor][index]") {
  const Tensor x = ops::reshape(arange(12, DType::Float64), {3, 4});
  const Tensor i1 = idx({0, 3, 1, 1, 2, 0}, {3, 2});
  require_close(ops::gather(x, 1, i1), {0, 3, 5, 5, 10, 8});  // out[r][c] = x[r][i1[r][c]]
  const Tensor i0 = idx({2, 0, 1, 2}, {1, 4});
  require_close(ops::gather(x, 0, i0), {8, 1, 6, 11});  // out[r][c] = x[i0[r][c]][c]

  const Tensor src = tensor(std::vector<double>{1, 2, 3, 4, 5, 6}, {3, 2});
  const Tensor out = ops::scatter_add(zeros({3, 4}, DType::Float64), 1, idx({1, 1, 0, 3, 2, 2}, {3, 2}), src);
  require_close(out, {0, 3, 0, 0, 3, 0, 0, 4, 0, 0, 11, 0});  // repeated indices accumulate

  // Adjoint identity <gather(x, i), y> == <x, scatter_add(0, i, y)>, along each axis,
  // with a strided x and random indices.
  Generator gen(7);
  const Tensor big = ops::transpose(pattern({6, 5, 4}), 0, 2);  // [4, 5, 6], non-contiguous
  for (int64_t dim = 0; dim < 3; ++dim) {
    Shape ishape = {3, 4, 5};
    const Tensor index = randint(0, big.size(dim), ishape, DType::Int64, &gen);
    const Tensor y = randn(ishape, DType::Float64, &gen);
    const double lhs = dot(ops::gather(big, dim, index), y);
    const double rhs = dot(big, ops::scatter_add(zeros_like(big), dim, index, y));
    CHECK(lhs == Approx(rhs).epsilon(1e-12));
  }
  REQUIRE_ERROR(ops::gather(x, 1, idx({4}, {1, 1})),
                "gather: index values span [4, 4], out of range for dimension 1 of size 4");
  REQUIRE_ERROR(ops::gather(x, 1, idx({0})), "gather: index has 1 dimensions, input has 2");
  REQUIRE_ERROR(ops::gather(x, 1, idx({0, 0, 0, 0}, {4, 1})),
                "gather: index shape [4, 1] is larger than input shape [3, 4] at dimension 0");
}
