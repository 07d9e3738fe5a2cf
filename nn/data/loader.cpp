#include <numeric>

#include "nn/data/images.h"
#include "tensor/ops.h"

namespace rill::nn::data {

DataLoader::DataLoader(const ImageDataset& data, LoaderOptions options, Generator* gen)
    : data_(data), options_(options), gen_(gen) {
  RILL_CHECK(options.batch_size > 0, "DataLoader: batch size must be positive, got {}", options.batch_size);
  RILL_CHECK(data.count >= (options.drop_last ? options.batch_size : 1),
             "DataLoader: {} images cannot fill a batch of {} (drop_last)", data.count, options.batch_size);
}

int64_t DataLoader::batches_per_epoch() const {
  return options_.drop_last ? data_.count / options_.batch_size : (data_.count + options_.batch_size - 1) / options_.batch_size;
}

void DataLoader::start_epoch() {
  ++epoch_;
  position_ = 0;
  if (options_.shuffle) {
    order_ = randperm(data_.count, DType::Int64, gen_).to_vector<int64_t>();
  } else {
    order_.resize(data_.count);
    std::iota(order_.begin(), order_.end(), 0);
  }
}

Batch DataLoader::next() {
  if (epoch_ < 0 || position_ >= data_.count || (options_.drop_last && position_ + options_.batch_size > data_.count))
    start_epoch();
  const int64_t B = std::min(options_.batch_size, data_.count - position_);
  const int64_t C = data_.channels, H = data_.height, W = data_.width, plane = H * W, image = C * plane;
  // Which images to mirror: one uniform draw per image when flipping is on.
  std::vector<double> flip(B, 1.0);
  if (options_.hflip) flip = rand({B}, DType::Float64, gen_).to_vector<double>();
  std::vector<float> pixels(static_cast<size_t>(B * image));
  std::vector<int64_t> labels(B);
  for (int64_t b = 0; b < B; ++b) {
    const int64_t k = order_[position_ + b];
    labels[b] = data_.labels[k];
    const uint8_t* src = data_.pixels.data() + k * image;
    const bool mirror = flip[b] < 0.5;
    for (int64_t c = 0; c < C; ++c)
      for (int64_t y = 0; y < H; ++y)
        for (int64_t x = 0; x < W; ++x) {
          const uint8_t p = src[c * plane + y * W + (mirror ? W - 1 - x : x)];
          pixels[b * image + c * plane + y * W + x] = static_cast<float>(p) / 127.5f - 1.0f;  // [0, 255] -> [-1, 1], exact at both ends
        }
  }
  position_ += B;
  return {tensor(pixels, {B, C, H, W}), tensor(labels, {B})};
}

}  // namespace rill::nn::data
