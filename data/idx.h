// rill data — the IDX format of MNIST and Fashion-MNIST.
//
// IDX (MNIST, Fashion-MNIST; http://yann.lecun.com/exdb/mnist/): big-endian; a 4-byte magic
// 0x00000801 (labels, 1 axis) or 0x00000803 (images, 3 axes), one 4-byte size per axis,
// then unsigned bytes. Files may be gzip-compressed (.gz) or raw. A folder holds the four
// standard files train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte,
// t10k-labels-idx1-ubyte (each with or without .gz). Debian's dataset-fashion-mnist package
// installs the real Fashion-MNIST in /usr/share/datasets/fashion-mnist.
//
// A .gz file must be whole: each gzip member's CRC-32 and length trailer are checked,
// and a file cut short (even just before its trailer) is an error, as are bytes after
// the last member. Several members one after another (`cat a.gz b.gz`) are legal gzip
// (RFC 1952, 2.2) and read as their contents joined, as gunzip does.
//
// A wrong magic number, a truncated file, a count mismatch between images and labels,
// or a label out of range is an error naming the file; nothing is added to a dataset
// from a file that has such an error.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "data/image_dataset.h"

namespace rill::data {

// split: "train" or "test".
ImageDataset load_idx_folder(const std::string& folder, const std::string& split = "train");
// One IDX file (raw or gzip) -> its sizes and bytes.
struct IdxFile {
  std::vector<int64_t> dims;
  std::vector<uint8_t> data;
};
IdxFile read_idx(const std::string& path);
// The same from a whole file's bytes in memory (raw or gzip); `name` stands for the path in errors.
IdxFile parse_idx(std::string_view bytes, const std::string& name = "<memory>");

}  // namespace rill::data
