// IDX and CIFAR-10 readers (formats in images.h).
#include <zlib.h>

#include <climits>
#include <filesystem>

#include "nn/data/images.h"
#include "nn/input_file.h"
#include "tensor/error.h"
#include "tensor/shape.h"

namespace rill::nn::data {
namespace {

// The contents of gzip data (RFC 1952): zlib's inflate in gzip mode (window bits 16 + 15)
// parses each member's header, checks its CRC-32 and length trailer, and reports the end
// of the member. Input that ends before that end (truncation, even of the trailer alone)
// is an error; after a member, the rest must be another whole member or nothing.
std::string gunzip(std::string_view in, const std::string& file) {
  z_stream z{};
  RILL_CHECK(inflateInit2(&z, 16 + MAX_WBITS) == Z_OK, "read_idx: {}: zlib could not start", file);
  struct End {
    z_stream* z;
    ~End() { inflateEnd(z); }
  } end{&z};
  std::string out;
  size_t fed = 0;  // input bytes handed to zlib so far (avail_in is 32 bits: feed in pieces)
  unsigned char buffer[1 << 16];
  for (;;) {
    if (z.avail_in == 0 && fed < in.size()) {
      z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data() + fed));
      z.avail_in = static_cast<uInt>(std::min<size_t>(in.size() - fed, UINT_MAX));
      fed += z.avail_in;
    }
    z.next_out = buffer;
    z.avail_out = sizeof(buffer);
    const int rc = inflate(&z, Z_NO_FLUSH);
    out.append(reinterpret_cast<const char*>(buffer), sizeof(buffer) - z.avail_out);
    if (rc == Z_OK) continue;
    if (rc == Z_STREAM_END) {
      const size_t rest = in.size() - (fed - z.avail_in);
      if (rest == 0) return out;
      const auto* next = reinterpret_cast<const unsigned char*>(in.data() + (in.size() - rest));
      RILL_CHECK(rest >= 2 && next[0] == 0x1f && next[1] == 0x8b,
                 "read_idx: {}: {} bytes of junk follow the end of the gzip data (corrupt file?)", file, rest);
      RILL_CHECK(inflateReset(&z) == Z_OK, "read_idx: {}: zlib could not restart", file);
      continue;  // the next member
    }
    RILL_CHECK(!(rc == Z_BUF_ERROR && z.avail_in == 0 && fed == in.size()),
               "read_idx: {}: the gzip data ends early (truncated file?)", file);
    throw Error(fmt::format("read_idx: {} is corrupt ({})", file, z.msg != nullptr ? z.msg : "zlib error " + std::to_string(rc)));
  }
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

IdxFile read_idx(const std::string& path) { return parse_idx(read_file(path, "read_idx"), path); }

IdxFile parse_idx(std::string_view file_bytes, const std::string& path) {
  // gzip data starts with 1f 8b; an IDX file with 00 00.
  const bool gz = file_bytes.size() >= 2 && static_cast<uint8_t>(file_bytes[0]) == 0x1f && static_cast<uint8_t>(file_bytes[1]) == 0x8b;
  std::string unzipped;
  if (gz) unzipped = gunzip(file_bytes, path);
  const std::string_view view = gz ? std::string_view(unzipped) : file_bytes;
  const auto* bytes = reinterpret_cast<const uint8_t*>(view.data());
  const size_t size = view.size();
  RILL_CHECK(size >= 4, "read_idx: {} is {} bytes, too short for the IDX magic number (truncated?)", path, size);
  // Magic: two zero bytes, the type (0x08 = unsigned byte), the number of axes.
  RILL_CHECK(bytes[0] == 0 && bytes[1] == 0 && bytes[2] == 0x08 && bytes[3] >= 1 && bytes[3] <= 4,
             "read_idx: {} has magic number 0x{:02x}{:02x}{:02x}{:02x}, not an unsigned-byte IDX file (0x0000080N)", path,
             bytes[0], bytes[1], bytes[2], bytes[3]);
  const size_t axes = bytes[3], header = 4 + 4 * axes;
  RILL_CHECK(size >= header, "read_idx: {} ends inside its header (truncated?)", path);
  IdxFile f;
  for (size_t a = 0; a < axes; ++a) f.dims.push_back(big_endian_u32(bytes + 4 + 4 * a));
  const auto count = static_cast<size_t>(checked_numel(f.dims, "read_idx: " + path));
  RILL_CHECK(size - header == count,
             "read_idx: {} should hold {} data bytes for sizes [{}] but has {} (truncated or corrupt)", path, count,
             fmt::join(f.dims, ", "), size - header);
  f.data.assign(bytes + header, bytes + size);
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
  parse_cifar10_batch(read_file(path, "read_cifar10_batch"), path, into);
}

void parse_cifar10_batch(std::string_view file_bytes, const std::string& path, ImageDataset& into, size_t records) {
  const auto* bytes = reinterpret_cast<const uint8_t*>(file_bytes.data());
  const size_t size = file_bytes.size();
  RILL_CHECK(size / kCifar10Record == records && size % kCifar10Record == 0,
             "read_cifar10_batch: {} is {} bytes, expected {} records of {} bytes = {} (truncated or not CIFAR-10)", path,
             size, records, kCifar10Record, records * kCifar10Record);
  RILL_CHECK(into.count == 0 || (into.channels == 3 && into.height == 32 && into.width == 32),
             "read_cifar10_batch: cannot add {} to a dataset of {}x{}x{} images", path, into.channels, into.height, into.width);
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
