// rill data — the CIFAR-10 binary format.
//
// CIFAR-10 binary (https://www.cs.toronto.edu/~kriz/cifar.html): data_batch_1.bin ...
// data_batch_5.bin and test_batch.bin, each exactly 10000 records of 1 label byte + 3072
// pixel bytes (1024 red, 1024 green, 1024 blue, row-major 32 x 32).
//
// A wrong magic number, a truncated file, a count mismatch between images and labels,
// or a label out of range is an error naming the file; nothing is added to a dataset
// from a file that has such an error.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "data/image_dataset.h"

namespace rill::data {

ImageDataset load_cifar10_folder(const std::string& folder, const std::string& split = "train");
inline constexpr size_t kCifar10Record = 1 + 3 * 32 * 32;  // label byte + pixels
inline constexpr size_t kCifar10BatchRecords = 10000;      // records in every batch file
// Appends the records of one CIFAR-10 .bin file (exactly kCifar10BatchRecords of them).
void read_cifar10_batch(const std::string& path, ImageDataset& into);
// The same from a file's bytes in memory, which must hold exactly `records` records
// (other counts are for tests and the fuzzer; real batch files hold 10000).
void parse_cifar10_batch(std::string_view bytes, const std::string& name, ImageDataset& into,
                         size_t records = kCifar10BatchRecords);

}  // namespace rill::data
