// The judge of generated images (examples/common/judge.h, examples/judge.cpp): on data
// where the answer is known it must tell real images from wrong ones, and the programs
// must write and read its file.
#include <cmath>
#include <numeric>

#include "examples/common/judge.h"
#include "examples/program_helpers.h"
#include "flowmatch/metrics.h"
#include "tensor/ops.h"

using namespace rill;
using namespace rill::test;

namespace {

// Two classes of 8x8 images: class 0 bright in the top half, class 1 in the bottom half,
// with noise of amplitude 40 (0..255 scale).
data::ImageDataset halves(int64_t count, uint64_t seed) {
  data::ImageDataset d;
  d.count = count, d.channels = 1, d.height = 8, d.width = 8, d.num_classes = 2;
  Generator gen(seed);
  const std::vector<double> noise = rand({count * 64}, DType::Float64, &gen).to_vector<double>();
  for (int64_t i = 0; i < count; ++i) {
    const int64_t label = i % 2;
    d.labels.push_back(label);
    for (int64_t k = 0; k < 64; ++k) {
      const bool bright = (k / 8 < 4) == (label == 0);
      d.pixels.push_back(static_cast<uint8_t>((bright ? 200 : 30) + 40 * noise[static_cast<size_t>(i * 64 + k)]));
    }
  }
  return d;
}

}  // namespace

TEST_CASE("ImageClassifier: the parameter count of docs/models.md and clear shape errors", "[examples][judge]") {
  nn::ImageClassifier c(1, 10);
  int64_t n = 0;
  for (const Tensor& p : c.parameters()) n += p.numel();
  CHECK(n == 94410);
  CHECK(c(zeros({2, 1, 28, 28})).shape() == Shape{2, 10});
  CHECK(c.features(zeros({2, 1, 28, 28})).shape() == Shape{2, 128});
  CHECK_THROWS_WITH(c(zeros({2, 3, 28, 28})), Catch::Contains("ImageClassifier: expected x [N, 1, H, W]"));
}

TEST_CASE("judge: near the floor for real images, far above it for wrong ones, and class accuracy", "[examples][judge]") {
  manual_seed(1);
  const data::ImageDataset train = halves(256, 1), test = halves(400, 2);
  nn::ImageClassifier judge(1, 2, 8);
  nn::Adam opt(judge.named_parameters(), {3e-3});
  std::vector<int64_t> all(256);
  std::iota(all.begin(), all.end(), 0);
  const Tensor x = examples::dataset_images(train, all), y = tensor(train.labels, {256});
  for (int step = 0; step < 60; ++step) {
    const Tensor loss = cross_entropy(judge(x), y);
    opt.zero_grad();
    autograd::backward(loss);
    opt.step();
  }
  // "Samples" that are real images of the same distribution: Frechet near the floor, and
  // the labels they came with are recognised.
  const data::ImageDataset fresh = halves(100, 3);
  std::vector<int64_t> idx(100);
  std::iota(idx.begin(), idx.end(), 0);
  const Tensor real = examples::dataset_images(fresh, idx), real_labels = tensor(fresh.labels, {100});
  Generator gen(4);
  const examples::JudgeScores good = examples::judge_samples(judge, real, real_labels, test, gen);
  INFO("real: Frechet " << good.frechet << ", floor " << good.frechet_floor << ", accuracy " << good.accuracy);
  CHECK(good.n == 100);
  CHECK(good.accuracy == 1.0);
  CHECK(good.real_accuracy == 1.0);  // (the judge's accuracy on the real set it compared with)
  CHECK(good.frechet < 3 * good.frechet_floor);
  // Wrong samples: all of one class (the distribution's other half missing), and noise.
  std::vector<int64_t> zeros_only;
  for (int64_t i = 0; i < 100; ++i) zeros_only.push_back(2 * (i % 50));  // class 0 rows, each twice
  const Tensor one_class = examples::dataset_images(fresh, zeros_only);
  const examples::JudgeScores collapsed = examples::judge_samples(judge, one_class, Tensor(), test, gen);
  INFO("one class: Frechet " << collapsed.frechet << ", floor " << collapsed.frechet_floor);
  CHECK(collapsed.frechet > 10 * good.frechet_floor);
  CHECK(std::isnan(collapsed.accuracy));  // no labels, no accuracy
  const examples::JudgeScores noise =
      examples::judge_samples(judge, ops::sub(ops::mul(rand({100, 1, 8, 8}, {}, &gen), 2.0), 1.0), Tensor(), test, gen);
  CHECK(noise.frechet > 10 * good.frechet_floor);
  // Uniform noise carries far more pixel-level energy than the real images it is compared with.
  CHECK(noise.high_freq > 2 * noise.high_freq_real);
  // Swapped labels: the judge disagrees with every one.
  const examples::JudgeScores swapped =
      examples::judge_samples(judge, real, ops::sub(ones({100}, DType::Int64), real_labels), test, gen);
  CHECK(swapped.accuracy == 0.0);
  // Too few real images for a floor of 300 vs 300.
  CHECK_THROWS_WITH(examples::judge_samples(judge, examples::dataset_images(test, std::vector<int64_t>(300, 0)),
                                            Tensor(), test, gen),
                    Catch::Contains("300 samples need 600 real images"));
}

