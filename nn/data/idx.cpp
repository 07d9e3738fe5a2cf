// IDX and CIFAR-10 readers (formats in images.h).
#include <zlib.h>

#include <filesystem>
#include <fstream>

#include "nn/data/images.h"
#include "tensor/error.h"
#include "tensor/shape.h"

namespace rill::nn::data {
namespace {

// Reads a whole file; gzread passes non-gzip files through unchanged, so this reads
// both raw and .gz files. Corrupt compressed data is an error.
std::vector<uint8_t> read_maybe_gzip(const std::string& path) {
  gzFile f = gzopen(path.c_str(), "rb");
  RILL_CHECK(f != nullptr, "read_idx: cannot open {}", path);
  std::vector<uint8_t> out;
  uint8_t buffer[1 << 16];
  for (;;) {
    const int n = gzread(f, buffer, sizeof(buffer));
    if (n < 0) {
      int code = 0;
      const std::string why = gzerror(f, &code);
      gzclose(f);
      throw Error(fmt::format("read_idx: {} is corrupt ({})", path, why));
    }
    if (n == 0) break;
    out.insert(out.end(), buffer, buffer + n);
  }
  gzclose(f);
  return out;
}

uint32_t big_endian_u32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) << 24 | static_cast<uint32_t>(p[1]) << 16 | static_cast<uint32_t>(p[2]) << 8 | p[3];
}

// The first of `names` (each tried as is and with .gz) that exists in folder.
std::string find_file(const std::string& folder, const std::string& name) {
  for (const std::string& candidate : {name, name + ".gz"}) {
    const std::filesystem::path p = std::filesystem::path(folder) / candidate;
    if (std::filesystem::exists(p)) return p.string();
  }
  throw Error(fmt::format("load_idx_folder: {} has no {} (or {}.gz)", folder, name, name));
}

}  // namespace

IdxFile read_idx(const std::string& path) {
  const std::vector<uint8_t> bytes = read_maybe_gzip(path);
  RILL_CHECK(bytes.size() >= 4, "read_idx: {} is {} bytes, too short for the IDX magic number (truncated?)", path, bytes.size());
  // Magic: two zero bytes, the type (0x08 = unsigned byte), the number of axes.
  RILL_CHECK(bytes[0] == 0 && bytes[1] == 0 && bytes[2] == 0x08 && bytes[3] >= 1 && bytes[3] <= 4,
             "read_idx: {} has magic number 0x{:02x}{:02x}{:02x}{:02x}, not an unsigned-byte IDX file (0x0000080N)", path,
             bytes[0], bytes[1], bytes[2], bytes[3]);
  const size_t axes = bytes[3], header = 4 + 4 * axes;
  RILL_CHECK(bytes.size() >= header, "read_idx: {} ends inside its header (truncated?)", path);
  IdxFile f;
  for (size_t a = 0; a < axes; ++a) f.dims.push_back(big_endian_u32(bytes.data() + 4 + 4 * a));
  const size_t count = static_cast<size_t>(checked_numel(f.dims, "read_idx: " + path));
  RILL_CHECK(bytes.size() - header == count,
             "read_idx: {} should hold {} data bytes for sizes [{}] but has {} (truncated or corrupt)", path, count,
             fmt::join(f.dims, ", "), bytes.size() - header);
  f.data.assign(bytes.begin() + static_cast<std::ptrdiff_t>(header), bytes.end());
  return f;
}

ImageDataset load_idx_folder(const std::string& folder, const std::string& split) {
  RILL_CHECK(split == "train" || split == "test", "load_idx_folder: split must be 'train' or 'test', got '{}'", split);
  const std::string prefix = split == "train" ? "train" : "t10k";
  const std::string image_path = find_file(folder, prefix + "-images-idx3-ubyte");
  const std::string label_path = find_file(folder, prefix + "-labels-idx1-ubyte");
  IdxFile images = read_idx(image_path), labels = read_idx(label_path);
  RILL_CHECK(images.dims.size() == 3, "load_idx_folder: {} has {} axes, expected 3 (count, rows, columns)", image_path, images.dims.size());
  RILL_CHECK(labels.dims.size() == 1, "load_idx_folder: {} has {} axes, expected 1", label_path, labels.dims.size());
  RILL_CHECK(images.dims[0] == labels.dims[0], "load_idx_folder: {} has {} images but {} has {} labels", image_path,
             images.dims[0], label_path, labels.dims[0]);
  ImageDataset ds;
  ds.count = images.dims[0], ds.channels = 1, ds.height = images.dims[1], ds.width = images.dims[2];
  ds.pixels = std::move(images.data);
  for (uint8_t l : labels.data) {
    RILL_CHECK(l < 10, "load_idx_folder: {} holds label {}, outside 0..9", label_path, l);
    ds.labels.push_back(l);
  }
  return ds;
}

void read_cifar10_batch(const std::string& path, ImageDataset& into) {
  constexpr size_t kRecord = 1 + 3 * 32 * 32;
  std::ifstream in(path, std::ios::binary);
  RILL_CHECK(in.good(), "read_cifar10_batch: cannot open {}", path);
  const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  RILL_CHECK(!bytes.empty() && bytes.size() % kRecord == 0,
             "read_cifar10_batch: {} is {} bytes, not a whole number of {}-byte records (truncated or not CIFAR-10)", path,
             bytes.size(), kRecord);
  into.channels = 3, into.height = 32, into.width = 32;
  for (size_t r = 0; r < bytes.size() / kRecord; ++r) {
    const uint8_t* rec = bytes.data() + r * kRecord;
    RILL_CHECK(rec[0] < 10, "read_cifar10_batch: {} record {} has label {}, outside 0..9", path, r, rec[0]);
    into.labels.push_back(rec[0]);
    into.pixels.insert(into.pixels.end(), rec + 1, rec + kRecord);
    ++into.count;
  }
}

ImageDataset load_cifar10_folder(const std::string& folder, const std::string& split) {
  RILL_CHECK(split == "train" || split == "test", "load_cifar10_folder: split must be 'train' or 'test', got '{}'", split);
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

}  // namespace rill::nn::data
