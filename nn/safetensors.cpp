#include "nn/safetensors.h"

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

#include "nn/atomic_file.h"
#include "tensor/ops.h"

namespace rill::nn::safetensors {

static_assert(std::endian::native == std::endian::little, "safetensors I/O assumes a little-endian machine");

namespace {

using Json = nlohmann::ordered_json;  // keeps the tensors in the order they were written

const char* dtype_code(DType d) {
  switch (d) {
    case DType::Float32: return "F32";
    case DType::Float64: return "F64";
    case DType::Int64: return "I64";
  }
  return "?";
}

DType parse_dtype(const std::string& path, const std::string& name, const std::string& code) {
  if (code == "F32") return DType::Float32;
  if (code == "F64") return DType::Float64;
  if (code == "I64") return DType::Int64;
  throw Error(fmt::format("safetensors: {}: tensor '{}' has dtype {}, which rill does not support (F32, F64, I64)",
                          path, name, code));
}

}  // namespace

void save(const std::string& path, const StateDict& tensors, const Metadata& metadata) {
  // Header first: every tensor's dtype, shape and byte range.
  Json header = Json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::vector<Tensor> host;
  uint64_t offset = 0;
  for (const auto& [name, t] : tensors) {
    RILL_CHECK(name != "__metadata__" && !header.contains(name), "safetensors: cannot save '{}' to {}: duplicate or reserved name", name, path);
    host.push_back(ops::contiguous(ops::to(t, Device::cpu())));
    const uint64_t bytes = static_cast<uint64_t>(t.numel()) * t.element_size();
    header[name] = {{"dtype", dtype_code(t.dtype())}, {"shape", t.shape()}, {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
  }
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');  // pad so the data section starts 8-byte aligned
  const uint64_t length = text.size();

  // Then the bytes, into a temporary file that replaces `path` only once complete.
  try {
    AtomicFile file(path);
    file.write(&length, 8);
    file.write(text.data(), text.size());
    for (const Tensor& t : host) file.write(t.raw_data(), static_cast<size_t>(t.numel()) * t.element_size());
    file.commit();
  } catch (const Error& e) {
    throw Error(fmt::format("safetensors: saving {}: {}", path, e.what()));
  }
}

Contents load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  RILL_CHECK(in.good(), "safetensors: cannot open {}: {}", path, std::strerror(errno));
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const uint64_t size = bytes.size();
  RILL_CHECK(size >= 8, "safetensors: {} is {} bytes, too short to hold the 8-byte header length (truncated?)", path, size);
  uint64_t length = 0;
  std::memcpy(&length, bytes.data(), 8);
  RILL_CHECK(length <= size - 8, "safetensors: {}: header length {} exceeds the {} bytes after it (truncated, or not a safetensors file)",
             path, length, size - 8);

  Json header;
  try {
    header = Json::parse(bytes.begin() + 8, bytes.begin() + 8 + static_cast<std::ptrdiff_t>(length));
  } catch (const Json::exception& e) {
    throw Error(fmt::format("safetensors: {}: the header is not valid JSON ({})", path, e.what()));
  }
  RILL_CHECK(header.is_object(), "safetensors: {}: the header is not a JSON object", path);

  const uint64_t data_start = 8 + length, data_size = size - data_start;
  Contents out;
  std::vector<std::pair<uint64_t, uint64_t>> ranges;
  try {
    for (const auto& [name, entry] : header.items()) {
      if (name == "__metadata__") {
        for (const auto& [k, v] : entry.items()) out.metadata[k] = v.get<std::string>();
        continue;
      }
      const DType dtype = parse_dtype(path, name, entry.at("dtype").get<std::string>());
      const Shape shape = entry.at("shape").get<Shape>();
      const auto offsets = entry.at("data_offsets").get<std::vector<uint64_t>>();
      RILL_CHECK(offsets.size() == 2 && offsets[0] <= offsets[1], "safetensors: {}: tensor '{}' has invalid data_offsets", path, name);
      const uint64_t expected = static_cast<uint64_t>(checked_numel(shape, fmt::format("safetensors: {}: tensor '{}'", path, name))) *
                                dtype_size(dtype);
      RILL_CHECK(offsets[1] - offsets[0] == expected,
                 "safetensors: {}: tensor '{}' ({} {}) needs {} bytes but its data_offsets span {}", path, name,
                 dtype_code(dtype), shape_str(shape), expected, offsets[1] - offsets[0]);
      RILL_CHECK(offsets[1] <= data_size,
                 "safetensors: {}: tensor '{}' needs bytes [{}, {}) of the data section, which has only {} (truncated file?)",
                 path, name, offsets[0], offsets[1], data_size);
      ranges.emplace_back(offsets[0], offsets[1]);
      Tensor t = empty(shape, dtype);
      if (expected) std::memcpy(t.raw_data(), bytes.data() + data_start + offsets[0], expected);
      out.tensors.emplace_back(name, t);
    }
  } catch (const Json::exception& e) {
    throw Error(fmt::format("safetensors: {}: malformed header entry ({})", path, e.what()));
  }
  // The tensors must tile the data section exactly: no holes, no overlaps, nothing left over.
  std::sort(ranges.begin(), ranges.end());
  uint64_t covered = 0;
  for (const auto& [b, e] : ranges) {
    RILL_CHECK(b == covered, "safetensors: {}: the data section has a {} at byte {}", path, b > covered ? "hole" : "overlap", covered);
    covered = e;
  }
  RILL_CHECK(covered == data_size, "safetensors: {}: {} bytes of data follow the last tensor (corrupt file?)", path,
             data_size - covered);
  return out;
}

}  // namespace rill::nn::safetensors
