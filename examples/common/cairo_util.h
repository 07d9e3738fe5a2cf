// rill examples — the few Cairo chores every picture shares: text placed by an anchor,
// surfaces written atomically as PNG or SVG, and rasterising to RGB bytes. Only the
// plotting files (plot, image_grid, animation) include it.
#pragma once

#include <cairo.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace rill::examples::cairo_util {

using Draw = std::function<void(cairo_t*)>;

// DejaVu Sans (Debian's default sans font, through fontconfig), `size` pixels.
void set_font(cairo_t* cr, double size, bool bold);
double text_width(cairo_t* cr, const std::string& text);
// Draws `text` so that the point (ax, ay) of its box — (0, 0) its top left, (1, 1) its
// bottom right, the box being the font's ascent to descent — lies at (x, y); `vertical`
// turns it a quarter to the left (a y-axis label) about that point. Uses the current
// source colour.
void text(cairo_t* cr, const std::string& text, double x, double y, double size, double ax, double ay,
          bool bold = false, bool vertical = false);

// Throws, naming `what`, if Cairo recorded an error on the context or surface.
void check(cairo_t* cr, const std::string& what);

// Draws a width x height picture and writes it to `path`, atomically (a reader never sees
// half a file): PNG or SVG by the path's extension.
void save(const std::string& path, int width, int height, const Draw& draw);
// The same picture as 8-bit RGB pixels [height, width, 3].
std::vector<uint8_t> rasterise(int width, int height, const Draw& draw);

// An image surface holding RGB (channels 3) or grey (1) pixels [height, width, channels];
// the caller destroys it.
cairo_surface_t* surface_from_pixels(const std::vector<uint8_t>& pixels, int width, int height, int channels);

}  // namespace rill::examples::cairo_util
