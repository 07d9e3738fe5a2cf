#include "examples/common/plot.h"

#include <cairo.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>

#include "examples/common/cairo_util.h"
#include "tensor/ops.h"

namespace rill::examples {

namespace {

PlotFormat g_format = PlotFormat::Png;  // set once from --plot-format, before any figure is drawn

}  // namespace

PlotFormat plot_format() { return g_format; }
void set_plot_format(PlotFormat format) { g_format = format; }
std::vector<std::string> plot_format_names() { return {"png", "svg"}; }
PlotFormat parse_plot_format(const std::string& name) {
  if (name == "png") return PlotFormat::Png;
  if (name == "svg") return PlotFormat::Svg;
  throw Error(fmt::format("unknown plot format '{}' (png or svg)", name));
}
std::string plot_file(const std::string& stem) { return stem + (g_format == PlotFormat::Svg ? ".svg" : ".png"); }

Rgb colors::cycle(size_t i) {
  static const Rgb all[] = {blue, orange, green, red, purple, grey};
  return all[i % (sizeof(all) / sizeof(all[0]))];
}

// ---- ticks ----

namespace {

// The "nice" number near x: 1, 2, 5 or 10 times a power of ten (rounded, or the next
// one up when `round` is false).
double nice_number(double x, bool round) {
  const double e = std::floor(std::log10(x)), f = x / std::pow(10.0, e);
  double nf;
  if (round)
    nf = f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10;
  else
    nf = f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10;
  return nf * std::pow(10.0, e);
}

}  // namespace

std::vector<double> nice_ticks(double lo, double hi, int target) {
  if (!(hi > lo) || !std::isfinite(lo) || !std::isfinite(hi)) return {lo};
  const double spacing = nice_number((hi - lo) / std::max(1, target - 1), true);
  std::vector<double> ticks;
  // A small tolerance so that a bound that is itself a tick (0, 1) is not lost to rounding.
  const double eps = spacing * 1e-9;
  for (double k = std::ceil((lo - eps) / spacing); k * spacing <= hi + eps; k += 1) {
    const double v = k * spacing;
    ticks.push_back(std::abs(v) < eps ? 0.0 : v);  // no "-0"
  }
  return ticks;
}

std::vector<double> log_ticks(double lo, double hi) {
  std::vector<double> ticks;
  if (!(hi > lo) || !(lo > 0)) return ticks;
  const double a = std::log10(lo), b = std::log10(hi);
  const bool with_halves = b - a < 3;  // few decades: 1, 2, 5 of each
  for (int e = static_cast<int>(std::floor(a)); e <= static_cast<int>(std::ceil(b)); ++e)
    for (double m : {1.0, 2.0, 5.0}) {
      if (m != 1 && !with_halves) continue;
      const double v = m * std::pow(10.0, e);
      if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) ticks.push_back(v);
    }
  if (ticks.size() > 8) {  // many decades: every other power of ten
    std::vector<double> fewer;
    for (size_t i = 0; i < ticks.size(); i += 2) fewer.push_back(ticks[i]);
    ticks = fewer;
  }
  return ticks;
}

std::string tick_label(double value, double spacing) {
  if (value == 0) return "0";
  const double mag = std::abs(value);
  if (mag >= 1e5 || mag < 1e-3) return fmt::format("{:g}", value);  // 1e-05, 2e+06
  // Enough decimals to tell neighbours apart, none more.
  const int decimals = spacing > 0 ? std::clamp(static_cast<int>(std::ceil(-std::log10(spacing) - 1e-9)), 0, 6) : 3;
  return fmt::format("{:.{}f}", value, decimals);
}

// ---- the figure description ----

Figure::Figure(int width, int height) : width_(width), height_(height) {
  RILL_CHECK(width >= 64 && height >= 64, "Figure: {}x{} pixels is too small to draw axes in", width, height);
}

Figure& Figure::title(std::string text) { return spec_.title = std::move(text), *this; }
Figure& Figure::xlabel(std::string text) { return spec_.xlabel = std::move(text), *this; }
Figure& Figure::ylabel(std::string text) { return spec_.ylabel = std::move(text), *this; }
Figure& Figure::log_y(bool on) { return spec_.log_y = on, *this; }
Figure& Figure::equal_aspect(bool on) { return spec_.equal_aspect = on, *this; }
Figure& Figure::xlim(double lo, double hi) { return spec_.xlim = std::pair{lo, hi}, *this; }
Figure& Figure::ylim(double lo, double hi) { return spec_.ylim = std::pair{lo, hi}, *this; }

