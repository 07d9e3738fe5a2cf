// rill io — the safetensors file format (https://github.com/huggingface/safetensors):
//
//   [8 bytes]  N, the header length, unsigned little-endian
//   [N bytes]  a JSON object:  {"name": {"dtype": "F32", "shape": [2, 3],
//                                        "data_offsets": [begin, end]}, ...,
//                               "__metadata__": {"key": "string value", ...}}
//              padded with spaces to a multiple of 8 bytes
//   [rest]     the tensors' raw little-endian bytes, row-major; data_offsets are
//              relative to the start of this section, which they cover exactly
//
// Files written here open in any safetensors reader. Saving is atomic: the bytes go
// to a temporary file in the same folder, which is synced and then renamed over the
// target, so a crash leaves either the old file or the new one, never half of one.
// Loading validates the whole header first (lengths, JSON, dtypes, shapes against byte
// counts, offsets that tile the data section exactly, no duplicate names) against the
// size of the file, before any tensor is allocated, and reports a truncated or corrupt
// file by name instead of reading garbage. Tensors are then read one by one, only those
// asked for (a Reader).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "io/state_dict.h"

namespace rill::io::safetensors {

using Metadata = std::map<std::string, std::string>;

// Writes tensors (any device; float32, float64 or int64) in the order given.
void save(const std::string& path, const StateDict& tensors, const Metadata& metadata = {});

// One tensor as the header describes it; [begin, end) are byte offsets into the data section.
struct Entry {
  std::string name;
  DType dtype = DType::Float32;
  Shape shape;
  uint64_t begin = 0, end = 0;
};

// A safetensors file whose header has been read and validated as a whole. Tensors are
// read when asked for, so a caller that needs only some of them reads only those.
// The same parser reads bytes in memory (parse), which is what the fuzzer drives.
class Reader {
 public:
  // Opens the file and reads and validates its header only.
  static Reader open(const std::string& path);
  // The same for a whole file's bytes in memory; `name` stands for the path in errors.
  static Reader parse(std::string bytes, const std::string& name = "<memory>");

  const std::string& name() const { return name_; }
  const std::vector<Entry>& entries() const { return entries_; }  // in file order
  const Metadata& metadata() const { return metadata_; }
  // Reads one tensor's bytes into a new CPU tensor.
  Tensor read(const Entry& entry) const;
  // Tensor bytes read so far (tests check that a partial load reads only what it needs).
  uint64_t bytes_read() const { return bytes_read_; }

 private:
  using ReadFn = std::function<void(uint64_t offset, void* dst, size_t n)>;
  Reader(std::string name, uint64_t size, ReadFn read);

  std::string name_;
  ReadFn read_;  // bytes of the file (on disk or in memory)
  uint64_t data_start_ = 0;
  std::vector<Entry> entries_;
  Metadata metadata_;
  mutable uint64_t bytes_read_ = 0;
};

struct Contents {
  StateDict tensors;  // in file order, on the CPU
  Metadata metadata;
};
// Every tensor, or only those whose names `select` accepts (the whole header is
// validated either way).
Contents load(const std::string& path, const std::function<bool(const std::string&)>& select = {});
// The same from a whole file's bytes in memory.
Contents parse(std::string bytes, const std::string& name = "<memory>");

}  // namespace rill::io::safetensors
