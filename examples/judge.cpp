// judge — trains the classifier that judges generated images (examples/common/judge.h).
//
//   ./build/examples/judge                         Fashion-MNIST (Debian's), 5000 steps
//   ./build/examples/judge --preset cifar10 --data DIR/cifar-10-batches-bin
//
// Trains nn::ImageClassifier (nn/classifier.h) on the real training split with Adam and
// cross-entropy, then measures it on the whole test split. Writes into --out (default
// runs/judge_<preset>): judge.safetensors (the weights; metadata: dataset, channels,
// classes, width, test accuracy), metrics.json (test accuracy; the Frechet floor in its
// features between two disjoint halves of the test split) and loss.png. An image program
// given --judge FILE reports its samples' Frechet distance and class accuracy with it.
#include <cmath>
#include <numeric>

#include "autograd/autograd.h"
#include "data/loader.h"
#include "examples/common/flags.h"
#include "examples/common/image_presets.h"
#include "examples/common/judge.h"
#include "examples/common/plot.h"
#include "examples/common/progress.h"
#include "examples/common/run.h"
#include "examples/common/run_dir.h"
#include "flowmatch/metrics.h"
#include "io/safetensors.h"
#include "nn/nn.h"
#include "tensor/ops.h"
#include <CLI/CLI.hpp>

using namespace rill;
using namespace rill::examples;

namespace {

struct Options {
  std::string preset = "mnist", data, out;
  // 5000 steps at lr 2e-3: 90.65% on Fashion-MNIST's test split (2000 at 1e-3: 85.5%)
  int64_t steps = 5000, batch = 128, width = 32, seed = 0;
  int threads = 0;
  double lr = 2e-3;
};

int run(const Options& o) {
  const ImagePreset& preset = image_preset_named(o.preset, "judge");
  const std::string folder = o.data.empty() ? preset.data : o.data;
  RunDir dir(o.out.empty() ? "runs/judge_" + o.preset : o.out, "judge");
  startup_report("judge", o.threads, Device::cpu());
  const data::ImageDataset train = preset.load(folder, "train");
  const data::ImageDataset test = preset.load(folder, "test");
  fmt::print("judge: {} training and {} test images of {}x{}x{} from {}, {} classes\n", train.count, test.count,
             train.channels, train.height, train.width, folder, train.num_classes);

  manual_seed(static_cast<uint64_t>(o.seed));
  nn::ImageClassifier model(train.channels, train.num_classes, o.width);
  nn::Adam opt(model.named_parameters(), {o.lr});
  const auto schedule = nn::LRSchedule::parse("cosine", o.lr, o.steps, std::min<int64_t>(100, o.steps / 10));
  data::LoaderOptions lo;
  lo.batch_size = o.batch, lo.hflip = preset.hflip;
  data::DataLoader loader(train, lo, static_cast<uint64_t>(o.seed));
  LossLog losses;
  Progress progress(o.steps, 0, 100);
  for (int64_t step = 0; step < o.steps; ++step) {
    const data::Batch b = loader.next();
    const Tensor loss = cross_entropy(model(b.images), b.labels);
    const double value = loss.item();
    RILL_CHECK(std::isfinite(value), "judge: the loss is {} at step {}; try a smaller --lr", value, step + 1);
    opt.zero_grad();
    autograd::backward(loss);
    opt.set_lr(schedule.at(step));
    opt.step();
    losses.emplace_back(step + 1, value);
    progress.update(step, value);
  }
  progress.finish();

  // The whole test split: accuracy, and the Frechet floor between its two halves.
  std::vector<int64_t> all(static_cast<size_t>(test.count));
  std::iota(all.begin(), all.end(), 0);
  const Tensor images = dataset_images(test, all);
  const Tensor predicted = judge_predictions(model, images);
  const Tensor truth = tensor(test.labels, {test.count});
  const double accuracy = ops::mean(ops::to(ops::eq(predicted, truth), DType::Float64)).item();
  const int64_t half = test.count / 2;
  const Tensor features = ops::to(judge_features(model, images), DType::Float64);
  const double floor =
      flowmatch::frechet_distance(ops::narrow(features, 0, 0, half), ops::narrow(features, 0, half, half));
  fmt::print("judge: test accuracy {:.2f}% ({} images); Frechet distance between the two test halves {:.4f}\n",
             100 * accuracy, test.count, floor);

  io::safetensors::save(dir.file("judge.safetensors"), model.state_dict(),
                        {{"model", "ImageClassifier"},
                         {"dataset", folder},
                         {"in_channels", std::to_string(train.channels)},
                         {"num_classes", std::to_string(train.num_classes)},
                         {"width", std::to_string(o.width)},
                         {"test_accuracy", fmt::format("{:.6f}", accuracy)}});
  dir.write_metrics({{"test_accuracy", accuracy},
                     {"frechet_test_halves", floor},
                     {"steps", o.steps},
                     {"train_seconds", progress.elapsed_seconds()},
                     {"final_loss", progress.smoothed_loss()}});
  save_loss_plot(dir.file(plot_file("loss")), {{"classifier", losses}}, {}, "judge: training loss");
  fmt::print("judge: wrote {}\n", dir.file("{judge.safetensors, metrics.json, loss.png}"));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{"judge: train the classifier that judges generated images (rill)"};
  app.add_option("--preset", o.preset, "the dataset (as image_flow's)")
      ->capture_default_str()
      ->check(one_of(image_preset_names()));
  app.add_option("--data", o.data, "dataset folder (default: the preset's)");
  app.add_option("--out", o.out, "output folder (default: runs/judge_<preset>)");
  app.add_option("--steps", o.steps, "training steps")->capture_default_str()->check(at_least(1));
  app.add_option("--batch", o.batch, "batch size")->capture_default_str()->check(at_least(1));
  app.add_option("--width", o.width, "channels of the first conv (a multiple of 8)")
      ->capture_default_str()
      ->check(at_least(8));
  app.add_option("--lr", o.lr, "learning rate (Adam, cosine schedule)")->capture_default_str()->check(positive());
  app.add_option("--seed", o.seed, "random seed")->capture_default_str();
  app.add_option("--threads", o.threads, "threads (0: all cores)")->capture_default_str()->check(at_least(0));
  return program_main("judge", app, argc, argv, [&] { return run(o); });
}
