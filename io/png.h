// rill io — PNG images (libpng): raw pixels, and a grid of sample images.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tensor/tensor.h"

namespace rill::io {

// 8-bit grey (channels 1), RGB (3) or RGBA (4) pixels, row-major [height, width, channels].
void write_png(const std::string& path, const std::vector<uint8_t>& pixels, int64_t width, int64_t height,
               int64_t channels);
// Images [N, C, H, W] with values in [-1, 1] tiled into a grid of `columns` per row
// (2-pixel gaps), written as a PNG. C is 1 or 3.
void save_image_grid(const std::string& path, const Tensor& images, int64_t columns);

}  // namespace rill::io
