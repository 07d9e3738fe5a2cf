// rill examples — flow matching on images, shared by the mnist and cifar10 programs:
// options, the training loop with EMA and checkpoints, and guided sampling.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "nn/data/images.h"

namespace rill::examples {

struct ImageOptions {
  std::string program, out, data, path = "ot", solver = "euler", schedule = "cosine", device = "cpu";
  int64_t steps = 2000, batch = 64, samples = 100, nfe = 50, seed = 0, save_every = 250, stop_after = 0, limit = 0, base = 32, bpd = 0;
  int threads = 0;
  double lr = 2e-4, rtol = 1e-4, atol = 1e-4, ema = 0.999, cfg_scale = 2.0, label_dropout = 0.1, sigma = 0.0;
  bool conditional = false, resume = false, sample_only = false, hflip = false;
};

// Adds the shared flags to app (defaults from `o`).
void add_image_options(CLI::App& app, ImageOptions& o);

// Loads the data with the caller's reader (split "train" or "test"), trains, samples,
// optionally measures bits/dim on test images; returns the exit code.
int run_image_flow(const ImageOptions& o, const std::function<nn::data::ImageDataset(const std::string& split)>& load);

}  // namespace rill::examples
