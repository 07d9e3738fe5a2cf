#include <algorithm>
#include <limits>

#include "helpers.h"

using namespace rill;
using rill::test::pattern;
using rill::test::require_close;
using rill::test::values;

namespace {

// Reference reduction of a [2, 3, 4] float64 tensor over a subset of axes,
// written as explicit loops (no rill ops): returns values in row-major order of the
// kept axes.
enum class Ref { Sum, Mean, Max, Min, Var };
std::vector<double> reduce_ref(const std::vector<double>& x, const std::vector<bool>& red, Ref op) {
  const int S[3] = {2, 3, 4};
  std::vector<double> out;
  auto range = [&](int d, int fixed) { return red[d] ? std::pair{0, S[d]} : std::pair{fixed, fixed + 1}; };
  for (int i = 0; i < (red[0] ? 1 : 2); ++i)
    for (int j = 0; j < (red[1] ? 1 : 3); ++j)
      for (int k = 0; k < (red[2] ? 1 : 4); ++k) {
        std::vector<double> g;
        auto [i0, i1] = range(0, i);
        auto [j0, j1] = range(1, j);
        auto [k0, k1] = range(2, k);
        for (int a = i0; a < i1; ++a)
          for (int b = j0; b < j1; ++b)
            for (int c = k0; c < k1; ++c) g.push_back(x[(a * 3 + b) * 4 + c]);
        double s = 0;
        for (double v : g) s += v;
        const double n = static_cast<double>(g.size()), mean = s / n;
        double ss = 0;
        for (double v : g) ss += (v - mean) * (v - mean);
        switch (op) {
          case Ref::Sum: out.push_back(s); break;
          case Ref::Mean: out.push_back(mean); break;
          case Ref::Max: out.push_back(*std::max_element(g.begin(), g.end())); break;
          case Ref::Min: out.push_back(*std::min_element(g.begin(), g.end())); break;
          case Ref::Var: out.push_back(ss / (n - 1)); break;
        }
      }
  return out;
}

}  // namespace

TEST_CASE("sum, mean, max, min, var over every subset of axes, with keepdim", "[tensor][reduce]") {
  const Tensor x = pattern({2, 3, 4});
  const std::vector<double> xv = values(x);
  const std::vector<std::vector<int64_t>> subsets = {{0}, {1}, {2}, {0, 1}, {0, 2}, {-1, -2}, {0, 1, 2}};
  for (const auto& axes : subsets) {
    std::vector<bool> red(3, false);
    for (int64_t a : axes) red[(a + 3) % 3] = true;
    Shape keep_shape;
    for (int d = 0; d < 3; ++d) keep_shape.push_back(red[d] ? 1 : x.size(d));
    INFO("axes " << shape_str(axes));
    require_close(ops::sum(x, axes), reduce_ref(xv, red, Ref::Sum), 1e-14);
    require_close(ops::mean(x, axes), reduce_ref(xv, red, Ref::Mean), 1e-14);
    require_close(ops::max(x, axes), reduce_ref(xv, red, Ref::Max), 0);
    require_close(ops::min(x, axes), reduce_ref(xv, red, Ref::Min), 0);
    require_close(ops::var(x, axes), reduce_ref(xv, red, Ref::Var), 1e-13);
    CHECK(ops::sum(x, axes, true).shape() == keep_shape);
  }
  // Empty axis list = all axes; a permuted (non-contiguous) input gives the same answer.
  CHECK(ops::sum(x).dim() == 0);
  require_close(ops::sum(ops::permute(x, {2, 0, 1}), {1}), values(ops::permute(ops::sum(x, {0}), {1, 0})), 1e-14);
}

TEST_CASE("float32 sums accumulate in double", "[tensor][reduce]") {
  // 2^24 + 2 ones: a float accumulator gets stuck at 2^24 (adding 1 rounds back down);
  // the double accumulator reaches 2^24 + 2, which float represents exactly.
  const Tensor y = ones({(1 << 24) + 2});
  CHECK(ops::sum(y).item() == 16777218.0);
}

