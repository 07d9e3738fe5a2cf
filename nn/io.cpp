#include "nn/io.h"

#include <png.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <regex>

#include "nn/atomic_file.h"
#include "tensor/ops.h"

namespace rill::nn {

namespace {
const char* npy_descr(DType d) {
  switch (d) {
    case DType::Float32: return "<f4";
    case DType::Float64: return "<f8";
    case DType::Int64: return "<i8";
  }
  return "?";
}
}  // namespace

void save_npy(const std::string& path, const Tensor& t) {
  const Tensor host = ops::contiguous(ops::to(t, Device::cpu()));
  // Python tuple syntax: "(3, 4)", "(3,)" for one axis, "()" for a scalar.
  std::string shape = fmt::format("{}", fmt::join(host.shape(), ", "));
  if (host.dim() == 1) shape += ",";
  std::string header = fmt::format("{{'descr': '{}', 'fortran_order': False, 'shape': ({}), }}", npy_descr(host.dtype()), shape);
  // Pad with spaces so that magic (6) + version (2) + length (2) + header + '\n' is a multiple of 64.
  header.append(63 - (10 + header.size()) % 64, ' ');
  header += '\n';
  std::string bytes = "\x93NUMPY";
  bytes += '\x01', bytes += '\x00';
  const uint16_t len = static_cast<uint16_t>(header.size());
  bytes.append(reinterpret_cast<const char*>(&len), 2);
  bytes += header;
  bytes.append(static_cast<const char*>(host.raw_data()), static_cast<size_t>(host.numel()) * host.element_size());
  write_file_atomically(path, bytes);
}

Tensor load_npy(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  RILL_CHECK(in.good(), "load_npy: cannot open {}", path);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  RILL_CHECK(bytes.size() >= 10 && bytes.compare(0, 6, "\x93NUMPY") == 0, "load_npy: {} is not a .npy file (bad magic)", path);
  RILL_CHECK(bytes[6] == 1 && bytes[7] == 0, "load_npy: {}: only format version 1.0 is supported", path);
  uint16_t len = 0;
  std::memcpy(&len, bytes.data() + 8, 2);
  RILL_CHECK(bytes.size() >= 10u + len, "load_npy: {}: the header runs past the end of the file (truncated?)", path);
  const std::string header = bytes.substr(10, len);
  std::smatch m;
  RILL_CHECK(std::regex_search(header, m, std::regex(R"('descr':\s*'([^']*)')")), "load_npy: {}: no 'descr' in header", path);
  const std::string descr = m[1];
  RILL_CHECK(descr == "<f4" || descr == "<f8" || descr == "<i8", "load_npy: {}: dtype '{}' is not supported (<f4, <f8, <i8)", path, descr);
  const DType dtype = descr == "<f4" ? DType::Float32 : descr == "<f8" ? DType::Float64 : DType::Int64;
  RILL_CHECK(header.find("'fortran_order': False") != std::string::npos, "load_npy: {}: Fortran order is not supported", path);
  RILL_CHECK(std::regex_search(header, m, std::regex(R"('shape':\s*\(([^)]*)\))")), "load_npy: {}: no 'shape' in header", path);
  Shape shape;
  const std::string dims = m[1];
  const std::regex number(R"(\d+)");
  for (std::sregex_iterator it(dims.begin(), dims.end(), number), end; it != end; ++it) {
    RILL_CHECK(it->str().size() <= 18, "load_npy: {}: size {} in the header is out of range", path, it->str());
    shape.push_back(std::stoll(it->str()));
  }
  // Check the byte count before allocating anything the header asks for.
  const size_t nbytes = static_cast<size_t>(checked_numel(shape, "load_npy: " + path)) * dtype_size(dtype);
  RILL_CHECK(bytes.size() - 10 - len == nbytes, "load_npy: {}: {} data bytes for shape {} {} but the file has {}", path, nbytes,
             shape_str(shape), dtype, bytes.size() - 10 - len);
  Tensor t = empty(shape, dtype);
  if (nbytes) std::memcpy(t.raw_data(), bytes.data() + 10 + len, nbytes);
  return t;
}

void write_png(const std::string& path, const std::vector<uint8_t>& pixels, int64_t width, int64_t height, int64_t channels) {
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
      png, &encoded, [](png_structp p, png_bytep data, png_size_t n) {
        static_cast<std::string*>(png_get_io_ptr(p))->append(reinterpret_cast<const char*>(data), n);
      },
      nullptr);
  const int color = channels == 1 ? PNG_COLOR_TYPE_GRAY : channels == 3 ? PNG_COLOR_TYPE_RGB : PNG_COLOR_TYPE_RGBA;
  png_set_IHDR(png, info, static_cast<png_uint_32>(width), static_cast<png_uint_32>(height), 8, color, PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
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
          const float value = std::clamp((v[((n * C + c) * H + y) * W + x] + 1.0f) * 127.5f, 0.0f, 255.0f);  // [-1, 1] -> [0, 255]
          out[((oy + y) * width + ox + x) * C + c] = static_cast<uint8_t>(std::lround(value));
        }
  }
  write_png(path, out, width, height, C);
}

void write_text_file(const std::string& path, const std::string& text) { write_file_atomically(path, text); }

}  // namespace rill::nn
