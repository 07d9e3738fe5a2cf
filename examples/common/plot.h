// rill examples — figures drawn with Cairo: scatter plots, lines and trajectories on axes
// with nice ticks, axis labels, a title and a legend, written as PNG or SVG.
//
// A Figure is a description (its series, limits, labels), drawn only when it is saved or
// rasterised, so the same figure goes to a PNG, an SVG or a frame of an animation alike.
// Series are drawn in the order they were added: add the data first and the trajectories
// over it. Series with a label are named in the legend, placed where it hides the fewest
// points and line pieces (a corner of the axes or halfway down a side). Cairo stays inside plot.cpp; the core library does not depend on it.
//
// The output format of every figure a program writes is chosen once, by --plot-format
// (program_main in flags.h adds it to every program): png (the default, what report.html
// and the docs show) or svg (vector figures for papers; image grids are then embedded
// bitmaps). plot_file("samples") is "samples.png" or "samples.svg" accordingly.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "tensor/tensor.h"

namespace rill::examples {

enum class PlotFormat { Png, Svg };
PlotFormat plot_format();
void set_plot_format(PlotFormat format);
PlotFormat parse_plot_format(const std::string& name);  // "png" or "svg"
std::vector<std::string> plot_format_names();
// stem + ".png" or ".svg", after --plot-format.
std::string plot_file(const std::string& stem);

// Colours with components in [0, 1]; the palette of matplotlib's tab10, which most
// readers know from other plots.
struct Rgb {
  double r, g, b;
};
namespace colors {
inline constexpr Rgb blue{0.122, 0.467, 0.706}, orange{1.0, 0.498, 0.055}, green{0.173, 0.627, 0.173},
    red{0.839, 0.153, 0.157}, purple{0.580, 0.404, 0.741}, grey{0.55, 0.55, 0.55}, light_grey{0.70, 0.70, 0.70},
    black{0, 0, 0};
// The i-th colour of the cycle, for one curve per method.
Rgb cycle(size_t i);
}  // namespace colors

// Up to about `target` round tick values (1, 2 or 5 times a power of ten apart) inside
// [lo, hi]; Heckbert's "nice numbers" (Graphics Gems, 1990).
std::vector<double> nice_ticks(double lo, double hi, int target = 5);
// Ticks for a log10 axis over [lo, hi] (values, not exponents): the powers of ten inside,
// and 2 and 5 times them when fewer than three decades are covered.
std::vector<double> log_ticks(double lo, double hi);
// A tick's text: as short as its neighbours' spacing allows ("0.5", "1e-05", "2000").
std::string tick_label(double value, double spacing);

class Figure {
 public:
  Figure(int width, int height);

  Figure& title(std::string text);
  Figure& xlabel(std::string text);
  Figure& ylabel(std::string text);
  // y on a log10 scale (values <= 0 are left out of lines and points).
  Figure& log_y(bool on = true);
  // One unit is as long on x as on y (2-D point clouds keep their shape).
  Figure& equal_aspect(bool on = true);
  Figure& xlim(double lo, double hi);
  Figure& ylim(double lo, double hi);

  // Points [n, 2] (any float dtype, any device) as filled discs of `radius` pixels.
  Figure& scatter(const Tensor& xy, Rgb color, double alpha, double radius, std::string label = "");
  Figure& scatter(std::vector<double> x, std::vector<double> y, Rgb color, double alpha, double radius,
                  std::string label = "");
  // A polyline through (x[i], y[i]), `width` pixels wide.
  Figure& line(std::vector<double> x, std::vector<double> y, Rgb color, double width, std::string label = "",
               double alpha = 1.0);
  // The paths of the first `count` points through the states of an ODE solution (each
  // [n, 2]), one thin polyline per point.
  Figure& trajectories(const std::vector<Tensor>& states, int64_t count, Rgb color, double alpha,
                       std::string label = "");

  int width() const { return width_; }
  int height() const { return height_; }
  // Written atomically; the format follows the extension (.png or .svg).
  void save(const std::string& path) const;
  // The figure as 8-bit RGB pixels [height, width, 3] (frames of an animation).
  std::vector<uint8_t> rgb() const;

  // For the renderer in plot.cpp.
  struct Series {
    enum class Kind { Points, Line, Paths } kind;
    std::vector<std::vector<double>> x, y;  // one entry for points and lines, one per path for paths
    Rgb color;
    double alpha, size;  // size: radius of points or width of lines
    std::string label;
  };
  struct Spec {
    std::string title, xlabel, ylabel;
    bool log_y = false, equal_aspect = false;
    std::optional<std::pair<double, double>> xlim, ylim;
    std::vector<Series> series;
  };
  const Spec& spec() const { return spec_; }

 private:
  int width_, height_;
  Spec spec_;
};

// A square scatter-plot figure for 2-D flows: equal aspect, axes x1 and x2, the view
// fitted to `frame` (every point of it inside, with a margin).
Figure plane_figure(int size, const Tensor& frame, const std::string& title);

// Training losses logged as (step, loss).
using LossLog = std::vector<std::pair<int64_t, double>>;
// loss.png/svg: one curve per named log, loss on a log scale against the step; a raw log
// is drawn faintly with its exponential moving average over it (spanning about a
// twentieth of the rows), so the trend of a noisy minibatch loss is readable. `validation`, when
// not empty, is drawn as points joined by a line.
void save_loss_plot(const std::string& path, const std::vector<std::pair<std::string, LossLog>>& logs,
                    const LossLog& validation = {}, const std::string& title = "training loss");

}  // namespace rill::examples
