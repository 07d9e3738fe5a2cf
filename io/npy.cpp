// NumPy .npy files: writing (version 1.0) and reading (1.0, 2.0, 3.0). The format is in io.h.
//
// The header is a Python dict literal, parsed here by a small recursive-descent parser
// for exactly the grammar numpy writes (numpy/lib/format.py), not by pattern matching,
// which would read '(-6,)' as [6] and '(2.5,)' as [2, 5]:
//
//   header  := ws '{' ws [ item (ws ',' ws item)* [ws ','] ] ws '}' ws
//   item    := string ws ':' ws value        one each of 'descr', 'fortran_order', 'shape'
//   value   := string | 'True' | 'False' | tuple
//   tuple   := '(' ws ')' | '(' ws int ws ',' ws ')' | '(' ws int (ws ',' ws int)+ [ws ','] ws ')'
//   string  := "'" chars "'" | '"' chars '"'  (no escapes: no descr needs them)
//   int     := '0' | [1-9][0-9]*            (as in Python 3: no sign, no leading zeros)
//   ws      := (' ' | '\t' | '\n' | '\r')*
//
// A one-element tuple needs its comma, as in Python: '(6)' is the integer 6, not a shape.
#include "io/npy.h"

#include <algorithm>
#include <cstring>
#include <functional>
#include <utility>

#include "io/atomic_file.h"
#include "io/input_file.h"
#include "io/png.h"
#include "tensor/ops.h"

namespace rill::io {
namespace {

const char* npy_descr(DType d) {
  switch (d) {
    case DType::Float32:
      return "<f4";
    case DType::Float64:
      return "<f8";
    case DType::Int64:
      return "<i8";
  }
  return "?";
}

// numpy itself refuses headers over 10000 bytes unless told otherwise; 1 MiB leaves room
// for any real shape while keeping a hostile length from being read into memory.
constexpr uint64_t kMaxHeaderBytes = 1 << 20;

struct NpyHeader {
  DType dtype = DType::Float32;
  bool big_endian = false, fortran_order = false;
  Shape shape;
};

// Recursive descent over the header text; every error names the file and the offset.
class HeaderParser {
 public:
  HeaderParser(std::string_view text, const std::string& file) : text_(text), file_(file) {}

  NpyHeader parse() {
    NpyHeader h;
    std::string descr;
    bool seen_descr = false, seen_fortran = false, seen_shape = false;
    expect('{');
    while (!eat('}')) {
      skip_space();
      const size_t key_at = pos_;
      const std::string key = string();
      expect(':');
      skip_space();
      bool* seen = key == "descr"           ? &seen_descr
                   : key == "fortran_order" ? &seen_fortran
                   : key == "shape"         ? &seen_shape
                                            : nullptr;
      if (seen == nullptr)
        fail(key_at, fmt::format("unknown key '{}' (expected 'descr', 'fortran_order', 'shape')", key));
      if (*seen) fail(key_at, fmt::format("key '{}' appears twice", key));
      *seen = true;
      if (key == "descr") descr = string();
      if (key == "fortran_order") h.fortran_order = boolean();
      if (key == "shape") h.shape = tuple();
      if (!eat(',')) {
        expect('}');
        break;
      }
    }
    skip_space();
    if (pos_ != text_.size()) fail(pos_, "unexpected text after the closing '}'");
    if (!seen_descr || !seen_fortran || !seen_shape)
      fail(pos_, fmt::format("missing key{}{}{}", seen_descr ? "" : " 'descr'", seen_fortran ? "" : " 'fortran_order'",
                             seen_shape ? "" : " 'shape'"));
    // '<' little-endian, '>' big-endian; f4 float32, f8 float64, i8 int64.
    const std::string type = descr.size() == 3 ? descr.substr(1) : "";
    if ((descr[0] != '<' && descr[0] != '>') || (type != "f4" && type != "f8" && type != "i8"))
      throw Error(fmt::format("load_npy: {}: dtype '{}' is not supported (<f4, <f8, <i8 or big-endian >f4, >f8, >i8)",
                              file_, descr));
    h.big_endian = descr[0] == '>';
    h.dtype = type == "f4" ? DType::Float32 : type == "f8" ? DType::Float64 : DType::Int64;
    return h;
  }

