// rill data — a dataset of 8-bit images with class labels, as the readers return it
// (data/idx.h for MNIST and Fashion-MNIST, data/cifar10.h for CIFAR-10).
#pragma once

#include <cstdint>
#include <vector>

namespace rill::data {

struct ImageDataset {
  int64_t count = 0, channels = 0, height = 0, width = 0;
  std::vector<uint8_t> pixels;  // [count, channels, height, width], 0..255
  std::vector<int64_t> labels;  // [count]
  int64_t num_classes = 10;
};

}  // namespace rill::data
