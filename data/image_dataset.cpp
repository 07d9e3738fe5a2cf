#include "data/image_dataset.h"

#include <algorithm>

#include "tensor/error.h"

namespace rill::data {

namespace {
size_t image_size(const ImageDataset& d) { return static_cast<size_t>(d.channels * d.height * d.width); }
}  // namespace

ImageDataset slice(const ImageDataset& d, int64_t first, int64_t end) {
  RILL_CHECK(0 <= first && first < end && end <= d.count, "slice: images [{}, {}) of a dataset of {} images", first,
             end, d.count);
  ImageDataset part;
  part.count = end - first, part.channels = d.channels, part.height = d.height, part.width = d.width;
  part.num_classes = d.num_classes;
  const size_t per = image_size(d);
  part.pixels.assign(d.pixels.begin() + static_cast<std::ptrdiff_t>(static_cast<size_t>(first) * per),
                     d.pixels.begin() + static_cast<std::ptrdiff_t>(static_cast<size_t>(end) * per));
  part.labels.assign(d.labels.begin() + first, d.labels.begin() + end);
  return part;
}

ImageDataset of_classes(const ImageDataset& d, const std::vector<int64_t>& classes) {
  RILL_CHECK(!classes.empty(), "of_classes: no classes given");
  for (const int64_t c : classes)
    RILL_CHECK(0 <= c && c < d.num_classes, "of_classes: class {} of a dataset with classes 0..{}", c,
               d.num_classes - 1);
  ImageDataset part;
  part.channels = d.channels, part.height = d.height, part.width = d.width, part.num_classes = d.num_classes;
  const size_t per = image_size(d);
  for (int64_t i = 0; i < d.count; ++i) {
    if (std::find(classes.begin(), classes.end(), d.labels[static_cast<size_t>(i)]) == classes.end()) continue;
    const auto src = d.pixels.begin() + static_cast<std::ptrdiff_t>(static_cast<size_t>(i) * per);
    part.pixels.insert(part.pixels.end(), src, src + static_cast<std::ptrdiff_t>(per));
    part.labels.push_back(d.labels[static_cast<size_t>(i)]);
  }
  part.count = static_cast<int64_t>(part.labels.size());
  RILL_CHECK(part.count > 0, "of_classes: none of the {} images has one of the classes given", d.count);
  return part;
}

}  // namespace rill::data
