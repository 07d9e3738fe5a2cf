// Shared helpers for rill's tests: compare tensors with references computed in
// float64 by plain loops, and check error messages.
#pragma once

#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include "catch.h"  // Catch2 v3 or v2
#include "paths.h"
#include "tensor/ops.h"

// Ends the running test as skipped: ctest then reports "Skipped", never "Passed", for a
// test that could not check anything here (no GPU, a dataset not installed, a variable
// not set). tests/CMakeLists.txt gives every test SKIP_REGULAR_EXPRESSION on the marker.
#define RILL_SKIP(why)                   \
  do {                                   \
    WARN("[rill test skipped] " << why); \
    return;                              \
  } while (0)

namespace rill::test {

inline std::vector<double> values(const Tensor& t) { return t.to_vector<double>(); }

// Every element of `actual` within `tol` (absolute + relative) of `expected`;
// reports the first mismatch with its flat index.
inline void require_close(const Tensor& actual, const std::vector<double>& expected, double tol = 1e-12) {
  const std::vector<double> got = values(actual);
  REQUIRE(got.size() == expected.size());
  for (size_t i = 0; i < got.size(); ++i) {
    const bool both_nan = std::isnan(got[i]) && std::isnan(expected[i]);
    if (!both_nan && !(std::abs(got[i] - expected[i]) <= tol * (1 + std::abs(expected[i])))) {
      INFO("element " << i << ": got " << got[i] << ", expected " << expected[i] << " (tol " << tol << ")");
      REQUIRE(false);
    }
  }
}

inline void require_close(const Tensor& actual, const Tensor& expected, double tol = 1e-12) {
  REQUIRE(actual.shape() == expected.shape());
  require_close(actual, values(expected), tol);
}

// A fresh, empty folder under the system's temporary directory, unique to this process.
inline std::filesystem::path temp_dir(const std::string& name) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("rill_test_" + name + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

// A float64 tensor with values from a fixed pattern (no RNG needed): 0.5 sin(1.7 i + 0.3) + 0.1 i mod 1.
inline Tensor pattern(const Shape& shape, DType dtype = DType::Float64, double scale = 1.0) {
  std::vector<double> v(static_cast<size_t>(numel(shape)));
  for (size_t i = 0; i < v.size(); ++i) v[i] = scale * (std::sin(1.7 * i + 0.3) + 0.37 * std::cos(0.9 * i * i));
  return ops::to(tensor(v, shape), dtype);
}

}  // namespace rill::test

// Checks that `expr` throws rill::Error whose message contains `text`.
#define REQUIRE_ERROR(expr, text) REQUIRE_THROWS_WITH(expr, Catch::Contains(text))

#include "autograd/autograd.h"

namespace rill::test {

// A float64 leaf that requires grad, filled with pattern().
inline Tensor leaf(const Shape& shape, double scale = 1.0) {
  return requires_grad_(pattern(shape, DType::Float64, scale));
}

}  // namespace rill::test

// gradcheck(f, inputs) must pass; on failure the report names the worst entry.
#define REQUIRE_GRADCHECK(f, ...)                                         \
  do {                                                                    \
    const ::rill::GradcheckResult r_ = ::rill::gradcheck(f, __VA_ARGS__); \
    INFO(r_.report);                                                      \
    REQUIRE(r_.ok);                                                       \
  } while (0)

namespace rill::test {

// Every derivative of f: gradcheck (reverse mode) and jvpcheck (forward mode), both
// against central differences, then the adjoint identity between the two; the first
// failure's result, or the last success.
inline GradcheckResult check_derivatives(const GradcheckFunction& f, const std::vector<Tensor>& inputs,
                                         GradcheckOptions o = {}) {
  GradcheckResult r = gradcheck(f, inputs, o);
  if (r.ok) r = jvpcheck(f, inputs, o);
  if (r.ok) r = adjointcheck(f, inputs, o);
  return r;
}

}  // namespace rill::test

#define REQUIRE_DERIVATIVES(f, ...)                                                    \
  do {                                                                                 \
    const ::rill::GradcheckResult r_ = ::rill::test::check_derivatives(f, __VA_ARGS__); \
    INFO(r_.report);                                                                   \
    REQUIRE(r_.ok);                                                                    \
  } while (0)

#include "nn/nn.h"

namespace rill::test {

// Every derivative through a module (check_derivatives): x and every parameter (the
// module in float64).
inline GradcheckResult gradcheck_module(nn::Module& m, const std::function<Tensor(const Tensor&)>& f, const Tensor& x) {
  m.to(DType::Float64);
  std::vector<Tensor> inputs = {x};
  for (const Tensor& p : m.parameters()) inputs.push_back(p);
  return check_derivatives([&](const std::vector<Tensor>& in) { return f(in[0]); }, inputs);
}

}  // namespace rill::test

#include "flowmatch/flowmatch.h"