 private:
  [[noreturn]] void fail(size_t at, const std::string& why) const {
    throw Error(fmt::format("load_npy: {}: malformed header at character {}: {} (header: {})", file_, at, why,
                            text_.substr(0, 200)));
  }
  void skip_space() {
    while (pos_ < text_.size() &&
           (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\n' || text_[pos_] == '\r'))
      ++pos_;
  }
  // Skips whitespace, then takes `c` if it comes next.
  bool eat(char c) {
    skip_space();
    if (pos_ < text_.size() && text_[pos_] == c) return ++pos_, true;
    return false;
  }
  void expect(char c) {
    if (!eat(c)) fail(pos_, fmt::format("expected '{}'", c));
  }
  std::string string() {
    const size_t start = pos_;
    if (pos_ >= text_.size() || (text_[pos_] != '\'' && text_[pos_] != '"')) fail(pos_, "expected a quoted string");
    const char quote = text_[pos_++];
    const size_t end = text_.find(quote, pos_);
    if (end == std::string_view::npos) fail(start, "unterminated string");
    const std::string_view s = text_.substr(pos_, end - pos_);
    if (s.find('\\') != std::string_view::npos || s.find('\n') != std::string_view::npos)
      fail(start, "escapes and line breaks in strings are not supported");
    pos_ = end + 1;
    return std::string(s);
  }
  bool boolean() {
    for (const auto& [word, value] :
         {std::pair{std::string_view("True"), true}, std::pair{std::string_view("False"), false}})
      if (text_.substr(pos_, word.size()) == word) return pos_ += word.size(), value;
    fail(pos_, "expected True or False");
  }
  int64_t integer() {
    if (pos_ < text_.size() && text_[pos_] == '-') fail(pos_, "negative size in the shape");
    const size_t start = pos_;
    int64_t v = 0;
    while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') {
      if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, text_[pos_] - '0', &v))
        fail(start, "size in the shape out of range");
      ++pos_;
    }
    if (pos_ == start) fail(pos_, "expected a size (a non-negative integer)");
    if (text_[start] == '0' && pos_ - start > 1) fail(start, "a size with a leading zero");
    return v;
  }
  Shape tuple() {
    if (!eat('(')) fail(pos_, "expected a tuple '(...)' for the shape");
    Shape shape;
    while (!eat(')')) {
      skip_space();
      shape.push_back(integer());
      if (eat(',')) continue;
      if (!eat(')')) fail(pos_, "expected ',' or ')' after a size in the shape");
      if (shape.size() == 1) fail(pos_, "a one-element tuple needs a trailing comma, as in (6,)");
      break;
    }
    return shape;
  }

