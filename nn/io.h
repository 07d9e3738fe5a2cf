// rill nn — writing results: NumPy .npy arrays and PNG images.
//
// .npy (https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html): the
// magic "\x93NUMPY", the version (major, minor byte), the header length (version 1.0: a
// little-endian u16; 2.0 and 3.0: a u32), then the header, a Python dict literal such as
//     {'descr': '<f4', 'fortran_order': False, 'shape': (n, 2), }
// padded with spaces and ending in a newline (to a multiple of 64 bytes), then the raw
// data. Written here: version 1.0, little-endian, C order; files are written to a
// temporary name and renamed, like checkpoints. The reader (nn/npy.cpp) is a real parser
// of that dict grammar (keys in any order, either quote, optional trailing commas and
// whitespace), reads versions 1.0, 2.0 and 3.0, byte-swaps big-endian data ('>f4') and
// reorders Fortran-order data.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tensor/tensor.h"

namespace rill::nn {

// float32, float64 or int64 tensors; any shape.
void save_npy(const std::string& path, const Tensor& t);
// Reads float32, float64 or int64 arrays (descr '<f4', '<f8', '<i8' or big-endian '>...'),
// in C or Fortran order, into a C-order CPU tensor. Every field is checked, and the data
// size the header claims against the bytes present, before anything is allocated.
Tensor load_npy(const std::string& path);
// The same from a whole file's bytes in memory; `name` stands for the path in errors.
Tensor parse_npy(std::string_view bytes, const std::string& name = "<memory>");

// 8-bit grey (channels 1), RGB (3) or RGBA (4) pixels, row-major [height, width, channels].
void write_png(const std::string& path, const std::vector<uint8_t>& pixels, int64_t width, int64_t height, int64_t channels);
// Images [N, C, H, W] with values in [-1, 1] tiled into a grid of `columns` per row
// (2-pixel gaps), written as a PNG. C is 1 or 3.
void save_image_grid(const std::string& path, const Tensor& images, int64_t columns);

// Writes text to path atomically (temporary file + rename).
void write_text_file(const std::string& path, const std::string& text);

}  // namespace rill::nn
