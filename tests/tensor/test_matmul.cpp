#include <algorithm>
#include <array>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "helpers.h"

using namespace rill;
using rill::test::pattern;
using rill::test::require_close;
using rill::test::values;

namespace {

// Reference product of row-major n x k and k x m matrices in float64.
std::vector<double> matmul_ref(const std::vector<double>& a, const std::vector<double>& b, int64_t n, int64_t k,
                               int64_t m) {
  std::vector<double> c(static_cast<size_t>(n * m), 0.0);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < m; ++j)
      for (int64_t p = 0; p < k; ++p) c[i * m + j] += a[i * k + p] * b[p * m + j];
  return c;
}

}  // namespace

TEST_CASE("2-D matmul matches the float64 triple loop", "[tensor][matmul]") {
  const Tensor a = pattern({5, 7}), b = pattern({7, 3}, DType::Float64, 0.5);
  const Tensor c = ops::matmul(a, b);
  CHECK(c.shape() == Shape{5, 3});
  require_close(c, matmul_ref(values(a), values(b), 5, 7, 3), 1e-14);
  // float32 through sgemm agrees to float precision.
  require_close(ops::matmul(ops::to(a, DType::Float32), ops::to(b, DType::Float32)), values(c), 1e-5);
}

TEST_CASE("transposed and strided operands give the same product", "[tensor][matmul]") {
  const Tensor a = pattern({6, 4}), b = pattern({5, 6});  // use a^T [4, 6] and b^T [6, 5]
  const std::vector<double> expected =
      matmul_ref(values(ops::transpose(a, 0, 1)), values(ops::transpose(b, 0, 1)), 4, 6, 5);
  require_close(ops::matmul(ops::transpose(a, 0, 1), ops::transpose(b, 0, 1)), expected, 1e-14);
  // A view BLAS cannot read (every other column) is copied first.
  const Tensor wide = pattern({4, 12});
  const Tensor every_other = ops::slice(wide, 1, 0, 12, 2);  // [4, 6], column stride 2
  require_close(ops::matmul(every_other, ops::transpose(b, 0, 1)),
                matmul_ref(values(every_other), values(ops::transpose(b, 0, 1)), 4, 6, 5), 1e-14);
  // Row and column vectors as views with odd strides.
  const Tensor row = ops::slice(pattern({1, 12}), 1, 0, 12, 2);  // [1, 6], stride 2
  require_close(ops::matmul(row, ops::transpose(b, 0, 1)),
                matmul_ref(values(row), values(ops::transpose(b, 0, 1)), 1, 6, 5), 1e-14);
}

TEST_CASE("batched matmul broadcasts batch axes", "[tensor][matmul]") {
  const Tensor a = pattern({2, 1, 3, 4});
  const Tensor b = pattern({5, 4, 2}, DType::Float64, 0.7);
  const Tensor c = ops::matmul(a, b);
  REQUIRE(c.shape() == Shape{2, 5, 3, 2});
  const std::vector<double> av = values(a), bv = values(b);
  std::vector<double> expected;
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 5; ++j) {
      const std::vector<double> ai(av.begin() + i * 12, av.begin() + (i + 1) * 12);
      const std::vector<double> bj(bv.begin() + j * 8, bv.begin() + (j + 1) * 8);
      const auto cij = matmul_ref(ai, bj, 3, 4, 2);
      expected.insert(expected.end(), cij.begin(), cij.end());
    }
  require_close(c, expected, 1e-14);
  // A weight [Cout, K] against columns [N, K, L] (convolution as GEMM).
  const Tensor w = pattern({3, 4}), cols = pattern({2, 4, 5});
  const Tensor y = ops::matmul(w, cols);
  REQUIRE(y.shape() == Shape{2, 3, 5});
  require_close(ops::select(y, 0, 1), matmul_ref(values(w), values(ops::select(cols, 0, 1)), 3, 4, 5), 1e-14);
}

TEST_CASE("1-D operands act as row and column vectors", "[tensor][matmul]") {
  const Tensor m = pattern({3, 4});
  const Tensor v4 = tensor(std::vector<double>{1, 2, 3, 4});
  const Tensor v3 = tensor(std::vector<double>{1, -1, 2});
  const Tensor mv = ops::matmul(m, v4);
  CHECK(mv.shape() == Shape{3});
  require_close(mv, matmul_ref(values(m), values(v4), 3, 4, 1), 1e-14);
  const Tensor vm = ops::matmul(v3, m);
  CHECK(vm.shape() == Shape{4});
  require_close(vm, matmul_ref(values(v3), values(m), 1, 3, 4), 1e-14);
  CHECK(ops::matmul(v4, v4).dim() == 0);
  CHECK(ops::matmul(v4, v4).item() == 30);
  CHECK(ops::matmul(pattern({2, 3, 4}), v4).shape() == Shape{2, 3});
}

