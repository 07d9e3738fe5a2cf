#include "data/cifar10.h"

#include <cstdint>
#include <filesystem>
#include <vector>

#include "io/input_file.h"
#include "tensor/error.h"

namespace rill::data {

void read_cifar10_batch(const std::string& path, ImageDataset& into) {
  parse_cifar10_batch(io::read_file(path, "read_cifar10_batch"), path, into);
}

void parse_cifar10_batch(std::string_view file_bytes, const std::string& path, ImageDataset& into, size_t records) {
  const auto* bytes = reinterpret_cast<const uint8_t*>(file_bytes.data());
  const size_t size = file_bytes.size();
  RILL_CHECK(size / kCifar10Record == records && size % kCifar10Record == 0,
             "read_cifar10_batch: {} is {} bytes, expected {} records of {} bytes = {} (truncated or not CIFAR-10)",
             path, size, records, kCifar10Record, records * kCifar10Record);
  RILL_CHECK(into.count == 0 || (into.channels == 3 && into.height == 32 && into.width == 32),
             "read_cifar10_batch: cannot add {} to a dataset of {}x{}x{} images", path, into.channels, into.height,
             into.width);
  // Every label first, so that a bad file adds nothing.
  for (size_t r = 0; r < records; ++r)
    RILL_CHECK(bytes[r * kCifar10Record] < 10, "read_cifar10_batch: {} record {} has label {}, outside 0..9", path, r,
               bytes[r * kCifar10Record]);
  into.channels = 3, into.height = 32, into.width = 32;
  for (size_t r = 0; r < records; ++r) {
    const uint8_t* rec = bytes + r * kCifar10Record;
    into.labels.push_back(rec[0]);
    into.pixels.insert(into.pixels.end(), rec + 1, rec + kCifar10Record);
    ++into.count;
  }
}

ImageDataset load_cifar10_folder(const std::string& folder, const std::string& split) {
  RILL_CHECK(split == "train" || split == "test", "load_cifar10_folder: split must be 'train' or 'test', got '{}'",
             split);
  ImageDataset ds;
  std::vector<std::string> files;
  if (split == "train")
    for (int i = 1; i <= 5; ++i) files.push_back("data_batch_" + std::to_string(i) + ".bin");
  else
    files.push_back("test_batch.bin");
  for (const std::string& f : files) {
    const std::filesystem::path p = std::filesystem::path(folder) / f;
    RILL_CHECK(std::filesystem::exists(p), "load_cifar10_folder: {} has no {}", folder, f);
    read_cifar10_batch(p.string(), ds);
  }
  return ds;
}

}  // namespace rill::data