TEST_CASE("var with correction 0 and 1 - argmax", "[tensor][reduce]") {
  const Tensor x = tensor(std::vector<double>{1, 2, 3, 4});
  CHECK(ops::var(x, {}, 0).item() == Approx(1.25));
  CHECK(ops::var(x).item() == Approx(5.0 / 3.0));
  const Tensor m = tensor({1.f, 5.f, 5.f, 0.f, -1.f, 7.f}, {2, 3});
  CHECK(ops::argmax(m, 1).to_vector<int64_t>() == std::vector<int64_t>{1, 2});  // first of ties
  CHECK(ops::argmax(m, 0).to_vector<int64_t>() == std::vector<int64_t>{0, 0, 1});
  CHECK(ops::argmax(m, 1, true).shape() == Shape{2, 1});
  CHECK(ops::argmax(m).item() == 5);
  CHECK(std::isnan(ops::max(tensor({1.f, NAN, 3.f})).item()));  // NaN propagates
  CHECK(ops::argmax(tensor({1.f, NAN, 3.f})).item() == 1);
}

TEST_CASE("reductions reject bad axes and empty max with clear messages", "[tensor][reduce]") {
  REQUIRE_ERROR(ops::sum(zeros({2, 3}), {2}), "sum: dimension 2 out of range for a tensor with 2 dimensions");
  REQUIRE_ERROR(ops::sum(zeros({2, 3}), {1, -1}), "sum: axis 1 listed twice");
  REQUIRE_ERROR(ops::max(zeros({0, 3}), {0}), "max: cannot reduce over an empty axis (input shape [0, 3])");
  REQUIRE_ERROR(ops::mean(zeros({2}, DType::Int64)), "mean: expected a floating dtype");
  CHECK(ops::sum(zeros({0, 3}), {0}).to_vector<double>() == std::vector<double>{0, 0, 0});
  CHECK(ops::sum(tensor(std::vector<int64_t>{1, 2, 3})).item() == 6);
}

TEST_CASE("softmax, log_softmax and logsumexp along any axis", "[tensor][reduce]") {
  const Tensor x = pattern({3, 4, 5}, DType::Float64, 3.0);
  const std::vector<double> xv = values(x);
  for (int dim = 0; dim < 3; ++dim) {
    INFO("dim " << dim);
    const int S[3] = {3, 4, 5};
    std::vector<double> sm(xv.size()), lsm(xv.size()), lse;
    // Reference: for every position of the other two axes, normalise along `dim`.
    for (int a = 0; a < 3; ++a)
      for (int b = 0; b < 4; ++b)
        for (int c = 0; c < 5; ++c) {
          int idx[3] = {a, b, c};
          if (idx[dim] != 0) continue;
          double z = 0;
          for (int i = 0; i < S[dim]; ++i) {
            idx[dim] = i;
            z += std::exp(xv[(idx[0] * 4 + idx[1]) * 5 + idx[2]]);
          }
          lse.push_back(std::log(z));
          for (int i = 0; i < S[dim]; ++i) {
            idx[dim] = i;
            const int f = (idx[0] * 4 + idx[1]) * 5 + idx[2];
            sm[f] = std::exp(xv[f]) / z;
            lsm[f] = xv[f] - std::log(z);
          }
        }
    require_close(ops::softmax(x, dim), sm, 1e-14);
    require_close(ops::log_softmax(x, dim), lsm, 1e-14);
    require_close(ops::logsumexp(x, dim), lse, 1e-14);
    CHECK(ops::logsumexp(x, dim, true).size(dim) == 1);
  }
  // Stable for huge logits: the max is subtracted first.
  require_close(ops::softmax(tensor({1000.f, 1000.f}), 0), {0.5, 0.5});
  require_close(ops::log_softmax(tensor({0.f, -1000.f}), 0), {0, -1000});
  require_close(ops::logsumexp(tensor({1000.f, 1000.f}), 0), {1000 + std::log(2.0)}, 1e-7);
  REQUIRE_ERROR(ops::softmax(zeros({2}, DType::Int64), 0), "softmax: expected a floating dtype");
}
