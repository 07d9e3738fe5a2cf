#include "examples/common/image_presets.h"

#include "data/cifar10.h"
#include "data/idx.h"
#include "tensor/error.h"

namespace rill::examples {

const std::vector<ImagePreset>& image_presets() {
  static const std::vector<ImagePreset> all = {
      {"mnist", "/usr/share/datasets/fashion-mnist", false, data::load_idx_folder},
      {"cifar10", "data/cifar-10-batches-bin", true, data::load_cifar10_folder},
  };
  return all;
}

std::vector<std::string> image_preset_names() {
  std::vector<std::string> names;
  for (const ImagePreset& p : image_presets()) names.push_back(p.name);
  return names;
}

const ImagePreset& image_preset_named(const std::string& name, const std::string& program) {
  for (const ImagePreset& p : image_presets())
    if (p.name == name) return p;
  throw Error(fmt::format("{}: unknown preset '{}'", program, name));
}

}  // namespace rill::examples
