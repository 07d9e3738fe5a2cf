// Helpers for tests that run the example programs (tests/examples/, tests/cuda/).
#pragma once

#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "helpers.h"
#include <nlohmann/json.hpp>

namespace rill::test {

namespace fs = std::filesystem;

// Runs a program with arguments; its output goes to dir/log.txt (shown if it fails).
inline void run(const fs::path& dir, const std::string& command) {
  const std::string log = (dir / "log.txt").string();
  const int rc = std::system((command + " > " + log + " 2>&1").c_str());
  std::ifstream in(log);
  const std::string output((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  INFO(command << "\n" << output);
  REQUIRE(rc == 0);
}

// Runs a command and returns its exit status and what it printed (stdout and stderr
// together, in the order written: both are line-buffered or unbuffered in rill's programs).
struct Outcome {
  int status = -1;
  std::string output;
};
inline Outcome run_status(const fs::path& dir, const std::string& command) {
  const std::string log = (dir / "status_log.txt").string();
  const int rc = std::system((command + " > " + log + " 2>&1").c_str());
  std::ifstream in(log);
  return {WIFEXITED(rc) ? WEXITSTATUS(rc) : -1,
          std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>())};
}

inline std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The image program with a dataset preset: image_flow("mnist") + " --data ...".
inline std::string image_flow(const std::string& preset) {
  return rill::test::program("image_flow") + " --preset " + preset;
}

inline nlohmann::json read_json(const fs::path& p) {
  std::ifstream in(p);
  REQUIRE(in.good());
  return nlohmann::json::parse(in);
}

inline void check_png(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::string head(8, '\0');
  in.read(head.data(), 8);
  CHECK(head == "\x89PNG\r\n\x1a\n");
}

inline void write_bytes(const fs::path& p, const std::string& s) {
  std::ofstream(p, std::ios::binary).write(s.data(), static_cast<std::streamsize>(s.size()));
}

// Tiny MNIST in the real IDX format: 12 images 28x28 with labels 0..9, as train and test sets.
inline void write_tiny_mnist(const fs::path& data) {
  fs::create_directories(data);
  std::string images("\0\0\x08\x03", 4), labels("\0\0\x08\x01", 4);
  auto u32 = [](std::string& s, uint32_t v) {
    for (int k = 24; k >= 0; k -= 8) s += static_cast<char>(v >> k & 0xff);
  };
  u32(images, 12), u32(images, 28), u32(images, 28), u32(labels, 12);
  for (int i = 0; i < 12; ++i) {
    for (int k = 0; k < 784; ++k) images += static_cast<char>((i * 37 + k) % 256);
    labels += static_cast<char>(i % 10);
  }
  write_bytes(data / "train-images-idx3-ubyte", images);
  write_bytes(data / "train-labels-idx1-ubyte", labels);
  write_bytes(data / "t10k-images-idx3-ubyte", images);
  write_bytes(data / "t10k-labels-idx1-ubyte", labels);
}

// CIFAR-10 in the real binary format: five batch files and the test batch of exactly
// 10000 records each (one 30.7 MB file, hard-linked to save disk), labels 0..9 in turn.
inline void write_cifar10(const fs::path& data) {
  fs::create_directories(data);
  std::string batch(10000 * 3073, '\0');
  for (size_t r = 0; r < 10000; ++r) {
    char* rec = batch.data() + r * 3073;
    rec[0] = static_cast<char>(r % 10);
    for (size_t k = 0; k < 3072; ++k) rec[1 + k] = static_cast<char>((r * 11 + k) % 256);
  }
  write_bytes(data / "data_batch_1.bin", batch);
  for (int i = 2; i <= 5; ++i)
    fs::create_hard_link(data / "data_batch_1.bin", data / ("data_batch_" + std::to_string(i) + ".bin"));
  fs::create_hard_link(data / "data_batch_1.bin", data / "test_batch.bin");
}

}  // namespace rill::test
