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
          case Ref::Sum:
            out.push_back(s);
            break;
          case Ref::Mean:
            out.push_back(mean);
            break;
          case Ref::Max:
            out.push_back(*std::max_element(g.begin(), g.end()));
            break;
          case Ref::Min:
            out.push_back(*std::min_element(g.begin(), g.end()));
            break;
          case Ref::Var:
            out.push_back(ss / (n - 1));
            break;
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

namespace {
// Brute-force reduction of any contiguous float64 tensor (values xv, shape `shape`) over
// the axes marked in `red`, by visiting every element: output index = the kept coordinates.
std::vector<double> brute_reduce(const std::vector<double>& xv, const Shape& shape, const std::vector<bool>& red,
                                 const std::string& op) {
  int64_t R = 1;
  for (size_t d = 0; d < shape.size(); ++d) R *= red[d] ? 1 : shape[d];
  std::vector<std::vector<double>> groups(R);
  for (size_t i = 0; i < xv.size(); ++i) {
    int64_t rest = static_cast<int64_t>(i), out = 0, mul = 1;
    for (int64_t d = static_cast<int64_t>(shape.size()) - 1; d >= 0; --d) {
      const int64_t c = rest % shape[d];
      rest /= shape[d];
      if (!red[d]) out += c * mul, mul *= shape[d];
    }
    groups[out].push_back(xv[i]);
  }
  std::vector<double> result;
  for (const auto& g : groups) {
    double s = 0, ss = 0;
    for (double v : g) s += v;
    for (double v : g) ss += (v - s / g.size()) * (v - s / g.size());
    const auto best = op == "min" ? std::min_element(g.begin(), g.end()) : std::max_element(g.begin(), g.end());
    if (op == "sum") result.push_back(s);
    if (op == "mean") result.push_back(s / g.size());
    if (op == "var") result.push_back(ss / (g.size() - 1));
    if (op == "max" || op == "min") result.push_back(*best);
    if (op == "argmax") result.push_back(static_cast<double>(best - g.begin()));
  }
  return result;
}
}  // namespace

TEST_CASE("column and staged reductions: wider than a strip, every op, float32 and float64", "[tensor][reduce]") {
  // Column reductions ([1, n, inner]) work a strip of columns at a time and several
  // reduced blocks go in stages; these shapes have more columns than a strip (64) and
  // a ragged last strip, and every subset of axes.
  for (const Shape& shape : {Shape{3, 5, 150}, Shape{70, 2, 3, 33}}) {
    const int64_t nd = static_cast<int64_t>(shape.size());
    for (int64_t mask = 1; mask < (1 << nd); ++mask) {
      std::vector<bool> red(nd);
      Axes axes;
      for (int64_t d = 0; d < nd; ++d)
        if ((red[d] = (mask >> d & 1))) axes.push_back(d);
      for (const DType dtype : {DType::Float64, DType::Float32}) {
        const Tensor x = pattern(shape, dtype);
        const std::vector<double> xv = values(x);
        const double tol = dtype == DType::Float64 ? 1e-12 : 1e-6;
        INFO("shape " << shape_str(shape) << " axes " << shape_str(axes) << " " << dtype_name(dtype));
        require_close(ops::sum(x, axes), brute_reduce(xv, shape, red, "sum"), tol);
        require_close(ops::mean(x, axes), brute_reduce(xv, shape, red, "mean"), tol);
        require_close(ops::var(x, axes), brute_reduce(xv, shape, red, "var"), tol);
        require_close(ops::max(x, axes), brute_reduce(xv, shape, red, "max"), 0);
        require_close(ops::min(x, axes), brute_reduce(xv, shape, red, "min"), 0);
        if (axes.size() == 1) require_close(ops::argmax(x, axes[0]), brute_reduce(xv, shape, red, "argmax"), 0);
      }
    }
  }
}

TEST_CASE("column reductions: NaN wins its column only, ties keep the first index", "[tensor][reduce]") {
  // [3, 100]: column 70 has a NaN in row 1; column 5 ties rows 0 and 2.
  std::vector<double> v(300, 0.0);
  v[1 * 100 + 70] = NAN;
  v[0 * 100 + 5] = v[2 * 100 + 5] = 2.0;
  const Tensor x = tensor(v, {3, 100});
  const std::vector<double> mx = values(ops::max(x, {0}));
  const std::vector<int64_t> am = ops::argmax(x, 0).to_vector<int64_t>();
  CHECK(std::isnan(mx[70]));
  CHECK(am[70] == 1);
  CHECK(mx[5] == 2.0);
  CHECK(am[5] == 0);
  CHECK(std::count_if(mx.begin(), mx.end(), [](double m) { return std::isnan(m); }) == 1);
}

TEST_CASE("a staged float32 sum carries float64 between stages", "[tensor][reduce]") {
  // Sum over {0, 2} of [3, 2, n] is staged: rows of n first, then axis 0. With every
  // element v = 1 + 2^-12 and n = 4097, a float32 row sum would be rounded (n v needs more
  // than 24 bits) and three of them give 12294.0f; carried in float64, the total 3 n v is
  // rounded once, to 12294.001f. (Values found by trying both roundings.)
  const int64_t n = 4097;
  const double v = 1 + std::ldexp(1.0, -12);
  const Tensor x = full({3, 2, n}, v, {DType::Float32, Device::cpu()});
  const float expected = static_cast<float>(3.0 * n * v);
  CHECK(expected != static_cast<float>(3.0 * static_cast<float>(n * v)));  // the two roundings differ
  for (double s : values(ops::sum(x, {0, 2}))) CHECK(static_cast<float>(s) == expected);
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
