#include "data/idx.h"

#include <climits>
#include <filesystem>

#include "io/gzip.h"
#include "io/input_file.h"
#include "tensor/error.h"
#include "tensor/shape.h"

namespace rill::data {
namespace {

uint32_t big_endian_u32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) << 24 | static_cast<uint32_t>(p[1]) << 16 | static_cast<uint32_t>(p[2]) << 8 |
         p[3];
}

// The first of `names` (each tried as is and with .gz) that exists in folder.
std::string find_file(const std::string& folder, const std::string& name) {
  for (const std::string& candidate : {name, name + ".gz"}) {
    const std::filesystem::path p = std::filesystem::path(folder) / candidate;
    if (std::filesystem::exists(p)) return p.string();
  }
  throw Error(fmt::format("load_idx_folder: {} has no {} (or {}.gz)", folder, name, name));
}

constexpr size_t kLongestHeader = 4 + 4 * 4;  // the magic number and up to 4 sizes

struct IdxHeader {
  std::vector<int64_t> dims;
  size_t header = 0, count = 0;  // header bytes; data bytes its sizes call for
};

// The magic number and sizes at the start of an IDX file's bytes (all of them or a prefix
// of at least the header).
IdxHeader parse_header(std::string_view view, const std::string& path) {
  const auto* bytes = reinterpret_cast<const uint8_t*>(view.data());
  const size_t size = view.size();
  RILL_CHECK(size >= 4, "read_idx: {} is {} bytes, too short for the IDX magic number (truncated?)", path, size);
  // Magic: two zero bytes, the type (0x08 = unsigned byte), the number of axes.
  RILL_CHECK(bytes[0] == 0 && bytes[1] == 0 && bytes[2] == 0x08 && bytes[3] >= 1 && bytes[3] <= 4,
             "read_idx: {} has magic number 0x{:02x}{:02x}{:02x}{:02x}, not an unsigned-byte IDX file (0x0000080N)",
             path, bytes[0], bytes[1], bytes[2], bytes[3]);
  IdxHeader h;
  const size_t axes = bytes[3];
  h.header = 4 + 4 * axes;
  RILL_CHECK(size >= h.header, "read_idx: {} ends inside its header (truncated?)", path);
  for (size_t a = 0; a < axes; ++a) h.dims.push_back(big_endian_u32(bytes + 4 + 4 * a));
  h.count = static_cast<size_t>(checked_numel(h.dims, "read_idx: " + path));
  return h;
}

}  // namespace

IdxFile read_idx(const std::string& path) { return parse_idx(io::read_file(path, "read_idx"), path); }

IdxFile parse_idx(std::string_view file_bytes, const std::string& path) {
  // gzip data starts with 1f 8b; an IDX file with 00 00.
  const bool gz = file_bytes.size() >= 2 && static_cast<uint8_t>(file_bytes[0]) == 0x1f &&
                  static_cast<uint8_t>(file_bytes[1]) == 0x8b;
  std::string unzipped;
  if (gz) {
    // The header says how large the file is; nothing beyond that is decompressed, so a
    // small crafted .gz cannot make this allocate gigabytes.
    const IdxHeader h = parse_header(io::gunzip_head(file_bytes, kLongestHeader, path, "read_idx"), path);
    unzipped = io::gunzip(file_bytes, path, "read_idx", h.header + h.count);
  }
  const std::string_view view = gz ? std::string_view(unzipped) : file_bytes;
  const IdxHeader h = parse_header(view, path);
  const size_t size = view.size();
  RILL_CHECK(size - h.header == h.count,
             "read_idx: {} should hold {} data bytes for sizes [{}] but has {} (truncated or corrupt)", path, h.count,
             fmt::join(h.dims, ", "), size - h.header);
  IdxFile f;
  f.dims = h.dims;
  const auto* bytes = reinterpret_cast<const uint8_t*>(view.data());
  f.data.assign(bytes + h.header, bytes + size);
  return f;
}

ImageDataset load_idx_folder(const std::string& folder, const std::string& split) {
  RILL_CHECK(split == "train" || split == "test", "load_idx_folder: split must be 'train' or 'test', got '{}'", split);
  const std::string prefix = split == "train" ? "train" : "t10k";
  const std::string image_path = find_file(folder, prefix + "-images-idx3-ubyte");
  const std::string label_path = find_file(folder, prefix + "-labels-idx1-ubyte");
  IdxFile images = read_idx(image_path), labels = read_idx(label_path);
  RILL_CHECK(images.dims.size() == 3, "load_idx_folder: {} has {} axes, expected 3 (count, rows, columns)", image_path,
             images.dims.size());
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

}  // namespace rill::data