TEST_CASE("high_frequency_energy is the mean square of the 4-neighbour Laplacian over interior pixels",
          "[examples][judge]") {
  // Constant: 0. One bright pixel in the middle of a 3x3 image: the only interior pixel has
  // Laplacian 4 * 1 - 0 = 4, so 16. A +-1 checkerboard: every interior pixel 4 x - 4 (-x) = 8 x, so 64.
  CHECK(examples::high_frequency_energy(full({2, 1, 5, 6}, 0.3)) == 0.0);
  CHECK(examples::high_frequency_energy(tensor(std::vector<float>{0, 0, 0, 0, 1, 0, 0, 0, 0}, {1, 1, 3, 3})) == 16.0);
  std::vector<float> board(2 * 4 * 5);
  for (int c = 0; c < 2; ++c)
    for (int i = 0; i < 4; ++i)
      for (int j = 0; j < 5; ++j) board[(c * 4 + i) * 5 + j] = (i + j) % 2 ? 1.0f : -1.0f;
  CHECK(examples::high_frequency_energy(tensor(board, {1, 2, 4, 5})) == 64.0);
  // Speckle counts only pixels whose four neighbours are dark: in a -1 background with one
  // bright pixel (value 1) at (2, 2) of a 5x5 image, the pixels qualifying are the 9 interior
  // ones except the four next to it; the bright one has Laplacian 4 * 1 + 4 = 8 (64), the
  // other four qualifying ones (the diagonal neighbours) 0: mean 64 / 5.
  std::vector<float> dot(25, -1.0f);
  dot[2 * 5 + 2] = 1.0f;
  CHECK(examples::background_speckle(tensor(dot, {1, 1, 5, 5})) == Approx(64.0 / 5));
  CHECK(examples::background_speckle(full({1, 1, 5, 5}, 0.5)) == 0.0);  // nothing dark: no pixel counts
  CHECK(examples::background_speckle(full({1, 1, 5, 5}, -1.0)) == 0.0);  // flat background
  CHECK_THROWS_WITH(examples::high_frequency_energy(zeros({3, 1, 2, 8})),
                    Catch::Contains("needs images [N, C, H, W] of at least 3x3"));
}

