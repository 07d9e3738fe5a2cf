#include "examples/common/judge.h"

#include <algorithm>

#include "autograd/autograd.h"
#include "flowmatch/metrics.h"
#include "io/safetensors.h"
#include "tensor/ops.h"

namespace rill::examples {

Judge load_judge(const std::string& path) {
  const io::safetensors::Contents c = io::safetensors::load(path);
  const auto get = [&](const char* key) {
    const auto it = c.metadata.find(key);
    RILL_CHECK(it != c.metadata.end(), "judge: {} has no '{}' in its metadata: not a file written by the judge program",
               path, key);
    return it->second;
  };
  RILL_CHECK(get("model") == "ImageClassifier", "judge: {} holds a {}, not an ImageClassifier", path, get("model"));
  Judge j;
  j.model = std::make_unique<nn::ImageClassifier>(std::stoll(get("in_channels")), std::stoll(get("num_classes")),
                                                  std::stoll(get("width")));
  j.model->load_state_dict(c.tensors);
  j.dataset = get("dataset");
  j.test_accuracy = std::stod(get("test_accuracy"));
  return j;
}

Tensor dataset_images(const data::ImageDataset& d, const std::vector<int64_t>& indices) {
  const int64_t per = d.channels * d.height * d.width;
  std::vector<float> v(indices.size() * static_cast<size_t>(per));
  for (size_t i = 0; i < indices.size(); ++i) {
    RILL_CHECK(indices[i] >= 0 && indices[i] < d.count, "dataset_images: index {} of {} images", indices[i], d.count);
    const uint8_t* src = d.pixels.data() + indices[i] * per;
    for (int64_t k = 0; k < per; ++k) v[i * per + k] = static_cast<float>(src[k]) / 127.5f - 1.0f;  // x = 2 p / 255 - 1
  }
  return tensor(v, {static_cast<int64_t>(indices.size()), d.channels, d.height, d.width});
}

namespace {
template <typename F>
Tensor in_batches(const Tensor& images, int64_t batch, F f) {
  no_grad guard;
  std::vector<Tensor> parts;
  for (int64_t at = 0; at < images.size(0); at += batch)
    parts.push_back(f(ops::narrow(images, 0, at, std::min(batch, images.size(0) - at))));
  return ops::cat(parts, 0);
}
}  // namespace

Tensor judge_features(nn::ImageClassifier& judge, const Tensor& images, int64_t batch) {
  return in_batches(images, batch, [&](const Tensor& x) { return judge.features(x); });
}

Tensor judge_predictions(nn::ImageClassifier& judge, const Tensor& images, int64_t batch) {
  return in_batches(images, batch, [&](const Tensor& x) { return ops::argmax(judge(x), 1); });
}

namespace {
// The mean of the squared 4-neighbour Laplacian 4 x[i,j] - x[i-1,j] - x[i+1,j] - x[i,j-1] -
// x[i,j+1] over the interior pixels of every plane of images [N, C, H, W]; with
// dark_only, only over those whose four neighbours are all below `dark` (0 if none are).
double mean_square_laplacian(const char* what, const Tensor& images, bool dark_only, double dark) {
  RILL_CHECK(images.dim() == 4 && images.size(2) >= 3 && images.size(3) >= 3,
             "{}: needs images [N, C, H, W] of at least 3x3, got {}", what, images.shape());
  const std::vector<double> x = ops::to(ops::to(images, Device::cpu()), DType::Float64).to_vector<double>();
  const int64_t planes = images.size(0) * images.size(1), h = images.size(2), w = images.size(3);
  double sum = 0;
  int64_t count = 0;
  for (int64_t p = 0; p < planes; ++p) {
    const double* v = x.data() + p * h * w;
    for (int64_t i = 1; i + 1 < h; ++i)
      for (int64_t j = 1; j + 1 < w; ++j) {
        const double up = v[(i - 1) * w + j], down = v[(i + 1) * w + j], left = v[i * w + j - 1],
                     right = v[i * w + j + 1];
        if (dark_only && (up >= dark || down >= dark || left >= dark || right >= dark)) continue;  // not background
        const double lap = 4 * v[i * w + j] - up - down - left - right;
        sum += lap * lap, ++count;
      }
  }
  return count > 0 ? sum / static_cast<double>(count) : 0.0;
}
}  // namespace

double high_frequency_energy(const Tensor& images) {
  return mean_square_laplacian("high_frequency_energy", images, false, 0.0);
}

double background_speckle(const Tensor& images, double dark) {
  return mean_square_laplacian("background_speckle", images, true, dark);
}

JudgeScores judge_samples(nn::ImageClassifier& judge, const Tensor& samples, const Tensor& labels,
                          const data::ImageDataset& real, Generator& gen) {
  JudgeScores s;
  s.n = samples.size(0);
  RILL_CHECK(s.n >= 2 && 2 * s.n <= real.count,
             "judge: {} samples need {} real images for the floor (two disjoint sets), the reference set has {}", s.n,
             2 * s.n, real.count);
  // Two disjoint random sets of n real images: A is compared with the samples, A with B is the floor.
  const std::vector<int64_t> perm = randperm(real.count, DType::Int64, &gen).to_vector<int64_t>();
  std::vector<int64_t> a(perm.begin(), perm.begin() + s.n), b(perm.begin() + s.n, perm.begin() + 2 * s.n);
  const Tensor clamped = ops::clamp(ops::to(ops::to(samples, Device::cpu()), DType::Float32), -1.0, 1.0);
  const Tensor real_a = dataset_images(real, a);
  const Tensor fa = ops::to(judge_features(judge, real_a), DType::Float64);
  const Tensor fb = ops::to(judge_features(judge, dataset_images(real, b)), DType::Float64);
  const Tensor fs = ops::to(judge_features(judge, clamped), DType::Float64);
  s.frechet = flowmatch::frechet_distance(fs, fa);
  s.frechet_floor = flowmatch::frechet_distance(fb, fa);
  s.high_freq = high_frequency_energy(clamped), s.high_freq_real = high_frequency_energy(real_a);
  s.speckle = background_speckle(clamped), s.speckle_real = background_speckle(real_a);
  if (labels.defined()) {
    const Tensor hit = ops::eq(judge_predictions(judge, clamped), ops::to(labels, Device::cpu()));
    s.accuracy = ops::mean(ops::to(hit, DType::Float64)).item();
    std::vector<int64_t> real_labels;
    for (const int64_t i : a) real_labels.push_back(real.labels[static_cast<size_t>(i)]);
    const Tensor real_hit = ops::eq(judge_predictions(judge, real_a), tensor(real_labels));
    s.real_accuracy = ops::mean(ops::to(real_hit, DType::Float64)).item();
  }
  return s;
}

}  // namespace rill::examples
