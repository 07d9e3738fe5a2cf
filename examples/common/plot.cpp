#include "examples/common/plot.h"

#include <algorithm>
#include <cmath>

#include "io/npy.h"
#include "io/png.h"
#include "tensor/ops.h"

namespace rill::examples {

Canvas::Canvas(int size, double extent)
    : size_(size), extent_(extent), rgb_(static_cast<size_t>(size * size * 3), 255) {}

std::array<int, 2> Canvas::to_pixel(double x, double y) const {
  const double s = (size_ - 1) / (2 * extent_);
  return {static_cast<int>(std::lround((x + extent_) * s)), static_cast<int>(std::lround((extent_ - y) * s))};  // y up
}

void Canvas::blend(int x, int y, Color c, double a) {
  if (x < 0 || y < 0 || x >= size_ || y >= size_) return;
  uint8_t* p = &rgb_[(static_cast<size_t>(y) * size_ + x) * 3];
  const uint8_t rgb[3] = {c.r, c.g, c.b};
  for (int k = 0; k < 3; ++k) p[k] = static_cast<uint8_t>(std::lround(p[k] * (1 - a) + rgb[k] * a));
}

void Canvas::points(const Tensor& xy, Color color, double alpha, int radius) {
  const std::vector<double> v = xy.to_vector<double>();
  for (size_t i = 0; i + 1 < v.size(); i += 2) {
    const auto [px, py] = to_pixel(v[i], v[i + 1]);
    for (int dy = -radius; dy <= radius; ++dy)
      for (int dx = -radius; dx <= radius; ++dx)
        if (dx * dx + dy * dy <= radius * radius + 1) blend(px + dx, py + dy, color, alpha);
  }
}

void Canvas::trajectories(const std::vector<Tensor>& states, int64_t count, Color color, double alpha) {
  std::vector<std::vector<double>> s;
  for (const Tensor& t : states) s.push_back(t.to_vector<double>());
  const int64_t n = std::min<int64_t>(count, states.empty() ? 0 : states[0].size(0));
  for (int64_t i = 0; i < n; ++i)
    for (size_t k = 0; k + 1 < s.size(); ++k) {
      // A segment as dots every half pixel.
      const auto [x0, y0] = to_pixel(s[k][2 * i], s[k][2 * i + 1]);
      const auto [x1, y1] = to_pixel(s[k + 1][2 * i], s[k + 1][2 * i + 1]);
      const int steps = std::max(1, 2 * std::max(std::abs(x1 - x0), std::abs(y1 - y0)));
      for (int j = 0; j < steps; ++j) {
        const double f = static_cast<double>(j) / steps;
        blend(static_cast<int>(std::lround(x0 + f * (x1 - x0))), static_cast<int>(std::lround(y0 + f * (y1 - y0))),
              color, alpha);
      }
    }
}

void Canvas::polyline(const std::vector<double>& xs, const std::vector<double>& ys, Color color, double alpha) {
  std::vector<Tensor> states;
  for (size_t i = 0; i < xs.size(); ++i) states.push_back(tensor(std::vector<double>{xs[i], ys[i]}, {1, 2}));
  for (int thick = -1; thick <= 1; ++thick) {  // three pixels wide
    std::vector<Tensor> shifted;
    const double d = thick * extent_ / size_;
    for (const Tensor& s : states) shifted.push_back(ops::add(s, tensor(std::vector<double>{0, d})));
    trajectories(shifted, 1, color, alpha);
  }
}

void Canvas::save(const std::string& path) const { io::write_png(path, rgb_, size_, size_, 3); }

double plot_extent(const Tensor& xy) { return 1.1 * std::max(ops::max(ops::abs(xy)).item(), 1e-3); }

}  // namespace rill::examples
