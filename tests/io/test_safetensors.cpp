// The safetensors format: round trips, the bytes on disk, corrupt and truncated files,
// partial reads, atomic saves.
#include <filesystem>
#include <fstream>

#include "helpers.h"
#include "io/safetensors.h"

using namespace rill;
using rill::test::values;
namespace fs = std::filesystem;

namespace {

std::string read_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_bytes(const fs::path& p, const std::string& bytes) {
  std::ofstream out(p, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// A safetensors file from a header text and data bytes.
std::string make_file(const std::string& header, const std::string& data) {
  const uint64_t n = header.size();
  return std::string(reinterpret_cast<const char*>(&n), 8) + header + data;
}
}  // namespace

TEST_CASE("safetensors: round trip of every dtype, shapes and metadata", "[io][safetensors]") {
  const fs::path dir = rill::test::temp_dir("roundtrip");
  const nn::StateDict in = {{"w", tensor({1.5f, -2.f, 3.f, 4.f}, {2, 2})},
                            {"d", tensor(std::vector<double>{0.1, 0.2, 0.3})},
                            {"i", tensor(std::vector<int64_t>{-7, 1LL << 40})},
                            {"scalar", scalar_tensor(5.0)},
                            {"empty", zeros({0, 3})},
                            {"strided", ops::transpose(tensor({1.f, 2.f, 3.f, 4.f, 5.f, 6.f}, {2, 3}), 0, 1)}};
  io::safetensors::save((dir / "a.safetensors").string(), in, {{"note", "hello"}});
  const auto out = io::safetensors::load((dir / "a.safetensors").string());
  REQUIRE(out.tensors.size() == in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    CHECK(out.tensors[i].first == in[i].first);
    CHECK(out.tensors[i].second.dtype() == in[i].second.dtype());
    CHECK(out.tensors[i].second.shape() == in[i].second.shape());
    CHECK(values(out.tensors[i].second) == values(in[i].second));
  }
  CHECK(out.tensors[2].second.to_vector<int64_t>()[1] == (1LL << 40));
  CHECK(out.metadata.at("note") == "hello");
  fs::remove_all(dir);
}

TEST_CASE("safetensors: the bytes on disk follow the format exactly", "[io][safetensors]") {
  const fs::path dir = rill::test::temp_dir("bytes");
  io::safetensors::save((dir / "b.safetensors").string(),
                        {{"a", tensor({1.f, 2.f})}, {"b", tensor(std::vector<int64_t>{3})}});
  const std::string bytes = read_bytes(dir / "b.safetensors");
  const std::string expected_header =
      R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"I64","shape":[1],"data_offsets":[8,16]}})";
  const size_t padded = (expected_header.size() + 7) / 8 * 8;
  uint64_t n = 0;
  std::memcpy(&n, bytes.data(), 8);
  CHECK(n == padded);  // little-endian u64 header length
  CHECK(bytes.substr(8, expected_header.size()) == expected_header);
  CHECK(bytes.substr(8 + expected_header.size(), padded - expected_header.size()) ==
        std::string(padded - expected_header.size(), ' '));  // space padding to 8 bytes
  REQUIRE(bytes.size() == 8 + padded + 16);
  float f[2];
  int64_t i64;
  std::memcpy(f, bytes.data() + 8 + padded, 8);
  std::memcpy(&i64, bytes.data() + 8 + padded + 8, 8);
  CHECK(f[0] == 1.f);
  CHECK(f[1] == 2.f);
  CHECK(i64 == 3);
  fs::remove_all(dir);
}

