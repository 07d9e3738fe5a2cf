#include "examples/common/cairo_util.h"

#include <fmt/format.h>

#include <cmath>
#include <memory>

#include "io/atomic_file.h"
#include "tensor/error.h"
#include <cairo-svg.h>

namespace rill::examples::cairo_util {

void set_font(cairo_t* cr, double size, bool bold) {
  cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL,
                         bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size(cr, size);
}

double text_width(cairo_t* cr, const std::string& s) {
  cairo_text_extents_t e;
  cairo_text_extents(cr, s.c_str(), &e);
  return e.x_advance;
}

void text(cairo_t* cr, const std::string& s, double x, double y, double size, double ax, double ay, bool bold,
          bool vertical) {
  set_font(cr, size, bold);
  cairo_font_extents_t f;
  cairo_font_extents(cr, &f);
  const double w = text_width(cr, s), h = f.ascent + f.descent;
  cairo_save(cr);
  cairo_translate(cr, x, y);
  if (vertical) cairo_rotate(cr, -M_PI / 2);
  cairo_move_to(cr, -ax * w, -ay * h + f.ascent);  // the baseline
  cairo_show_text(cr, s.c_str());
  cairo_restore(cr);
}

void check(cairo_t* cr, const std::string& what) {
  const cairo_status_t s = cairo_status(cr);
  RILL_CHECK(s == CAIRO_STATUS_SUCCESS, "{}: Cairo failed: {}", what, cairo_status_to_string(s));
}

namespace {

// Collects what Cairo writes (PNG or SVG bytes) in memory, for one atomic write.
cairo_status_t append(void* closure, const unsigned char* data, unsigned int n) {
  static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), n);
  return CAIRO_STATUS_SUCCESS;
}

using Surface = std::unique_ptr<cairo_surface_t, decltype(&cairo_surface_destroy)>;
using Context = std::unique_ptr<cairo_t, decltype(&cairo_destroy)>;

void draw_on(cairo_surface_t* surface, const Draw& draw, const std::string& what) {
  Context cr(cairo_create(surface), cairo_destroy);
  draw(cr.get());
  check(cr.get(), what);
}

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

}  // namespace

void save(const std::string& path, int width, int height, const Draw& draw) {
  std::string bytes;
  if (ends_with(path, ".svg")) {
    Surface surface(cairo_svg_surface_create_for_stream(append, &bytes, width, height), cairo_surface_destroy);
    draw_on(surface.get(), draw, path);
    cairo_surface_finish(surface.get());  // flushes the document to `bytes`
    RILL_CHECK(cairo_surface_status(surface.get()) == CAIRO_STATUS_SUCCESS, "{}: Cairo failed: {}", path,
               cairo_status_to_string(cairo_surface_status(surface.get())));
  } else {
    RILL_CHECK(ends_with(path, ".png"), "cannot tell the picture format of {} (expected .png or .svg)", path);
    Surface surface(cairo_image_surface_create(CAIRO_FORMAT_RGB24, width, height), cairo_surface_destroy);
    draw_on(surface.get(), draw, path);
    const cairo_status_t s = cairo_surface_write_to_png_stream(surface.get(), append, &bytes);
    RILL_CHECK(s == CAIRO_STATUS_SUCCESS, "{}: Cairo could not encode the PNG: {}", path, cairo_status_to_string(s));
  }
  io::write_file_atomically(path, bytes);
}

std::vector<uint8_t> rasterise(int width, int height, const Draw& draw) {
  Surface surface(cairo_image_surface_create(CAIRO_FORMAT_RGB24, width, height), cairo_surface_destroy);
  draw_on(surface.get(), draw, "rasterise");
  cairo_surface_flush(surface.get());
  const unsigned char* data = cairo_image_surface_get_data(surface.get());
  const int stride = cairo_image_surface_get_stride(surface.get());
  std::vector<uint8_t> rgb(static_cast<size_t>(width) * height * 3);
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x) {
      // RGB24 keeps each pixel as a native-endian 32-bit 0x00RRGGBB.
      const uint32_t p = reinterpret_cast<const uint32_t*>(data + static_cast<size_t>(y) * stride)[x];
      uint8_t* o = &rgb[(static_cast<size_t>(y) * width + x) * 3];
      o[0] = static_cast<uint8_t>(p >> 16), o[1] = static_cast<uint8_t>(p >> 8), o[2] = static_cast<uint8_t>(p);
    }
  return rgb;
}

cairo_surface_t* surface_from_pixels(const std::vector<uint8_t>& pixels, int width, int height, int channels) {
  RILL_CHECK(channels == 1 || channels == 3, "surface_from_pixels: {} channels (expected 1 or 3)", channels);
  RILL_CHECK(pixels.size() == static_cast<size_t>(width) * height * channels,
             "surface_from_pixels: {} bytes for {}x{}x{}", pixels.size(), width, height, channels);
  cairo_surface_t* s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, width, height);
  unsigned char* data = cairo_image_surface_get_data(s);
  const int stride = cairo_image_surface_get_stride(s);
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x) {
      const uint8_t* p = &pixels[(static_cast<size_t>(y) * width + x) * channels];
      const uint32_t r = p[0], g = p[channels == 3 ? 1 : 0], b = p[channels == 3 ? 2 : 0];
      reinterpret_cast<uint32_t*>(data + static_cast<size_t>(y) * stride)[x] = r << 16 | g << 8 | b;
    }
  cairo_surface_mark_dirty(s);
  return s;
}

}  // namespace rill::examples::cairo_util

// ---- the sanitizer build (README "Build options") -----------------------------------------
// Cairo's text goes through fontconfig, which keeps its configuration (about 1 KB, allocated
// once, on the first figure with text) until the process ends and never frees it: at exit
// LeakSanitizer reports it as a leak, and a sanitizer build of any program that draws a
// figure would fail. LeakSanitizer asks the program for extra suppressions through this
// function; this one suppresses allocations whose stack passes through libfontconfig only,
// so leaks in rill's own code are still reported. (It lives in this file because every
// program that draws links this object; a definition in an object the linker never pulls
// from the static library would be ignored.)
#if defined(__SANITIZE_ADDRESS__)
extern "C" const char* __lsan_default_suppressions() { return "leak:libfontconfig.so\n"; }
#endif