  std::string_view text_;
  const std::string& file_;
  size_t pos_ = 0;
};

using ReadFn = std::function<void(uint64_t offset, void* dst, size_t n)>;

// Reads a .npy of `size` bytes through `read`, validating everything before allocating.
Tensor read_npy(const std::string& file, uint64_t size, const ReadFn& read) {
  // Magic (6 bytes), version (2), header length (2 bytes in 1.0, 4 in 2.0 and 3.0).
  RILL_CHECK(size >= 10, "load_npy: {} is {} bytes, too short for a .npy file", file, size);
  unsigned char start[12] = {};
  read(0, start, static_cast<size_t>(std::min<uint64_t>(size, 12)));
  RILL_CHECK(std::memcmp(start, "\x93NUMPY", 6) == 0, "load_npy: {} is not a .npy file (bad magic)", file);
  const unsigned major = start[6], minor = start[7];
  RILL_CHECK((major == 1 || major == 2 || major == 3) && minor == 0,
             "load_npy: {}: format version {}.{} is not supported (1.0, 2.0, 3.0)", file, major, minor);
  const uint64_t length_bytes = major == 1 ? 2 : 4;
  RILL_CHECK(size >= 8 + length_bytes, "load_npy: {} is {} bytes, too short for a version {}.0 header", file, size,
             major);
  uint64_t header_len = 0;
  for (uint64_t i = 0; i < length_bytes; ++i)
    header_len |= static_cast<uint64_t>(start[8 + i]) << (8 * i);  // little-endian
  const uint64_t header_start = 8 + length_bytes;
  RILL_CHECK(header_len <= size - header_start,
             "load_npy: {}: the {}-byte header runs past the end of the file (truncated?)", file, header_len);
  RILL_CHECK(header_len <= kMaxHeaderBytes, "load_npy: {}: the header is {} bytes, more than the {} accepted", file,
             header_len, kMaxHeaderBytes);
  std::string text(static_cast<size_t>(header_len), '\0');
  read(header_start, text.data(), text.size());
  const NpyHeader h = HeaderParser(text, file).parse();

  // The data size the header claims, against the bytes present, before allocating.
  const uint64_t data_start = header_start + header_len;
  const auto nbytes = static_cast<uint64_t>(checked_nbytes(h.shape, dtype_size(h.dtype), "load_npy: " + file));
  RILL_CHECK(size - data_start == nbytes, "load_npy: {}: {} data bytes for shape {} {} but the file has {}", file,
             nbytes, shape_str(h.shape), h.dtype, size - data_start);
  // Fortran order stores the array with its axes reversed, in C order: read it so, then
  // transpose back.
  Shape stored = h.shape;
  if (h.fortran_order) std::reverse(stored.begin(), stored.end());
  Tensor t = empty(stored, h.dtype);
  if (nbytes) read(data_start, t.raw_data(), static_cast<size_t>(nbytes));
  if (h.big_endian) {
    auto* p = static_cast<unsigned char*>(t.raw_data());
    const size_t k = dtype_size(h.dtype);
    for (size_t i = 0; i < nbytes; i += k) std::reverse(p + i, p + i + k);
  }
  if (h.fortran_order && t.dim() > 1) {
    std::vector<int64_t> reversed(static_cast<size_t>(t.dim()));
    for (int64_t d = 0; d < t.dim(); ++d) reversed[static_cast<size_t>(d)] = t.dim() - 1 - d;
    t = ops::contiguous(ops::permute(t, reversed));
  }
  return t;
}

}  // namespace

void save_npy(const std::string& path, const Tensor& t) {
  const Tensor host = ops::contiguous(ops::to(t, Device::cpu()));
  // Python tuple syntax: "(3, 4)", "(3,)" for one axis, "()" for a scalar.
  std::string shape = fmt::format("{}", fmt::join(host.shape(), ", "));
  if (host.dim() == 1) shape += ",";
  std::string header =
      fmt::format("{{'descr': '{}', 'fortran_order': False, 'shape': ({}), }}", npy_descr(host.dtype()), shape);
  // Pad with spaces so that magic (6) + version (2) + length (2) + header + '\n' is a multiple of 64.
  header.append(63 - (10 + header.size()) % 64, ' ');
  header += '\n';
  RILL_CHECK(header.size() <= 0xffff, "save_npy: {}: shape {} needs a header too long for format 1.0", path,
             shape_str(host.shape()));
  std::string bytes = "\x93NUMPY";
  bytes += '\x01', bytes += '\x00';
  const auto len = static_cast<uint16_t>(header.size());
  bytes += static_cast<char>(len & 0xff), bytes += static_cast<char>(len >> 8);  // little-endian
  bytes += header;
  bytes.append(static_cast<const char*>(host.raw_data()), static_cast<size_t>(host.numel()) * host.element_size());
  write_file_atomically(path, bytes);
}

Tensor load_npy(const std::string& path) {
  const InputFile file(path, "load_npy");
  return read_npy(path, file.size(), [&](uint64_t offset, void* dst, size_t n) { file.read(offset, dst, n); });
}

Tensor parse_npy(std::string_view bytes, const std::string& name) {
  return read_npy(name, bytes.size(),
                  [&](uint64_t offset, void* dst, size_t n) { std::memcpy(dst, bytes.data() + offset, n); });
}

}  // namespace rill::io
