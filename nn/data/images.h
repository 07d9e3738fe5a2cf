// rill nn — image datasets in their real formats, and batching.
//
// IDX (MNIST, Fashion-MNIST; http://yann.lecun.com/exdb/mnist/): big-endian; a 4-byte magic
// 0x00000801 (labels, 1 axis) or 0x00000803 (images, 3 axes), one 4-byte size per axis,
// then unsigned bytes. Files may be gzip-compressed (.gz) or raw. A folder holds the four
// standard files train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte,
// t10k-labels-idx1-ubyte (each with or without .gz). Debian's dataset-fashion-mnist package
// installs the real Fashion-MNIST in /usr/share/datasets/fashion-mnist.
//
// A .gz file must be whole: each gzip member's CRC-32 and length trailer are checked,
// and a file cut short (even just before its trailer) is an error, as are bytes after
// the last member. Several members one after another (`cat a.gz b.gz`) are legal gzip
// (RFC 1952, 2.2) and read as their contents joined, as gunzip does.
//
// CIFAR-10 binary (https://www.cs.toronto.edu/~kriz/cifar.html): data_batch_1.bin ...
// data_batch_5.bin and test_batch.bin, each exactly 10000 records of 1 label byte + 3072
// pixel bytes (1024 red, 1024 green, 1024 blue, row-major 32 x 32).
//
// A wrong magic number, a truncated file, a count mismatch between images and labels,
// or a label out of range is an error naming the file; nothing is added to a dataset
// from a file that has such an error.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tensor/random.h"
#include "tensor/tensor.h"

namespace rill::nn::data {

struct ImageDataset {
  int64_t count = 0, channels = 0, height = 0, width = 0;
  std::vector<uint8_t> pixels;  // [count, channels, height, width], 0..255
  std::vector<int64_t> labels;  // [count]
  int64_t num_classes = 10;
};

// split: "train" or "test".
ImageDataset load_idx_folder(const std::string& folder, const std::string& split = "train");
// One IDX file (raw or gzip) -> its sizes and bytes.
struct IdxFile {
  std::vector<int64_t> dims;
  std::vector<uint8_t> data;
};
IdxFile read_idx(const std::string& path);
// The same from a whole file's bytes in memory (raw or gzip); `name` stands for the path in errors.
IdxFile parse_idx(std::string_view bytes, const std::string& name = "<memory>");

ImageDataset load_cifar10_folder(const std::string& folder, const std::string& split = "train");
inline constexpr size_t kCifar10Record = 1 + 3 * 32 * 32;    // label byte + pixels
inline constexpr size_t kCifar10BatchRecords = 10000;        // records in every batch file
// Appends the records of one CIFAR-10 .bin file (exactly kCifar10BatchRecords of them).
void read_cifar10_batch(const std::string& path, ImageDataset& into);
// The same from a file's bytes in memory, which must hold exactly `records` records
// (other counts are for tests and the fuzzer; real batch files hold 10000).
void parse_cifar10_batch(std::string_view bytes, const std::string& name, ImageDataset& into,
                         size_t records = kCifar10BatchRecords);

// Batches of images scaled to [-1, 1] (x = 2 p / 255 - 1) and their labels.
struct Batch {
  Tensor images;  // [B, C, H, W] float32
  Tensor labels;  // [B] int64
};

struct LoaderOptions {
  int64_t batch_size = 128;
  bool shuffle = true;     // a new permutation from the generator every epoch
  bool drop_last = true;   // skip the final partial batch
  bool hflip = false;      // mirror each image left-right with probability 1/2 (CIFAR-10)
};

// Batch k of the whole run is a pure function of (seed, k): epoch e is shuffled by the
// generator (seed, e) and flips are drawn from (seed, k). So a resumed run that seeks
// to its step sees exactly the batches the uninterrupted run would have seen.
class DataLoader {
 public:
  DataLoader(const ImageDataset& data, LoaderOptions options, uint64_t seed = 0);
  // The next batch; a new epoch (reshuffled) starts after the last one.
  Batch next() { return batch(step_++); }
  // Batch number `step` counted from the start of the run.
  Batch batch(int64_t step);
  // Continue from batch `step` (after resuming from a checkpoint).
  void seek(int64_t step) { step_ = step; }
  int64_t batches_per_epoch() const;
  int64_t epoch() const { return step_ == 0 ? 0 : (step_ - 1) / batches_per_epoch(); }

 private:
  const std::vector<int64_t>& order(int64_t epoch);
  const ImageDataset& data_;
  LoaderOptions options_;
  uint64_t seed_;
  std::vector<int64_t> order_;
  int64_t order_epoch_ = -1, step_ = 0;
};

}  // namespace rill::nn::data
