#include "examples/common/animation.h"

#include <gif_lib.h>

#include <algorithm>
#include <cmath>

#include "io/atomic_file.h"
#include "tensor/ops.h"

namespace rill::examples {

namespace {

constexpr int kCube = 6, kGreys = 40;  // 216 + 40 = 256 palette entries

int cube_level(int v) { return (v * (kCube - 1) + 127) / 255; }  // 0..5, the nearest of 0, 51, ..., 255
int grey_level(int v) { return (v * (kGreys - 1) + 127) / 255; }

}  // namespace

std::vector<uint8_t> gif_palette() {
  std::vector<uint8_t> p;
  for (int r = 0; r < kCube; ++r)
    for (int g = 0; g < kCube; ++g)
      for (int b = 0; b < kCube; ++b)
        for (int c : {r, g, b}) p.push_back(static_cast<uint8_t>(c * 255 / (kCube - 1)));
  for (int k = 0; k < kGreys; ++k)
    for (int c = 0; c < 3; ++c) p.push_back(static_cast<uint8_t>(k * 255 / (kGreys - 1)));
  return p;
}

uint8_t palette_index(uint8_t r, uint8_t g, uint8_t b) {
  const int cr = cube_level(r), cg = cube_level(g), cb = cube_level(b);
  const int grey = grey_level((r + g + b) / 3);
  auto err = [&](int pr, int pg, int pb) { return (pr - r) * (pr - r) + (pg - g) * (pg - g) + (pb - b) * (pb - b); };
  const int step = 255 / (kCube - 1), gv = grey * 255 / (kGreys - 1);
  const bool use_grey = err(gv, gv, gv) < err(cr * step, cg * step, cb * step);
  return static_cast<uint8_t>(use_grey ? kCube * kCube * kCube + grey : (cr * kCube + cg) * kCube + cb);
}

namespace {

int append(GifFileType* gif, const GifByteType* data, int n) {
  static_cast<std::string*>(gif->UserData)->append(reinterpret_cast<const char*>(data), static_cast<size_t>(n));
  return n;
}

void gif_check(int status, GifFileType* gif, const std::string& path, const char* what) {
  if (status == GIF_OK) return;
  const int code = gif ? gif->Error : 0;
  throw Error(
      fmt::format("{}: giflib failed at {}: {}", path, what, GifErrorString(code) ? GifErrorString(code) : "?"));
}

}  // namespace

void save_gif(const std::string& path, const std::vector<std::vector<uint8_t>>& frames, int width, int height,
              const std::vector<int>& delays_cs) {
  RILL_CHECK(!frames.empty() && frames.size() == delays_cs.size(), "save_gif: {} frames and {} delays", frames.size(),
             delays_cs.size());
  std::string bytes;
  int error = 0;
  GifFileType* gif = EGifOpen(&bytes, append, &error);
  RILL_CHECK(gif != nullptr, "{}: giflib could not start: {}", path, GifErrorString(error));
  // EGifCloseFile frees gif whatever happens; a failure before it must close it too.
  try {
    EGifSetGifVersion(gif, true);  // GIF89a: needed for delays and looping
    const std::vector<uint8_t> pal = gif_palette();
    std::vector<GifColorType> colors(256);
    for (size_t i = 0; i < 256; ++i) colors[i] = {pal[3 * i], pal[3 * i + 1], pal[3 * i + 2]};
    ColorMapObject* map = GifMakeMapObject(256, colors.data());
    RILL_CHECK(map != nullptr, "{}: giflib could not make the palette", path);
    const int screen = EGifPutScreenDesc(gif, width, height, 8, 0, map);
    GifFreeMapObject(map);  // the screen descriptor keeps its own copy
    gif_check(screen, gif, path, "the screen descriptor");

    // Loop forever: the NETSCAPE2.0 application extension, sub-block {1, loop count 0 (LE)}.
    const GifByteType loop[3] = {1, 0, 0};
    gif_check(EGifPutExtensionLeader(gif, APPLICATION_EXT_FUNC_CODE), gif, path, "the loop extension");
    gif_check(EGifPutExtensionBlock(gif, 11, "NETSCAPE2.0"), gif, path, "the loop extension");
    gif_check(EGifPutExtensionBlock(gif, 3, loop), gif, path, "the loop extension");
    gif_check(EGifPutExtensionTrailer(gif), gif, path, "the loop extension");

    std::vector<GifPixelType> row(static_cast<size_t>(width));
    for (size_t f = 0; f < frames.size(); ++f) {
      RILL_CHECK(frames[f].size() == static_cast<size_t>(width) * height * 3,
                 "save_gif: frame {} has {} bytes for {}x{}", f, frames[f].size(), width, height);
      GraphicsControlBlock gcb{};
      gcb.DisposalMode = DISPOSE_DO_NOT, gcb.UserInputFlag = false, gcb.DelayTime = delays_cs[f];
      gcb.TransparentColor = NO_TRANSPARENT_COLOR;
      GifByteType ext[4];
      const size_t n = EGifGCBToExtension(&gcb, ext);
      gif_check(EGifPutExtension(gif, GRAPHICS_EXT_FUNC_CODE, static_cast<int>(n), ext), gif, path, "a frame's delay");
      gif_check(EGifPutImageDesc(gif, 0, 0, width, height, false, nullptr), gif, path, "a frame's descriptor");
      for (int y = 0; y < height; ++y) {
        const uint8_t* p = &frames[f][static_cast<size_t>(y) * width * 3];
        for (int x = 0; x < width; ++x) row[x] = palette_index(p[3 * x], p[3 * x + 1], p[3 * x + 2]);
        gif_check(EGifPutLine(gif, row.data(), width), gif, path, "a frame's pixels");
      }
    }
  } catch (...) {
    EGifCloseFile(gif, &error);
    throw;
  }
  RILL_CHECK(EGifCloseFile(gif, &error) == GIF_OK, "{}: giflib failed to finish: {}", path, GifErrorString(error));
  io::write_file_atomically(path, bytes);
}

void save_flow_gif(const std::string& path, const Tensor& data, const std::vector<Tensor>& states,
                   const std::vector<double>& times, int size, int max_frames) {
  RILL_CHECK(!states.empty() && states.size() == times.size(), "save_flow_gif: {} states and {} times", states.size(),
             times.size());
  // The same view in every frame: one that holds the data and every state.
  std::vector<Tensor> all = {ops::to(data, Device::cpu())};
  for (const Tensor& s : states) all.push_back(ops::to(s, Device::cpu()));
  const Tensor frame = ops::cat(all, 0);
  const size_t n = states.size(), count = std::min<size_t>(n, static_cast<size_t>(std::max(2, max_frames)));
  std::vector<std::vector<uint8_t>> frames;
  std::vector<int> delays;
  for (size_t k = 0; k < count; ++k) {
    const size_t i = count == 1 ? 0 : k * (n - 1) / (count - 1);  // first and last included
    Figure f = plane_figure(size, frame, fmt::format("t = {:.2f}", times[i]));
    f.scatter(data, colors::light_grey, 0.35, 1.5, "data").scatter(states[i], colors::blue, 0.6, 1.5, "samples");
    frames.push_back(f.rgb());
    delays.push_back(k == 0 ? 80 : k + 1 == count ? 200 : 8);  // rest on the noise and on the result
  }
  save_gif(path, frames, size, size, delays);
}

}  // namespace rill::examples
