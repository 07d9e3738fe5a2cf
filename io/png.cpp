#include "io/png.h"

#include <png.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "io/atomic_file.h"
#include "io/npy.h"
#include "tensor/ops.h"

namespace rill::io {

void write_png(const std::string& path, const std::vector<uint8_t>& pixels, int64_t width, int64_t height,
               int64_t channels) {
  RILL_CHECK(channels == 1 || channels == 3 || channels == 4, "write_png: {} channels (expected 1, 3 or 4)", channels);
  RILL_CHECK(static_cast<int64_t>(pixels.size()) == width * height * channels,
             "write_png: {} bytes for a {}x{}x{} image", pixels.size(), width, height, channels);
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png ? png_create_info_struct(png) : nullptr;
  RILL_CHECK(png && info, "write_png: libpng could not start");
  std::string encoded;
  if (setjmp(png_jmpbuf(png))) {  // libpng reports errors by longjmp
    png_destroy_write_struct(&png, &info);
    throw Error(fmt::format("write_png: libpng failed while encoding {}", path));
  }
  png_set_write_fn(
      png, &encoded,
      [](png_structp p, png_bytep data, png_size_t n) {
        static_cast<std::string*>(png_get_io_ptr(p))->append(reinterpret_cast<const char*>(data), n);
      },
      nullptr);
  const int color = channels == 1 ? PNG_COLOR_TYPE_GRAY : channels == 3 ? PNG_COLOR_TYPE_RGB : PNG_COLOR_TYPE_RGBA;
  png_set_IHDR(png, info, static_cast<png_uint_32>(width), static_cast<png_uint_32>(height), 8, color,
               PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  for (int64_t y = 0; y < height; ++y) png_write_row(png, const_cast<png_bytep>(pixels.data() + y * width * channels));
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  write_file_atomically(path, encoded);
}

void save_image_grid(const std::string& path, const Tensor& images, int64_t columns) {
  RILL_CHECK(images.dim() == 4 && (images.size(1) == 1 || images.size(1) == 3),
             "save_image_grid: expected images [N, 1 or 3, H, W], got shape {}", shape_str(images.shape()));
  const int64_t N = images.size(0), C = images.size(1), H = images.size(2), W = images.size(3), pad = 2;
  columns = std::max<int64_t>(1, std::min(columns, N));
  const int64_t rows = (N + columns - 1) / columns;
  const int64_t width = columns * (W + pad) + pad, height = rows * (H + pad) + pad;
  const std::vector<float> v = ops::contiguous(ops::to(images, DType::Float32)).to_vector<float>();
  std::vector<uint8_t> out(static_cast<size_t>(width * height * C), 255);  // white gaps
  for (int64_t n = 0; n < N; ++n) {
    const int64_t ox = pad + (n % columns) * (W + pad), oy = pad + (n / columns) * (H + pad);
    for (int64_t c = 0; c < C; ++c)
      for (int64_t y = 0; y < H; ++y)
        for (int64_t x = 0; x < W; ++x) {
          const float value =
              std::clamp((v[((n * C + c) * H + y) * W + x] + 1.0f) * 127.5f, 0.0f, 255.0f);  // [-1, 1] -> [0, 255]
          out[((oy + y) * width + ox + x) * C + c] = static_cast<uint8_t>(std::lround(value));
        }
  }
  write_png(path, out, width, height, C);
}

}  // namespace rill::io
