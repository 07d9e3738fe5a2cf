// mnist — flow matching on MNIST or Fashion-MNIST (IDX files) with the U-Net of MODELS.md.
//
//   ./build/examples/mnist --data /usr/share/datasets/fashion-mnist --steps 2000
//   ./build/examples/mnist --data DIR --conditional --cfg-scale 2
//
// Writes into --out: config.json, metrics.csv, checkpoint.safetensors (resumable),
// model.safetensors (EMA weights), samples.png (10 x 10 grid; one row per class when
// conditional), samples.npy (pixel scale 0..255), labels.npy, metrics.json.
#include "examples/common/flags.h"
#include "examples/common/image_flow.h"

using namespace rill;

int main(int argc, char** argv) {
  examples::ImageOptions o;
  o.program = "mnist", o.out = "runs/mnist", o.data = "/usr/share/datasets/fashion-mnist";
  CLI::App app{"mnist: train a flow-matching U-Net on MNIST / Fashion-MNIST and sample it (rill)"};
  examples::add_image_options(app, o);
  return examples::program_main("mnist", app, argc, argv, [&] {
    return examples::run_image_flow(o, [&](const std::string& split) { return nn::data::load_idx_folder(o.data, split); });
  });
}