Figure& Figure::scatter(const Tensor& xy, Rgb color, double alpha, double radius, std::string label) {
  RILL_CHECK(xy.dim() == 2 && xy.size(1) == 2, "Figure::scatter: expected points [n, 2], got shape {}",
             shape_str(xy.shape()));
  const std::vector<double> v = ops::contiguous(ops::to(xy, Device::cpu())).to_vector<double>();
  std::vector<double> x, y;
  for (size_t i = 0; i + 1 < v.size(); i += 2) x.push_back(v[i]), y.push_back(v[i + 1]);
  return scatter(std::move(x), std::move(y), color, alpha, radius, std::move(label));
}

Figure& Figure::scatter(std::vector<double> x, std::vector<double> y, Rgb color, double alpha, double radius,
                        std::string label) {
  RILL_CHECK(x.size() == y.size(), "Figure::scatter: {} x values and {} y values", x.size(), y.size());
  spec_.series.push_back(
      {Series::Kind::Points, {std::move(x)}, {std::move(y)}, color, alpha, radius, std::move(label)});
  return *this;
}

Figure& Figure::line(std::vector<double> x, std::vector<double> y, Rgb color, double width, std::string label,
                     double alpha) {
  RILL_CHECK(x.size() == y.size(), "Figure::line: {} x values and {} y values", x.size(), y.size());
  spec_.series.push_back({Series::Kind::Line, {std::move(x)}, {std::move(y)}, color, alpha, width, std::move(label)});
  return *this;
}

Figure& Figure::trajectories(const std::vector<Tensor>& states, int64_t count, Rgb color, double alpha,
                             std::string label) {
  Series s{Series::Kind::Paths, {}, {}, color, alpha, 1.0, std::move(label)};
  std::vector<std::vector<double>> v;
  for (const Tensor& t : states) v.push_back(ops::contiguous(ops::to(t, Device::cpu())).to_vector<double>());
  const int64_t n = std::min<int64_t>(count, states.empty() ? 0 : states[0].size(0));
  s.x.resize(static_cast<size_t>(n)), s.y.resize(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i)
    for (const auto& state : v) s.x[i].push_back(state[2 * i]), s.y[i].push_back(state[2 * i + 1]);
  spec_.series.push_back(std::move(s));
  return *this;
}

// ---- drawing ----

