// rill data — batches of images for training, a pure function of (seed, step).
#pragma once

#include <cstdint>
#include <vector>

#include "data/image_dataset.h"
#include "tensor/tensor.h"

namespace rill::data {

// Batches of images scaled to [-1, 1] (x = 2 p / 255 - 1) and their labels.
struct Batch {
  Tensor images;  // [B, C, H, W] float32
  Tensor labels;  // [B] int64
};

struct LoaderOptions {
  int64_t batch_size = 128;
  bool shuffle = true;    // a new permutation from the generator every epoch
  bool drop_last = true;  // skip the final partial batch
  bool hflip = false;     // mirror each image left-right with probability 1/2 (CIFAR-10)
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

}  // namespace rill::data
