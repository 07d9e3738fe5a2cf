#include "data/loader.h"

#include <numeric>

#include "tensor/ops.h"

namespace rill::data {

DataLoader::DataLoader(const ImageDataset& data, LoaderOptions options, uint64_t seed)
    : data_(data), options_(options), seed_(seed) {
  RILL_CHECK(options.batch_size > 0, "DataLoader: batch size must be positive, got {}", options.batch_size);
  RILL_CHECK(data.count >= (options.drop_last ? options.batch_size : 1),
             "DataLoader: {} images cannot fill a batch of {}{}", data.count, options.batch_size,
             options.drop_last ? " (drop_last)" : "");
}

int64_t DataLoader::batches_per_epoch() const {
  return options_.drop_last ? data_.count / options_.batch_size
                            : (data_.count + options_.batch_size - 1) / options_.batch_size;
}

const std::vector<int64_t>& DataLoader::order(int64_t epoch) {
  if (epoch != order_epoch_) {
    order_epoch_ = epoch;
    if (options_.shuffle) {
      Generator g(seed_ + 0x9E3779B97F4A7C15ull * static_cast<uint64_t>(epoch + 1));  // one stream per epoch
      order_ = randperm(data_.count, DType::Int64, &g).to_vector<int64_t>();
    } else {
      order_.resize(data_.count);
      std::iota(order_.begin(), order_.end(), 0);
    }
  }
  return order_;
}

Batch DataLoader::batch(int64_t step) {
  const int64_t per_epoch = batches_per_epoch(), epoch = step / per_epoch,
                first = (step % per_epoch) * options_.batch_size;
  const std::vector<int64_t>& perm = order(epoch);
  const int64_t B = std::min(options_.batch_size, data_.count - first);
  const int64_t C = data_.channels, H = data_.height, W = data_.width, plane = H * W, image = C * plane;
  // Which images to mirror: one uniform draw per image, from the stream of this step.
  std::vector<double> flip(B, 1.0);
  if (options_.hflip) {
    Generator g(~seed_);
    g.set_state({~seed_, static_cast<uint64_t>(step) * static_cast<uint64_t>(options_.batch_size)});
    flip = rand({B}, DType::Float64, &g).to_vector<double>();
  }
  std::vector<float> pixels(static_cast<size_t>(B * image));
  std::vector<int64_t> labels(B);
  for (int64_t b = 0; b < B; ++b) {
    const int64_t k = perm[first + b];
    labels[b] = data_.labels[k];
    const uint8_t* src = data_.pixels.data() + k * image;
    const bool mirror = flip[b] < 0.5;
    for (int64_t c = 0; c < C; ++c)
      for (int64_t y = 0; y < H; ++y)
        for (int64_t x = 0; x < W; ++x) {
          const uint8_t p = src[c * plane + y * W + (mirror ? W - 1 - x : x)];
          pixels[b * image + c * plane + y * W + x] =
              static_cast<float>(p) / 127.5f - 1.0f;  // [0, 255] -> [-1, 1], exact at both ends
        }
  }
  return {tensor(pixels, {B, C, H, W}), tensor(labels, {B})};
}

}  // namespace rill::data