namespace {

struct Axes {
  double left, top, right, bottom;  // the plotting area in pixels
  double x0, x1, y0, y1;            // the data range shown (y in log10 on a log axis)
  double px(double x) const { return left + (x - x0) / (x1 - x0) * (right - left); }
  double py(double y) const { return top + (y1 - y) / (y1 - y0) * (bottom - top); }
};

// The range of every finite value of the series (y through `ty`), padded by 4%.
std::pair<double, double> data_range(const std::vector<Figure::Series>& series, bool want_x,
                                     const std::function<double(double)>& ty) {
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (const auto& s : series)
    for (const auto& values : want_x ? s.x : s.y)
      for (double v : values) {
        const double t = want_x ? v : ty(v);
        if (std::isfinite(t)) lo = std::min(lo, t), hi = std::max(hi, t);
      }
  if (!std::isfinite(lo)) return {0, 1};  // nothing to show
  if (hi - lo < 1e-12 * std::max(1.0, std::abs(lo))) {
    const double d = std::max(std::abs(lo) * 0.1, 0.5);
    return {lo - d, hi + d};
  }
  const double pad = 0.04 * (hi - lo);
  return {lo - pad, hi + pad};
}

void draw_series(cairo_t* cr, const Axes& ax, const Figure::Series& s, const std::function<double(double)>& ty) {
  cairo_set_source_rgba(cr, s.color.r, s.color.g, s.color.b, s.alpha);
  if (s.kind == Figure::Series::Kind::Points) {
    for (size_t i = 0; i < s.x[0].size(); ++i) {
      const double x = s.x[0][i], y = ty(s.y[0][i]);
      if (!std::isfinite(x) || !std::isfinite(y)) continue;
      cairo_new_path(cr);
      cairo_arc(cr, ax.px(x), ax.py(y), s.size, 0, 2 * M_PI);
      cairo_fill(cr);
    }
    return;
  }
  cairo_set_line_width(cr, s.size);
  cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
  cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
  for (size_t p = 0; p < s.x.size(); ++p) {
    cairo_new_path(cr);
    bool pen_down = false;
    for (size_t i = 0; i < s.x[p].size(); ++i) {
      const double x = s.x[p][i], y = ty(s.y[p][i]);
      if (!std::isfinite(x) || !std::isfinite(y)) {  // a gap in the line
        pen_down = false;
        continue;
      }
      if (pen_down)
        cairo_line_to(cr, ax.px(x), ax.py(y));
      else
        cairo_move_to(cr, ax.px(x), ax.py(y));
      pen_down = true;
    }
    cairo_stroke(cr);
  }
}

// The legend goes where it hides the fewest data points and line pieces: a corner of the
// axes or halfway down a side (the upper right when several tie), so that it does not
// cover the curves it names.
void draw_legend(cairo_t* cr, const Axes& ax, const Figure::Spec& spec, const std::function<double(double)>& ty) {
  std::vector<const Figure::Series*> entries;
  for (const auto& s : spec.series)
    if (!s.label.empty()) entries.push_back(&s);
  if (entries.empty()) return;
  const double size = 12, row = 18, swatch = 22, pad = 7;
  cairo_util::set_font(cr, size, false);
  double text_width = 0;
  for (const auto* s : entries) text_width = std::max(text_width, cairo_util::text_width(cr, s->label));
  const double w = pad * 3 + swatch + text_width, h = pad * 2 + row * static_cast<double>(entries.size());
  // The corners, then halfway down either side.
  const double mid = (ax.top + ax.bottom - h) / 2;
  const std::pair<double, double> places[] = {
      {ax.right - 8 - w, ax.top + 8},   {ax.left + 8, ax.top + 8}, {ax.right - 8 - w, ax.bottom - 8 - h},
      {ax.left + 8, ax.bottom - 8 - h}, {ax.right - 8 - w, mid},   {ax.left + 8, mid}};
  // Points, and lines sampled along their segments, in pixels.
  std::vector<std::pair<double, double>> marks;
  for (const auto& s : spec.series)
    for (size_t p = 0; p < s.x.size(); ++p)
      for (size_t i = 0; i < s.x[p].size(); ++i) {
        const double x1 = ax.px(s.x[p][i]), y1 = ax.py(ty(s.y[p][i]));
        if (s.kind == Figure::Series::Kind::Points || i == 0) {
          marks.emplace_back(x1, y1);
          continue;
        }
        const double x0 = ax.px(s.x[p][i - 1]), y0 = ax.py(ty(s.y[p][i - 1]));
        for (int k = 1; k <= 8; ++k) marks.emplace_back(x0 + (x1 - x0) * k / 8, y0 + (y1 - y0) * k / 8);
      }
  double x = places[0].first, y = places[0].second;
  size_t fewest = SIZE_MAX;
  for (const auto& [cx, cy] : places) {
    size_t hidden = 0;
    for (const auto& [px, py] : marks) hidden += px >= cx && px <= cx + w && py >= cy && py <= cy + h;
    if (hidden < fewest) fewest = hidden, x = cx, y = cy;
  }
  cairo_rectangle(cr, x, y, w, h);
  cairo_set_source_rgba(cr, 1, 1, 1, 0.85);
  cairo_fill_preserve(cr);
  cairo_set_source_rgb(cr, 0.8, 0.8, 0.8);
  cairo_set_line_width(cr, 1);
  cairo_stroke(cr);
  for (size_t i = 0; i < entries.size(); ++i) {
    const auto& s = *entries[i];
    const double cy = y + pad + row * (static_cast<double>(i) + 0.5), sx = x + pad;
    // The swatch shows the series opaque enough to read, whatever alpha it is drawn with.
    cairo_set_source_rgba(cr, s.color.r, s.color.g, s.color.b, std::max(s.alpha, 0.8));
    if (s.kind == Figure::Series::Kind::Points) {
      cairo_arc(cr, sx + swatch / 2, cy, std::max(3.0, s.size), 0, 2 * M_PI);
      cairo_fill(cr);
    } else {
      cairo_set_line_width(cr, std::max(2.0, s.size));
      cairo_move_to(cr, sx, cy);
      cairo_line_to(cr, sx + swatch, cy);
      cairo_stroke(cr);
    }
    cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
    cairo_util::text(cr, s.label, sx + swatch + pad, cy, size, 0, 0.5);
  }
}

}  // namespace

