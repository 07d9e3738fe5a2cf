// rill examples — tiny 2-D plots rendered straight to PNG: point clouds and trajectories.
#pragma once

#include <array>
#include <string>
#include <vector>

#include "tensor/tensor.h"

namespace rill::examples {

struct Color {
  uint8_t r, g, b;
};

class Canvas {
 public:
  // A size x size white image showing the square [-extent, extent]^2.
  Canvas(int size, double extent);
  // Points [n, 2] as small dots, alpha-blended.
  void points(const Tensor& xy, Color color, double alpha = 0.5, int radius = 1);
  // One polyline per row through the states of a trajectory (each [n, 2]).
  void trajectories(const std::vector<Tensor>& states, int64_t count, Color color, double alpha = 0.3);
  // A polyline through (xs[i], ys[i]) in the canvas's coordinates.
  void polyline(const std::vector<double>& xs, const std::vector<double>& ys, Color color, double alpha = 1.0);
  void save(const std::string& path) const;

 private:
  void blend(int x, int y, Color c, double alpha);
  std::array<int, 2> to_pixel(double x, double y) const;
  int size_;
  double extent_;
  std::vector<uint8_t> rgb_;
};

// A half-width that frames the points (their largest |coordinate|, plus a margin).
double plot_extent(const Tensor& xy);

}  // namespace rill::examples
