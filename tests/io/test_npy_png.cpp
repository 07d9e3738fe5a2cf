// Files of tensors and pictures: .npy written and read back (a real parser of the header
// dict, versions, byte order, Fortran order, corrupt files) and PNG output.
#include <filesystem>
#include <fstream>

#include "helpers.h"
#include "io/npy.h"
#include "io/png.h"

using namespace rill;
using namespace rill::io;
using rill::test::values;
namespace fs = std::filesystem;

namespace {

// A .npy file from its header text and data: version major.0 (1: u16 length, 2 and 3: u32).
std::string npy_bytes(const std::string& header, const std::string& data, int major = 1) {
  std::string s = "\x93NUMPY";
  s += static_cast<char>(major), s += '\0';
  const uint32_t n = static_cast<uint32_t>(header.size());
  for (int i = 0; i < (major == 1 ? 2 : 4); ++i) s += static_cast<char>(n >> (8 * i) & 0xff);
  return s + header + data;
}

template <typename T>
std::string raw(const std::vector<T>& v) {
  return std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
}

}  // namespace

TEST_CASE(".npy and PNG output", "[io]") {
  const fs::path dir = rill::test::temp_dir("io");
  const Tensor a = ops::reshape(arange(6, DType::Float64), {2, 3});
  io::save_npy((dir / "a.npy").string(), a);
  const Tensor back = io::load_npy((dir / "a.npy").string());
  CHECK(back.shape() == Shape{2, 3});
  CHECK(rill::test::values(back) == rill::test::values(a));
  std::string bytes;
  {
    std::ifstream in(dir / "a.npy", std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  CHECK(bytes.substr(0, 6) == "\x93NUMPY");
  CHECK((bytes.size() - 48) % 64 == 0);  // header padded to 64 bytes; 48 data bytes
  CHECK(bytes.find("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }") != std::string::npos);
  std::string wrong = bytes;
  wrong.replace(wrong.find("<f8"), 3, "<i4");
  { std::ofstream(dir / "i4.npy", std::ios::binary).write(wrong.data(), static_cast<std::streamsize>(wrong.size())); }
  REQUIRE_ERROR(io::load_npy((dir / "i4.npy").string()), "dtype '<i4' is not supported");
  io::save_npy((dir / "v.npy").string(), tensor(std::vector<int64_t>{4, 5}));
  CHECK(io::load_npy((dir / "v.npy").string()).to_vector<int64_t>() == std::vector<int64_t>{4, 5});
  io::save_image_grid((dir / "g.png").string(), ops::sub(ops::mul(rand({5, 3, 4, 4}), 2.0), 1.0), 3);
  std::string png;
  {
    std::ifstream in(dir / "g.png", std::ios::binary);
    png.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  CHECK(png.substr(1, 3) == "PNG");
  // IHDR: width 3 * (4 + 2) + 2 = 20, height 2 * (4 + 2) + 2 = 14, big-endian at bytes 16..23.
  auto be32 = [&](size_t at) {
    return (uint8_t(png[at]) << 24) | (uint8_t(png[at + 1]) << 16) | (uint8_t(png[at + 2]) << 8) | uint8_t(png[at + 3]);
  };
  CHECK(be32(16) == 20);
  CHECK(be32(20) == 14);
  fs::remove_all(dir);
}

TEST_CASE(".npy reader: a real parser of the header dict, versions, byte order, Fortran order", "[io]") {
  const std::string f4 = raw(std::vector<float>{1.5f, -2.f});
  const auto shape_of = [](const std::string& header, const std::string& data, int major = 1) {
    return io::parse_npy(npy_bytes(header, data, major), "a.npy").shape();
  };
  CHECK(shape_of("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }          \n", f4) == Shape{2});
  // Keys in any order, either quote, no trailing comma, whitespace anywhere.
  CHECK(shape_of("{\"shape\":(1,2),\"fortran_order\":False,\"descr\":\"<f4\"}", f4) == Shape{1, 2});
  CHECK(shape_of("{ 'shape' : ( 2 , 1 , ) ,\n 'descr':'<f4',\t'fortran_order' :False}\n", f4) == Shape{2, 1});
  CHECK(shape_of("{'descr': '<f8', 'fortran_order': False, 'shape': ()}", raw(std::vector<double>{3})) == Shape{});
  CHECK(shape_of("{'descr': '<f4', 'fortran_order': False, 'shape': (0, 5)}", "") == Shape{0, 5});
  // Versions 2.0 and 3.0 have a 4-byte header length.
  CHECK(shape_of("{'descr': '<f4', 'fortran_order': False, 'shape': (2,)}", f4, 2) == Shape{2});
  CHECK(shape_of("{'descr': '<f4', 'fortran_order': False, 'shape': (2,)}", f4, 3) == Shape{2});
  CHECK(values(io::parse_npy(npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2,)}", f4))) ==
        std::vector<double>{1.5, -2});

  // Big-endian data is byte-swapped.
  const auto big_endian = [](std::string bytes, size_t k) {
    for (size_t i = 0; i < bytes.size(); i += k)
      std::reverse(bytes.begin() + static_cast<std::ptrdiff_t>(i), bytes.begin() + static_cast<std::ptrdiff_t>(i + k));
    return bytes;
  };
  CHECK(values(io::parse_npy(npy_bytes("{'descr': '>f4', 'fortran_order': False, 'shape': (2,)}",
                                       big_endian(f4, 4)))) == std::vector<double>{1.5, -2});
  const Tensor i8 = io::parse_npy(npy_bytes("{'descr': '>i8', 'fortran_order': False, 'shape': (2,)}",
                                            big_endian(raw(std::vector<int64_t>{-3, int64_t{1} << 40}), 8)));
  CHECK(i8.to_vector<int64_t>() == std::vector<int64_t>{-3, int64_t{1} << 40});
  // Fortran order: [[1, 2, 3], [4, 5, 6]] is stored column by column.
  const Tensor fortran = io::parse_npy(npy_bytes("{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3)}",
                                                 raw(std::vector<double>{1, 4, 2, 5, 3, 6})));
  CHECK(fortran.shape() == Shape{2, 3});
  CHECK(fortran.is_contiguous());
  CHECK(values(fortran) == std::vector<double>{1, 2, 3, 4, 5, 6});

  // What a regular expression used to misread, and other malformed headers.
  const auto refused = [&](const std::string& header, const std::string& data, const std::string& message,
                           int major = 1) {
    REQUIRE_ERROR(io::parse_npy(npy_bytes(header, data, major), "a.npy"), message);
  };
  const std::string f6 = raw(std::vector<float>(6, 0.f));
  refused("{'descr': '<f4', 'fortran_order': False, 'shape': (-6,)}", f6,
          "load_npy: a.npy: malformed header at character 51: negative size in the shape");
  refused("{'descr': '<f4', 'fortran_order': False, 'shape': (2.5,)}", f6,
          "expected ',' or ')' after a size in the shape");
  refused("{'descr': '<f4', 'fortran_order': False, 'shape': (6)}", f6, "a one-element tuple needs a trailing comma");
  refused("{'descr': '<f4', 'fortran_order': False, 'shape': (06,)}", f6, "a size with a leading zero");
  refused("{'descr': '<f4', 'fortran_order': False, 'shape': [6]}", f6, "expected a tuple '(...)' for the shape");
  refused("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,)}", "",
          "size in the shape out of range");
  refused("{'descr': '<f8', 'fortran_order': False, 'shape': (2305843009213693952,)}", "",
          "shape [2305843009213693952] is too large");
  refused("{'descr': '<f4', 'fortran_order': 0, 'shape': (6,)}", f6, "expected True or False");
  refused("{'descr': '<f4', 'shape': (6,)}", f6, "missing key 'fortran_order'");
  refused("{'descr': '<f4', 'fortran_order': False, 'shape': (6,), 'shape': (6,)}", f6, "key 'shape' appears twice");
  refused("{'descr': '<f4', 'fortran_order': False, 'shape': (6,), 'extra': 1}", f6, "unknown key 'extra'");
  refused("{'descr': '<f4', 'fortran_order': False, 'shape': (6,)} x", f6, "unexpected text after the closing '}'");
  refused("{'descr': '<f4', 'fortran_order': False, 'shape': (6,)", f6, "expected '}'");
  refused("{'descr' '<f4', 'fortran_order': False, 'shape': (6,)}", f6,
          "malformed header at character 9: expected ':'");
  refused("{'descr': '<f4', 'fortran_order': False, 'shape': (6,),,}", f6, "expected a quoted string");
  refused("{'descr': '|u1', 'fortran_order': False, 'shape': (6,)}", f6, "dtype '|u1' is not supported");
  refused("{'descr': '<f4', 'fortran_order': False, 'shape': (7,)}", f6,
          "28 data bytes for shape [7] float32 but the file has 24");
  refused("{'descr': '<f4', 'fortran_order': False, 'shape': (6,)}", f6, "format version 4.0 is not supported", 4);
  REQUIRE_ERROR(io::parse_npy(npy_bytes("{}", "").substr(0, 8) + "\xff\x7f{}", "a.npy"),
                "the 32767-byte header runs past the end of the file");
  REQUIRE_ERROR(io::parse_npy("\x93NUMPY\x01", "a.npy"), "a.npy is 7 bytes, too short");
  REQUIRE_ERROR(io::parse_npy("PK\x03\x04 zip archive", "a.npy"), "a.npy is not a .npy file (bad magic)");
  const fs::path dir = rill::test::temp_dir("npy_dir");
  REQUIRE_ERROR(io::load_npy(dir.string()), "load_npy: " + dir.string() + " is a directory, not a file");
  REQUIRE_ERROR(io::load_npy((dir / "none.npy").string()), "load_npy: cannot open");
  fs::remove_all(dir);
}