namespace detail {

// Draws the whole figure on `cr` (any Cairo surface of width x height units).
void draw_figure(cairo_t* cr, int width, int height, const Figure::Spec& spec) {
  const std::function<double(double)> ty = [&spec](double y) { return spec.log_y ? (y > 0 ? std::log10(y) : NAN) : y; };
  cairo_set_source_rgb(cr, 1, 1, 1);
  cairo_paint(cr);

  // The plotting area: room on the left for the y tick labels and label, below for the
  // x ones, above for the title.
  Axes ax{};
  ax.left = spec.ylabel.empty() ? 52 : 72;
  ax.right = width - 16.0;
  ax.top = spec.title.empty() ? 14 : 38;
  ax.bottom = height - (spec.xlabel.empty() ? 30.0 : 50.0);
  std::tie(ax.x0, ax.x1) = spec.xlim ? *spec.xlim : data_range(spec.series, true, ty);
  if (spec.ylim)
    ax.y0 = ty(spec.ylim->first), ax.y1 = ty(spec.ylim->second);
  else
    std::tie(ax.y0, ax.y1) = data_range(spec.series, false, ty);
  if (spec.equal_aspect) {  // widen the narrower range about its centre
    const double per_px = std::max((ax.x1 - ax.x0) / (ax.right - ax.left), (ax.y1 - ax.y0) / (ax.bottom - ax.top));
    const double cx = (ax.x0 + ax.x1) / 2, cy = (ax.y0 + ax.y1) / 2;
    ax.x0 = cx - per_px * (ax.right - ax.left) / 2, ax.x1 = cx + per_px * (ax.right - ax.left) / 2;
    ax.y0 = cy - per_px * (ax.bottom - ax.top) / 2, ax.y1 = cy + per_px * (ax.bottom - ax.top) / 2;
  }

  // Ticks, their labels and light grid lines.
  const std::vector<double> xt = nice_ticks(ax.x0, ax.x1, std::max(3, static_cast<int>((ax.right - ax.left) / 80)));
  std::vector<double> yt;  // in the axis's coordinates (log10 on a log axis)
  std::vector<std::string> ylabels;
  if (spec.log_y) {
    for (double v : log_ticks(std::pow(10.0, ax.y0), std::pow(10.0, ax.y1)))
      yt.push_back(std::log10(v)), ylabels.push_back(fmt::format("{:g}", v));
  } else {
    yt = nice_ticks(ax.y0, ax.y1, std::max(3, static_cast<int>((ax.bottom - ax.top) / 60)));
    for (double v : yt) ylabels.push_back(tick_label(v, yt.size() > 1 ? yt[1] - yt[0] : 0));
  }
  const double tick_size = 12;
  cairo_set_line_width(cr, 1);
  cairo_set_source_rgb(cr, 0.92, 0.92, 0.92);
  for (double v : xt) {
    const double x = std::floor(ax.px(v)) + 0.5;  // on a pixel's centre: a crisp 1-pixel line
    cairo_move_to(cr, x, ax.top), cairo_line_to(cr, x, ax.bottom);
  }
  for (double v : yt) {
    const double y = std::floor(ax.py(v)) + 0.5;
    cairo_move_to(cr, ax.left, y), cairo_line_to(cr, ax.right, y);
  }
  cairo_stroke(cr);

  // The data, clipped to the axes, in the order it was added.
  cairo_save(cr);
  cairo_rectangle(cr, ax.left, ax.top, ax.right - ax.left, ax.bottom - ax.top);
  cairo_clip(cr);
  for (const auto& s : spec.series) draw_series(cr, ax, s, ty);
  cairo_restore(cr);

  // The frame, tick marks and labels over the data.
  cairo_set_source_rgb(cr, 0.15, 0.15, 0.15);
  cairo_set_line_width(cr, 1);
  cairo_rectangle(cr, std::floor(ax.left) + 0.5, std::floor(ax.top) + 0.5, std::floor(ax.right - ax.left),
                  std::floor(ax.bottom - ax.top));
  cairo_stroke(cr);
  for (double v : xt) {
    const double x = std::floor(ax.px(v)) + 0.5;
    cairo_move_to(cr, x, ax.bottom), cairo_line_to(cr, x, ax.bottom + 5);
    cairo_stroke(cr);
    cairo_util::text(cr, tick_label(v, xt.size() > 1 ? xt[1] - xt[0] : 0), x, ax.bottom + 8, tick_size, 0.5, 0);
  }
  for (size_t i = 0; i < yt.size(); ++i) {
    const double y = std::floor(ax.py(yt[i])) + 0.5;
    cairo_move_to(cr, ax.left - 5, y), cairo_line_to(cr, ax.left, y);
    cairo_stroke(cr);
    cairo_util::text(cr, ylabels[i], ax.left - 8, y, tick_size, 1, 0.5);
  }
  if (!spec.xlabel.empty()) cairo_util::text(cr, spec.xlabel, (ax.left + ax.right) / 2, height - 6.0, 14, 0.5, 1);
  if (!spec.ylabel.empty()) cairo_util::text(cr, spec.ylabel, 16, (ax.top + ax.bottom) / 2, 14, 0.5, 0.5, false, true);
  if (!spec.title.empty()) cairo_util::text(cr, spec.title, width / 2.0, 10, 15, 0.5, 0, true);
  draw_legend(cr, ax, spec, ty);
}

}  // namespace detail