TEST_CASE("matmul errors name the shapes", "[tensor][matmul]") {
  REQUIRE_ERROR(ops::matmul(zeros({3, 4}), zeros({5, 6})),
                "matmul: shapes [3, 4] and [5, 6] cannot be multiplied (4 != 5)");
  REQUIRE_ERROR(ops::matmul(zeros({2, 3, 4}), zeros({3, 4, 5})), "matmul: shapes [2] and [3] cannot be broadcast");
  REQUIRE_ERROR(ops::matmul(zeros({2, 2}), zeros({2, 2}, DType::Float64)), "matmul: dtypes float32 and float64 differ");
  REQUIRE_ERROR(ops::matmul(zeros({2, 2}, DType::Int64), zeros({2, 2}, DType::Int64)),
                "matmul: expected a floating dtype");
  REQUIRE_ERROR(ops::matmul(scalar_tensor(1), zeros({2})), "matmul: both operands need at least 1 dimension");
  // Empty inner dimension: the product is zeros.
  require_close(ops::matmul(zeros({2, 0}), zeros({0, 3})), std::vector<double>(6, 0.0));
}

TEST_CASE("float32 GEMMs of many shapes and layouts match float64 loops", "[tensor][matmul]") {
  // sgemm's kernels differ by OpenBLAS core; these shapes cover edge tiles (odd sizes),
  // the conv lowering's shapes, and transposed operands.
  for (const auto& [n, k, m] : std::vector<std::array<int64_t, 3>>{
           {1, 1, 1}, {7, 13, 5}, {32, 288, 784}, {64, 576, 49}, {288, 32, 97}, {129, 65, 33}}) {
    const Tensor a = pattern({n, k}, DType::Float64), b = pattern({k, m}, DType::Float64, 0.5);
    const Tensor want = ops::matmul(a, b);  // dgemm, checked against loops above
    const Tensor a32 = ops::to(a, DType::Float32), b32 = ops::to(b, DType::Float32);
    INFO(n << "x" << k << "x" << m);
    const double tol = 2e-6 * std::sqrt(static_cast<double>(k));
    require_close(ops::matmul(a32, b32), values(want), tol);
    require_close(ops::matmul(ops::contiguous(ops::transpose(ops::transpose(a32, 0, 1), 0, 1)), b32), values(want),
                  tol);
    const Tensor at = ops::contiguous(ops::transpose(a32, 0, 1)), bt = ops::contiguous(ops::transpose(b32, 0, 1));
    require_close(ops::matmul(ops::transpose(at, 0, 1), ops::transpose(bt, 0, 1)), values(want), tol);  // both as Trans
  }
}

TEST_CASE("OpenBLAS runs the core OPENBLAS_CORETYPE asks for", "[tensor][matmul]") {
  const char* asked = std::getenv("OPENBLAS_CORETYPE");
  if (asked == nullptr) RILL_SKIP("OPENBLAS_CORETYPE is not set (OpenBLAS chose " << blas_core() << ")");
  std::string a = asked, got = blas_core();
  for (auto* s : {&a, &got}) std::transform(s->begin(), s->end(), s->begin(), ::tolower);
  CHECK(got == a);
}

TEST_CASE("GEMM results are right under the OpenBLAS core rill suggests for this CPU", "[tensor][blas]") {
  // OpenBLAS fixes its core when it loads, so the matmul tests run again in a child
  // process of this test binary with OPENBLAS_CORETYPE set to the suggestion.
  const std::string core = suggested_blas_core();
  if (core.empty())
    RILL_SKIP("OpenBLAS already uses the best core for this CPU (" << blas_core()
                                                                   << "); the matmul tests ran under it");
  const std::string self = std::filesystem::read_symlink("/proc/self/exe").string();
  const std::string log = (rill::test::temp_dir("blas_core") / "matmul.log").string();
  const std::string cmd = "OPENBLAS_CORETYPE=" + core + " '" + self + "' '[matmul]' > '" + log + "' 2>&1";
  const int rc = std::system(cmd.c_str());
  std::ifstream in(log);
  const std::string output((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  INFO("suggested core " << core << "; child output:\n" << output);
  CHECK(rc == 0);
  CHECK(output.find("All tests passed") != std::string::npos);
}
