#include "data/toy2d.h"

#include <cmath>

#include "tensor/ops.h"

namespace rill::data {

const std::vector<std::string>& toy2d_names() {
  static const std::vector<std::string> names = {"moons",     "8gaussians", "checkerboard", "circles",
                                                 "swissroll", "spirals",    "gaussian"};
  return names;
}

Tensor sample_2d(const std::string& name, int64_t n, Generator* gen) {
  RILL_CHECK(n >= 0, "sample_2d: n must be >= 0, got {}", n);
  // Three uniforms and two normals per point cover every definition above.
  const std::vector<double> u = rand({n, 3}, DType::Float64, gen).to_vector<double>();
  const std::vector<double> z = randn({n, 2}, DType::Float64, gen).to_vector<double>();
  std::vector<float> out(static_cast<size_t>(2 * n));
  for (int64_t i = 0; i < n; ++i) {
    const double u0 = u[3 * i], u1 = u[3 * i + 1], u2 = u[3 * i + 2], z0 = z[2 * i], z1 = z[2 * i + 1];
    double x = 0, y = 0;
    if (name == "moons") {
      const double theta = M_PI * u0;
      const bool upper = u1 < 0.5;
      x = (upper ? std::cos(theta) : 1 - std::cos(theta)) + 0.1 * z0;
      y = (upper ? std::sin(theta) : 0.5 - std::sin(theta)) + 0.1 * z1;
      x = 3 * (x - 0.5), y = 3 * (y - 0.25);
    } else if (name == "8gaussians") {
      const double angle = M_PI / 4 * std::floor(8 * u0);
      x = 4 * std::cos(angle) + 0.4 * z0, y = 4 * std::sin(angle) + 0.4 * z1;
    } else if (name == "checkerboard") {
      // Pick one of the 8 squares, then a point inside it.
      const int64_t square = static_cast<int64_t>(std::floor(8 * u0));
      const int64_t row = square / 2, col = 2 * (square % 2) + (row % 2);  // (row + col) even
      x = 2 * (col - 2 + u1), y = 2 * (row - 2 + u2);
    } else if (name == "circles") {
      const double r = u1 < 0.5 ? 4 : 2, angle = 2 * M_PI * u0;
      x = r * std::cos(angle) + 0.1 * z0, y = r * std::sin(angle) + 0.1 * z1;
    } else if (name == "swissroll") {
      const double t = 1.5 * M_PI * (1 + 2 * u0);
      x = t * std::cos(t) / 3 + 0.1 * z0, y = t * std::sin(t) / 3 + 0.1 * z1;
    } else if (name == "spirals") {
      const double theta = 3 * M_PI * std::sqrt(u0), r = theta / 3, phase = theta + (u1 < 0.5 ? 0 : M_PI);
      x = r * std::cos(phase) + 0.1 * z0, y = r * std::sin(phase) + 0.1 * z1;
    } else if (name == "gaussian") {
      x = z0, y = z1;
    } else {
      throw Error(
          fmt::format("sample_2d: unknown dataset '{}' (expected one of: {})", name, fmt::join(toy2d_names(), ", ")));
    }
    out[2 * i] = static_cast<float>(x), out[2 * i + 1] = static_cast<float>(y);
  }
  return tensor(out, {n, 2});
}

}  // namespace rill::data