void Figure::save(const std::string& path) const {
  cairo_util::save(path, width_, height_, [&](cairo_t* cr) { detail::draw_figure(cr, width_, height_, spec_); });
}

std::vector<uint8_t> Figure::rgb() const {
  return cairo_util::rasterise(width_, height_, [&](cairo_t* cr) { detail::draw_figure(cr, width_, height_, spec_); });
}

Figure plane_figure(int size, const Tensor& frame, const std::string& title) {
  const double extent = 1.1 * std::max(ops::max(ops::abs(ops::to(frame, Device::cpu()))).item(), 1e-3);
  Figure f(size, size);
  f.title(title).xlabel("x₁").ylabel("x₂").equal_aspect().xlim(-extent, extent).ylim(-extent, extent);
  return f;
}

void save_loss_plot(const std::string& path, const std::vector<std::pair<std::string, LossLog>>& logs,
                    const LossLog& validation, const std::string& title) {
  Figure f(640, 400);
  f.title(title).xlabel("step").ylabel("loss (log scale)").log_y();
  const bool one = logs.size() == 1;
  for (size_t k = 0; k < logs.size(); ++k) {
    const auto& [name, log] = logs[k];
    // The average spans about a twentieth of the curve (at most 50 rows): a fixed factor
    // would lag far behind on a short log and hardly smooth a long one.
    const double a = std::clamp(20.0 / static_cast<double>(std::max<size_t>(log.size(), 1)), 0.02, 1.0);
    std::vector<double> steps, raw, smooth;
    double m = 0, weight = 0;
    for (const auto& [step, loss] : log) {
      steps.push_back(static_cast<double>(step)), raw.push_back(loss);
      if (std::isfinite(loss)) m = (1 - a) * m + a * loss, weight = (1 - a) * weight + a;
      smooth.push_back(weight > 0 ? m / weight : NAN);  // bias-corrected, as Adam's moments
    }
    const Rgb c = colors::cycle(k);
    f.line(steps, raw, c, 1.0, "", 0.3);
    f.line(steps, smooth, c, 2.0, one ? "train (moving average)" : name);
  }
  if (!validation.empty()) {
    std::vector<double> steps, values;
    for (const auto& [step, loss] : validation) steps.push_back(static_cast<double>(step)), values.push_back(loss);
    const Rgb c = colors::cycle(logs.size());
    f.line(steps, values, c, 1.5, "");
    f.scatter(steps, values, c, 1.0, 3.0, "validation (fixed batch)");
  }
  f.save(path);
}

}  // namespace rill::examples
