// rill examples — the image datasets the programs know by name (--preset), shared by
// image_flow and judge.
//   mnist    IDX files (MNIST or Fashion-MNIST; .gz or raw), 1x28x28, default folder
//            /usr/share/datasets/fashion-mnist (Debian's dataset-fashion-mnist)
//   cifar10  the CIFAR-10 binary batches, 3x32x32, random horizontal flips in training
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "data/image_dataset.h"

namespace rill::examples {

struct ImagePreset {
  std::string name, data;  // the name, the default folder
  bool hflip;              // training augmentation
  std::function<data::ImageDataset(const std::string& folder, const std::string& split)> load;
};

const std::vector<ImagePreset>& image_presets();
std::vector<std::string> image_preset_names();
// Throws for an unknown name, naming `program`.
const ImagePreset& image_preset_named(const std::string& name, const std::string& program);

}  // namespace rill::examples
