#include "io/safetensors.h"

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstring>
#include <set>

#include "io/atomic_file.h"
#include "io/input_file.h"
#include "tensor/ops.h"
#include <nlohmann/json.hpp>

namespace rill::io::safetensors {

static_assert(std::endian::native == std::endian::little, "safetensors I/O assumes a little-endian machine");

namespace {

using Json = nlohmann::ordered_json;  // keeps the tensors in the order they were written

const char* dtype_code(DType d) {
  switch (d) {
    case DType::Float32:
      return "F32";
    case DType::Float64:
      return "F64";
    case DType::Int64:
      return "I64";
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
    RILL_CHECK(name != "__metadata__" && !header.contains(name),
               "safetensors: cannot save '{}' to {}: duplicate or reserved name", name, path);
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

// ---- loading ---------------------------------------------------------------------------

namespace {

// The safetensors format's own limit on the header, which keeps a reader from being asked
// to parse gigabytes of JSON.
constexpr uint64_t kMaxHeaderBytes = 100'000'000;

// A JSON value for an error message: a number or a string as written, anything else by
// its type (dump() recurses, and a hostile header can nest lists a million deep).
std::string describe(const Json& v) { return v.is_primitive() ? v.dump() : std::string("a JSON ") + v.type_name(); }

// A non-negative JSON integer (nlohmann keeps those as unsigned); anything else
// (a float, a negative number, a string) is refused rather than converted.
uint64_t json_uint(const Json& v, const std::string& file, const std::string& name, const char* field) {
  RILL_CHECK(v.is_number_unsigned(), "safetensors: {}: tensor '{}' has {} entry {}, not a non-negative integer", file,
             name, field, describe(v));
  return v.get<uint64_t>();
}

Entry parse_entry(const std::string& file, const std::string& name, const Json& info, uint64_t data_size) {
  RILL_CHECK(info.is_object() && info.contains("dtype") && info.contains("shape") && info.contains("data_offsets"),
             "safetensors: {}: tensor '{}' is not an object with dtype, shape and data_offsets", file, name);
  const Json &dtype = info.at("dtype"), &shape = info.at("shape"), &offsets = info.at("data_offsets");
  RILL_CHECK(dtype.is_string(), "safetensors: {}: tensor '{}' has dtype {}, not a string", file, name, describe(dtype));
  RILL_CHECK(shape.is_array(), "safetensors: {}: tensor '{}' has shape {}, not a list", file, name, describe(shape));
  RILL_CHECK(offsets.is_array() && offsets.size() == 2,
             "safetensors: {}: tensor '{}' has data_offsets {}, not [begin, end]", file, name, describe(offsets));
  Entry e;
  e.name = name;
  e.dtype = parse_dtype(file, name, dtype.get<std::string>());
  for (const Json& size : shape) {
    const uint64_t s = json_uint(size, file, name, "shape");
    RILL_CHECK(s <= static_cast<uint64_t>(INT64_MAX),
               "safetensors: {}: tensor '{}' has size {} in its shape, out of range", file, name, s);
    e.shape.push_back(static_cast<int64_t>(s));
  }
  e.begin = json_uint(offsets[0], file, name, "data_offsets");
  e.end = json_uint(offsets[1], file, name, "data_offsets");
  RILL_CHECK(e.begin <= e.end, "safetensors: {}: tensor '{}' has invalid data_offsets [{}, {}]", file, name, e.begin,
             e.end);
  const auto bytes = static_cast<uint64_t>(
      checked_nbytes(e.shape, dtype_size(e.dtype), fmt::format("safetensors: {}: tensor '{}'", file, name)));
  RILL_CHECK(e.end - e.begin == bytes,
             "safetensors: {}: tensor '{}' ({} {}) needs {} bytes but its data_offsets span {}", file, name,
             dtype_code(e.dtype), shape_str(e.shape), bytes, e.end - e.begin);
  RILL_CHECK(
      e.end <= data_size,
      "safetensors: {}: tensor '{}' needs bytes [{}, {}) of the data section, which has only {} (truncated file?)",
      file, name, e.begin, e.end, data_size);
  return e;
}

}  // namespace

Reader::Reader(std::string name, uint64_t size, ReadFn read) : name_(std::move(name)), read_(std::move(read)) {
  const std::string& file = name_;
  RILL_CHECK(size >= 8, "safetensors: {} is {} bytes, too short to hold the 8-byte header length (truncated?)", file,
             size);
  uint64_t length = 0;
  read_(0, &length, 8);
  RILL_CHECK(length <= size - 8,
             "safetensors: {}: header length {} exceeds the {} bytes after it (truncated, or not a safetensors file)",
             file, length, size - 8);
  RILL_CHECK(length <= kMaxHeaderBytes, "safetensors: {}: header length {} exceeds the format's limit of {} bytes",
             file, length, kMaxHeaderBytes);
  std::string text(static_cast<size_t>(length), '\0');
  read_(8, text.data(), text.size());

  // Duplicate tensor names would silently replace each other in the parsed object:
  // the parser's callback sees every key of the top-level object (depth 1) first.
  std::set<std::string> names;
  const auto no_duplicates = [&](int depth, Json::parse_event_t event, Json& parsed) {
    if (event == Json::parse_event_t::key && depth == 1)
      RILL_CHECK(names.insert(parsed.get<std::string>()).second, "safetensors: {}: the header names '{}' twice", file,
                 parsed.get<std::string>());
    return true;
  };
  Json header;
  try {
    header = Json::parse(text, no_duplicates);
  } catch (const Json::exception& e) {
    throw Error(fmt::format("safetensors: {}: the header is not valid JSON ({})", file, e.what()));
  }
  RILL_CHECK(header.is_object(), "safetensors: {}: the header is not a JSON object", file);

  data_start_ = 8 + length;
  const uint64_t data_size = size - data_start_;
  for (const auto& [key, value] : header.items()) {
    if (key == "__metadata__") {
      RILL_CHECK(value.is_object(), "safetensors: {}: __metadata__ is not an object", file);
      for (const auto& [k, v] : value.items()) {
        RILL_CHECK(v.is_string(), "safetensors: {}: metadata '{}' is {}, not a string", file, k, describe(v));
        metadata_[k] = v.get<std::string>();
      }
      continue;
    }
    entries_.push_back(parse_entry(file, key, value, data_size));
  }
  // The tensors must tile the data section exactly: no holes, no overlaps, nothing left over.
  std::vector<std::pair<uint64_t, uint64_t>> ranges;
  for (const Entry& e : entries_) ranges.emplace_back(e.begin, e.end);
  std::sort(ranges.begin(), ranges.end());
  uint64_t covered = 0;
  for (const auto& [b, e] : ranges) {
    RILL_CHECK(b == covered, "safetensors: {}: the data section has {} at byte {}", file,
               b > covered ? "a hole" : "an overlap", covered);
    covered = e;
  }
  RILL_CHECK(covered == data_size, "safetensors: {}: {} bytes of data follow the last tensor (corrupt file?)", file,
             data_size - covered);
}

Reader Reader::open(const std::string& path) {
  auto file = std::make_shared<InputFile>(path, "safetensors");
  return Reader(path, file->size(), [file](uint64_t offset, void* dst, size_t n) { file->read(offset, dst, n); });
}

Reader Reader::parse(std::string bytes, const std::string& name) {
  auto data = std::make_shared<const std::string>(std::move(bytes));
  return Reader(name, data->size(), [data](uint64_t offset, void* dst, size_t n) {
    // The constructor checked every range against the size first.
    std::memcpy(dst, data->data() + offset, n);
  });
}

Tensor Reader::read(const Entry& e) const {
  Tensor t = empty(e.shape, e.dtype);
  if (e.end > e.begin) read_(data_start_ + e.begin, t.raw_data(), static_cast<size_t>(e.end - e.begin));
  bytes_read_ += e.end - e.begin;
  return t;
}

namespace {
Contents read_selected(const Reader& reader, const std::function<bool(const std::string&)>& select) {
  Contents out;
  out.metadata = reader.metadata();
  for (const Entry& e : reader.entries())
    if (!select || select(e.name)) out.tensors.emplace_back(e.name, reader.read(e));
  return out;
}
}  // namespace

Contents load(const std::string& path, const std::function<bool(const std::string&)>& select) {
  return read_selected(Reader::open(path), select);
}

Contents parse(std::string bytes, const std::string& name) {
  return read_selected(Reader::parse(std::move(bytes), name), {});
}

}  // namespace rill::io::safetensors
