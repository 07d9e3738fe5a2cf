// rill nn — the safetensors file format (https://github.com/huggingface/safetensors):
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
// Loading validates everything (lengths, JSON, dtypes, shapes against byte counts,
// offsets) and reports a truncated or corrupt file by name instead of reading garbage.
#pragma once

#include <map>
#include <string>

#include "nn/module.h"

namespace rill::nn::safetensors {

using Metadata = std::map<std::string, std::string>;

// Writes tensors (any device; float32, float64 or int64) in the order given.
void save(const std::string& path, const StateDict& tensors, const Metadata& metadata = {});

struct Contents {
  StateDict tensors;  // in file order, on the CPU
  Metadata metadata;
};
Contents load(const std::string& path);

}  // namespace rill::nn::safetensors