TEST_CASE("judge program writes judge.safetensors, and image_flow --judge reports Frechet and class accuracy",
          "[examples][judge]") {
  const fs::path dir = temp_dir("judge");
  const fs::path data = dir / "data";
  write_tiny_mnist(data);
  run(dir, rill::test::program("judge") + " --data " + data.string() + " --out " + (dir / "judge").string() +
               " --steps 3 --batch 4 --width 8 --threads 1");
  const auto judge_metrics = read_json(dir / "judge" / "metrics.json");
  const double acc = judge_metrics.at("test_accuracy").get<double>();
  CHECK((acc >= 0 && acc <= 1));
  const examples::Judge judge = examples::load_judge((dir / "judge" / "judge.safetensors").string());
  CHECK(judge.model->width == 8);
  CHECK(judge.test_accuracy == Approx(acc).margin(1e-6));
  run(dir, image_flow("mnist") + " --data " + data.string() + " --out " + (dir / "run").string() +
               " --steps 2 --batch 4 --base 8 --samples 4 --solver euler --nfe 1 --conditional --threads 1 --time logit-normal --judge " +
               (dir / "judge" / "judge.safetensors").string());
  CHECK(read_json(dir / "run" / "config.json").at("time") == "logit-normal");
  const auto m = read_json(dir / "run" / "metrics.json");
  for (const char* key : {"frechet", "frechet_floor", "class_accuracy", "judge_test_accuracy"}) {
    INFO(key);
    CHECK(std::isfinite(m.at(key).get<double>()));
  }
  for (const char* key : {"high_freq", "high_freq_real", "high_freq_ratio", "speckle"}) {
    INFO(key);
    CHECK(m.at(key).get<double>() > 0);
  }
  CHECK(m.at("judge_real") == "test");
  // --judge-real heldout compares with the training images after the first --limit: with
  // --limit 4 of 12, eight images (two sets of four); with --limit 10 only two are left.
  const std::string sample = image_flow("mnist") + " --data " + data.string() + " --out " + (dir / "run").string() +
                             " --sample-only --base 8 --samples 4 --nfe 2 --cfg-until 0.4 --conditional --threads 1 --judge " +
                             (dir / "judge" / "judge.safetensors").string() + " --judge-real heldout";
  run(dir, sample + " --limit 4");
  const auto h = read_json(dir / "run" / "metrics.json");
  CHECK(h.at("judge_real") == "heldout");
  CHECK(std::isfinite(h.at("frechet_ratio").get<double>()));
  const Outcome few = run_status(dir, sample + " --limit 10");
  INFO(few.output);
  CHECK(few.status != 0);
  CHECK(few.output.find("4 samples need 8 real images for the floor (two disjoint sets), the reference set has 2") !=
        std::string::npos);
  const Outcome no_limit = run_status(dir, sample);
  INFO(no_limit.output);
  CHECK(no_limit.status != 0);
  CHECK(no_limit.output.find("--judge-real heldout compares with the training images after the first --limit N") !=
        std::string::npos);
  // --classes: a derived dataset. Of the 12 images (labels i % 10), classes 0-3 hold 6;
  // --limit 2 trains on two and judges by the other four.
  const Outcome sub = run_status(dir, image_flow("mnist") + " --data " + data.string() + " --out " +
                                          (dir / "sub").string() +
                                          " --steps 1 --batch 2 --base 8 --samples 2 --solver euler --nfe 1 --conditional --threads 1 "
                                          "--classes 0,1,2,3 --limit 2 --judge-real heldout --judge " +
                                          (dir / "judge" / "judge.safetensors").string());
  INFO(sub.output);
  CHECK(sub.status == 0);
  CHECK(sub.output.find("2 training images of 1x28x28 from " + data.string() + " (classes 0,1,2,3)") !=
        std::string::npos);
  CHECK(sub.output.find("to 2 held-out training images") != std::string::npos);
  const Outcome bad_class = run_status(dir, image_flow("mnist") + " --data " + data.string() + " --out " +
                                                (dir / "sub").string() + " --steps 1 --classes 3,12 --threads 1");
  CHECK(bad_class.status != 0);
  CHECK(bad_class.output.find("of_classes: class 12 of a dataset with classes 0..9") != std::string::npos);
  // A file that is not a judge is refused, naming it.
  CHECK_THROWS_WITH(examples::load_judge((dir / "run" / "model.safetensors").string()),
                    Catch::Contains("holds a UNet, not an ImageClassifier"));
  fs::remove_all(dir);
}
