// rill examples — judging generated images with a classifier rill trained itself.
//
// The `judge` program trains nn::ImageClassifier on a dataset's real training split and
// writes judge.safetensors (weights, and in its metadata the dataset, the channels, the
// classes and the width). A program that generates images loads it (--judge FILE) and
// reports, for n generated images:
//   frechet         the Frechet distance between Gaussians fitted to the judge's features
//                   of the samples and of n real test images (the FID recipe, with a
//                   network of the data's own domain instead of Inception)
//   frechet_floor   the same distance between two disjoint sets of n real test images:
//                   what a perfect generator would score at this n (the distance is
//                   biased upwards at finite n, so compare with the floor, not with 0)
//   accuracy        for class-conditional samples, the fraction the judge assigns to the
//                   class they were generated for (and, as its reference, the judge's
//                   accuracy on the real test split, in judge.safetensors)
#pragma once

#include <memory>
#include <string>

#include "data/image_dataset.h"
#include "nn/classifier.h"
#include "tensor/random.h"

namespace rill::examples {

struct Judge {
  std::unique_ptr<nn::ImageClassifier> model;
  std::string dataset;         // the training folder it was trained on (metadata)
  double test_accuracy = NAN;  // on the real test split, when it was trained
};

// Reads judge.safetensors; throws with the path on a file that is not one.
Judge load_judge(const std::string& path);

// Images as the loaders give them ([N, C, H, W], values in [-1, 1]) as a float tensor, all
// or `indices` of a dataset.
Tensor dataset_images(const data::ImageDataset& data, const std::vector<int64_t>& indices);

// The judge's features [N, F] and predicted classes [N] (int64), in batches, no graph.
Tensor judge_features(nn::ImageClassifier& judge, const Tensor& images, int64_t batch = 500);
Tensor judge_predictions(nn::ImageClassifier& judge, const Tensor& images, int64_t batch = 500);

// High-frequency energy of images [N, C, H, W]: the mean square of the 4-neighbour
// Laplacian 4 x[i,j] - x[i-1,j] - x[i+1,j] - x[i,j-1] - x[i,j+1] over interior pixels
// (values in [-1, 1]). Flat regions give 0, edges some, pixel noise ("speckle") the most;
// a sample set's energy over a real set's says how much more fine detail the samples
// carry than real images do (1: as much).
double high_frequency_energy(const Tensor& images);

// Speckle: the same squared Laplacian, averaged only over interior pixels whose four
// neighbours are all dark (below `dark`, on the [-1, 1] scale): pixels in the background.
// Real MNIST-like backgrounds are flat, so real images score near 0 there; stray pixels or
// a grainy background in generated ones raise it. 0 when no pixel qualifies.
double background_speckle(const Tensor& images, double dark = -0.5);

struct JudgeScores {
  int64_t n = 0;
  double frechet = NAN, frechet_floor = NAN;
  double accuracy = NAN;       // NaN when no labels were given
  double real_accuracy = NAN;  // the judge's accuracy on real set A: what accuracy to expect of perfect samples
  double high_freq = NAN, high_freq_real = NAN;  // high_frequency_energy of the samples, of real set A
  double speckle = NAN, speckle_real = NAN;      // background_speckle of the samples, of real set A
};

// Scores `samples` ([n, C, H, W] in [-1, 1]; clamped) against `real` images (the test
// split, or for choosing settings a held-out part of the training split); the two
// disjoint real sets of the floor are drawn from gen (n <= real.count / 2).
JudgeScores judge_samples(nn::ImageClassifier& judge, const Tensor& samples, const Tensor& labels,
                          const data::ImageDataset& real, Generator& gen);

}  // namespace rill::examples