TEST_CASE("safetensors: truncated and corrupt files are reported, never read", "[io][safetensors]") {
  const fs::path dir = rill::test::temp_dir("corrupt");
  const std::string p = (dir / "c.safetensors").string();
  const std::string good_header = R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
  const std::string data(8, '\0');
  auto check = [&](const std::string& bytes, const std::string& message) {
    write_bytes(p, bytes);
    REQUIRE_ERROR(io::safetensors::load(p), message);
  };
  write_bytes(p, make_file(good_header, data));
  CHECK(io::safetensors::load(p).tensors.size() == 1);
  check("abc", "is 3 bytes, too short to hold the 8-byte header length");
  check(make_file(good_header, data).substr(0, 40), "header length 54 exceeds the 32 bytes after it");
  check(make_file(good_header, data).substr(0, 8 + 54 + 5),
        "needs bytes [0, 8) of the data section, which has only 5 (truncated file?)");
  check(make_file("{\"a\": [1,", data), "the header is not valid JSON");
  check(make_file(R"({"a":{"dtype":"BF16","shape":[2],"data_offsets":[0,4]}})", std::string(4, '\0')),
        "tensor 'a' has dtype BF16, which rill does not support");
  check(make_file(R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", data),
        "tensor 'a' (F32 [3]) needs 12 bytes but its data_offsets span 8");
  check(make_file(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})", std::string(12, '\0')),
        "the data section has a hole at byte 0");
  check(make_file(good_header, data + "xyz"), "3 bytes of data follow the last tensor");
  check(make_file(R"({"a":{"dtype":"F32","shape":[2]}})", data),
        "tensor 'a' is not an object with dtype, shape and data_offsets");
  // Values of the wrong JSON type are refused, not converted.
  check(make_file(R"({"a":{"dtype":"F32","shape":[2.5],"data_offsets":[0,8]}})", data),
        "has shape entry 2.5, not a non-negative integer");
  check(make_file(R"({"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})", data),
        "has shape entry -2, not a non-negative integer");
  check(make_file(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[-8,0]}})", data), "has data_offsets entry -8");
  check(make_file(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8,16]}})", data),
        "has data_offsets a JSON array, not [begin, end]");
  check(make_file(R"({"a":{"dtype":7,"shape":[2],"data_offsets":[0,8]}})", data), "has dtype 7, not a string");
  check(make_file(R"({"a":{"dtype":"F32","shape":[[[[2]]]],"data_offsets":[0,8]}})", data),
        "has shape entry a JSON array, not a non-negative integer");
  // Nesting a million deep is parsed, described and freed without recursion (no stack overflow).
  check(make_file(R"({"a":)" + std::string(1000000, '[') + std::string(1000000, ']') + "}", ""),
        "tensor 'a' is not an object with dtype, shape and data_offsets");
  check(make_file(R"({"__metadata__":{"k":1},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", data),
        "metadata 'k' is 1, not a string");
  check(
      make_file(
          R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"a":{"dtype":"F32","shape":[0],"data_offsets":[8,8]}})",
          data),
      "the header names 'a' twice");
  // [2^61] float64 is 2^64 bytes, which wrapped to 0 and matched the offsets [0, 0].
  check(make_file(R"({"a":{"dtype":"F64","shape":[2305843009213693952],"data_offsets":[0,0]}})", ""),
        "tensor 'a': shape [2305843009213693952] is too large (8-byte elements)");
  check(make_file("[1, 2]", ""), "the header is not a JSON object");
  REQUIRE_ERROR(io::safetensors::load((dir / "missing.safetensors").string()), "cannot open");
  REQUIRE_ERROR(io::safetensors::load(dir.string()), "is a directory, not a file");
  // The same parser reads bytes in memory.
  REQUIRE_ERROR(io::safetensors::parse(make_file(good_header, data + "x"), "bytes"),
                "safetensors: bytes: 1 bytes of data follow");
  CHECK(io::safetensors::parse(make_file(good_header, data)).tensors.size() == 1);
  fs::remove_all(dir);
}

TEST_CASE("safetensors: a load can read only the tensors it is asked for", "[io][safetensors]") {
  const fs::path dir = rill::test::temp_dir("select");
  const std::string p = (dir / "s.safetensors").string();
  io::safetensors::save(p, {{"a.x", tensor({1.f, 2.f})}, {"b.y", tensor({3.f})}, {"a.z", zeros({4}, DType::Float64)}});
  const auto only_a = io::safetensors::load(p, [](const std::string& name) { return name.rfind("a.", 0) == 0; });
  REQUIRE(only_a.tensors.size() == 2);
  CHECK(only_a.tensors[0].first == "a.x");
  CHECK(only_a.tensors[1].first == "a.z");
  const auto reader = io::safetensors::Reader::open(p);
  CHECK(reader.entries().size() == 3);
  CHECK(reader.bytes_read() == 0);  // opening reads the header only
  CHECK(values(reader.read(reader.entries()[1])) == std::vector<double>{3});
  CHECK(reader.bytes_read() == 4);
  fs::remove_all(dir);
}

TEST_CASE("safetensors: saving is atomic and leaves no temporary files", "[io][safetensors]") {
  const fs::path dir = rill::test::temp_dir("atomic");
  const std::string p = (dir / "m.safetensors").string();
  io::safetensors::save(p, {{"w", tensor({1.f})}});
  io::safetensors::save(p, {{"w", tensor({2.f, 3.f})}});  // replaces the file as a whole
  CHECK(values(io::safetensors::load(p).tensors[0].second) == std::vector<double>{2, 3});
  // A save whose final rename fails (the target is a folder) reports it, removes its
  // temporary file, and leaves what was there.
  fs::create_directory(dir / "taken");
  REQUIRE_ERROR(io::safetensors::save((dir / "taken").string(), {{"w", tensor({9.f})}}), "cannot move");
  CHECK(fs::is_directory(dir / "taken"));
  REQUIRE_ERROR(io::safetensors::save((dir / "no" / "such" / "dir.safetensors").string(), {{"w", tensor({9.f})}}),
                "cannot create");
  for (const auto& entry : fs::directory_iterator(dir)) CHECK(entry.path().string().find(".tmp.") == std::string::npos);
  CHECK(values(io::safetensors::load(p).tensors[0].second) == std::vector<double>{2, 3});
  fs::remove_all(dir);
}
