#include <filesystem>
#include <fstream>

#include "helpers.h"

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

TEST_CASE("safetensors: round trip of every dtype, shapes and metadata", "[nn][checkpoint]") {
  const fs::path dir = rill::test::temp_dir("roundtrip");
  const nn::StateDict in = {{"w", tensor({1.5f, -2.f, 3.f, 4.f}, {2, 2})},
                            {"d", tensor(std::vector<double>{0.1, 0.2, 0.3})},
                            {"i", tensor(std::vector<int64_t>{-7, 1LL << 40})},
                            {"scalar", scalar_tensor(5.0)},
                            {"empty", zeros({0, 3})},
                            {"strided", ops::transpose(tensor({1.f, 2.f, 3.f, 4.f, 5.f, 6.f}, {2, 3}), 0, 1)}};
  nn::safetensors::save((dir / "a.safetensors").string(), in, {{"note", "hello"}});
  const auto out = nn::safetensors::load((dir / "a.safetensors").string());
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

TEST_CASE("safetensors: the bytes on disk follow the format exactly", "[nn][checkpoint]") {
  const fs::path dir = rill::test::temp_dir("bytes");
  nn::safetensors::save((dir / "b.safetensors").string(), {{"a", tensor({1.f, 2.f})}, {"b", tensor(std::vector<int64_t>{3})}});
  const std::string bytes = read_bytes(dir / "b.safetensors");
  const std::string expected_header =
      R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"I64","shape":[1],"data_offsets":[8,16]}})";
  const size_t padded = (expected_header.size() + 7) / 8 * 8;
  uint64_t n = 0;
  std::memcpy(&n, bytes.data(), 8);
  CHECK(n == padded);                                    // little-endian u64 header length
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

TEST_CASE("safetensors: truncated and corrupt files are reported, never read", "[nn][checkpoint]") {
  const fs::path dir = rill::test::temp_dir("corrupt");
  const std::string p = (dir / "c.safetensors").string();
  const std::string good_header = R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
  const std::string data(8, '\0');
  auto check = [&](const std::string& bytes, const std::string& message) {
    write_bytes(p, bytes);
    REQUIRE_ERROR(nn::safetensors::load(p), message);
  };
  write_bytes(p, make_file(good_header, data));
  CHECK(nn::safetensors::load(p).tensors.size() == 1);
  check("abc", "is 3 bytes, too short to hold the 8-byte header length");
  check(make_file(good_header, data).substr(0, 40), "header length 54 exceeds the 32 bytes after it");
  check(make_file(good_header, data).substr(0, 8 + 54 + 5), "needs bytes [0, 8) of the data section, which has only 5 (truncated file?)");
  check(make_file("{\"a\": [1,", data), "the header is not valid JSON");
  check(make_file(R"({"a":{"dtype":"BF16","shape":[2],"data_offsets":[0,4]}})", std::string(4, '\0')), "tensor 'a' has dtype BF16, which rill does not support");
  check(make_file(R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", data), "tensor 'a' (F32 [3]) needs 12 bytes but its data_offsets span 8");
  check(make_file(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})", std::string(12, '\0')), "the data section has a hole at byte 0");
  check(make_file(good_header, data + "xyz"), "3 bytes of data follow the last tensor");
  check(make_file(R"({"a":{"dtype":"F32","shape":[2]}})", data), "malformed header entry");
  check(make_file("[1, 2]", ""), "the header is not a JSON object");
  REQUIRE_ERROR(nn::safetensors::load((dir / "missing.safetensors").string()), "cannot open");
  fs::remove_all(dir);
}

TEST_CASE("safetensors: saving is atomic and leaves no temporary files", "[nn][checkpoint]") {
  const fs::path dir = rill::test::temp_dir("atomic");
  const std::string p = (dir / "m.safetensors").string();
  nn::safetensors::save(p, {{"w", tensor({1.f})}});
  nn::safetensors::save(p, {{"w", tensor({2.f, 3.f})}});  // replaces the file as a whole
  CHECK(values(nn::safetensors::load(p).tensors[0].second) == std::vector<double>{2, 3});
  // A save whose final rename fails (the target is a folder) reports it, removes its
  // temporary file, and leaves what was there.
  fs::create_directory(dir / "taken");
  REQUIRE_ERROR(nn::safetensors::save((dir / "taken").string(), {{"w", tensor({9.f})}}), "cannot move");
  CHECK(fs::is_directory(dir / "taken"));
  REQUIRE_ERROR(nn::safetensors::save((dir / "no" / "such" / "dir.safetensors").string(), {{"w", tensor({9.f})}}), "cannot create");
  for (const auto& entry : fs::directory_iterator(dir)) CHECK(entry.path().string().find(".tmp.") == std::string::npos);
  CHECK(values(nn::safetensors::load(p).tensors[0].second) == std::vector<double>{2, 3});
  fs::remove_all(dir);
}

TEST_CASE("a resumed run reaches the same weights as an uninterrupted one", "[nn][checkpoint]") {
  const fs::path dir = rill::test::temp_dir("resume");
  const std::string ckpt = (dir / "train.safetensors").string();
  // A small MLP regression where every step draws its batch from the run's generator.
  auto train = [&](nn::MLP& model, nn::AdamW& opt, nn::EMA& ema, Generator& gen, int64_t from, int64_t to, bool save_at_end) {
    for (int64_t step = from; step < to; ++step) {
      const Tensor x = randn({32, 2}, {}, &gen), t = rand({32}, {}, &gen);
      opt.zero_grad();
      autograd::backward(mse_loss(model(t, x), ops::sin(x)));
      opt.step();
      ema.update(model);
    }
    if (save_at_end) nn::save_checkpoint(ckpt, {&model, &opt, &ema, &gen, to});
  };
  manual_seed(11);
  nn::MLP a(2, 32);
  nn::AdamW opt_a(a.named_parameters(), {0.01});
  nn::EMA ema_a(a, 0.9);
  Generator gen_a(99);
  train(a, opt_a, ema_a, gen_a, 0, 6, true);   // interrupted here (checkpoint written) ...
  train(a, opt_a, ema_a, gen_a, 6, 12, false);  // ... but this run goes on

  manual_seed(12);  // a fresh process: different initial weights, fresh generator
  nn::MLP b(2, 32);
  nn::AdamW opt_b(b.named_parameters(), {0.01});
  nn::EMA ema_b(b, 0.9);
  Generator gen_b(0);
  nn::TrainingState state{&b, &opt_b, &ema_b, &gen_b};
  CHECK(nn::load_checkpoint(ckpt, state) == 6);
  train(b, opt_b, ema_b, gen_b, 6, 12, false);
  for (size_t i = 0; i < a.parameters().size(); ++i) CHECK(values(a.parameters()[i]) == values(b.parameters()[i]));
  for (size_t i = 0; i < ema_a.state_dict().size(); ++i)
    CHECK(values(ema_a.state_dict()[i].second) == values(ema_b.state_dict()[i].second));
  REQUIRE_ERROR(nn::load_checkpoint((dir / "none.safetensors").string(), state), "cannot open");
  fs::remove_all(dir);
}
