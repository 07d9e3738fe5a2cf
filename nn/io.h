// rill nn — writing results: NumPy .npy arrays and PNG images.
//
// .npy (NumPy format 1.0): the magic "\x93NUMPY", version 1.0, a little-endian u16 header
// length, a Python-dict header {'descr': '<f4', 'fortran_order': False, 'shape': (n, 2), }
// padded with spaces and a newline to a multiple of 64 bytes, then the raw data (C order).
// Files are written to a temporary name and renamed, like checkpoints.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tensor/tensor.h"

namespace rill::nn {

// float32, float64 or int64 tensors; any shape.
void save_npy(const std::string& path, const Tensor& t);
// Reads what save_npy writes (little-endian <f4, <f8, <i8, C order); checks every field.
Tensor load_npy(const std::string& path);

// 8-bit grey (channels 1), RGB (3) or RGBA (4) pixels, row-major [height, width, channels].
void write_png(const std::string& path, const std::vector<uint8_t>& pixels, int64_t width, int64_t height, int64_t channels);
// Images [N, C, H, W] with values in [-1, 1] tiled into a grid of `columns` per row
// (2-pixel gaps), written as a PNG. C is 1 or 3.
void save_image_grid(const std::string& path, const Tensor& images, int64_t columns);

// Writes text to path atomically (temporary file + rename).
void write_text_file(const std::string& path, const std::string& text);

}  // namespace rill::nn
