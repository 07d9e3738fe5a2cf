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

// Images [first, end) with their labels: `slice(d, 0, n)` is what --limit n trains on,
// `slice(d, n, d.count)` the rest, held out (a validation set cut from the training split).
ImageDataset slice(const ImageDataset& d, int64_t first, int64_t end);

// The images whose label is one of `classes`, in their order, labels unchanged (so a
// classifier of the full dataset still names them): a derived dataset, e.g. Fashion-MNIST's
// four upper-body garments {0, 2, 4, 6}. num_classes stays the full dataset's.
ImageDataset of_classes(const ImageDataset& d, const std::vector<int64_t>& classes);

}  // namespace rill::data
