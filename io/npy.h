// rill io — NumPy .npy arrays.
//
// .npy (https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html): the
// magic "\x93NUMPY", the version (major, minor byte), the header length (version 1.0: a
// little-endian u16; 2.0 and 3.0: a u32), then the header, a Python dict literal such as
//     {'descr': '<f4', 'fortran_order': False, 'shape': (n, 2), }
// padded with spaces and ending in a newline (to a multiple of 64 bytes), then the raw
// data. Written here: version 1.0, little-endian, C order; files are written to a
// temporary name and renamed, like checkpoints. The reader (io/npy.cpp) is a real parser
// of that dict grammar (keys in any order, either quote, optional trailing commas and
// whitespace), reads versions 1.0, 2.0 and 3.0, byte-swaps big-endian data ('>f4') and
// reorders Fortran-order data.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "tensor/tensor.h"

namespace rill::io {

// float32, float64 or int64 tensors; any shape.
void save_npy(const std::string& path, const Tensor& t);
// Reads float32, float64 or int64 arrays (descr '<f4', '<f8', '<i8' or big-endian '>...'),
// in C or Fortran order, into a C-order CPU tensor. Every field is checked, and the data
// size the header claims against the bytes present, before anything is allocated.
Tensor load_npy(const std::string& path);
// The same from a whole file's bytes in memory; `name` stands for the path in errors.
Tensor parse_npy(std::string_view bytes, const std::string& name = "<memory>");

}  // namespace rill::io
