// cifar10 — flow matching on CIFAR-10 (binary version) with the 3-channel U-Net.
//
//   ./build/examples/cifar10 --data DIR/cifar-10-batches-bin --steps 5000
//
// Random horizontal flips augment the data. Outputs as mnist (see mnist.cpp).
#include "examples/common/flags.h"
#include "examples/common/image_flow.h"

using namespace rill;

int main(int argc, char** argv) {
  examples::ImageOptions o;
  o.program = "cifar10", o.out = "runs/cifar10", o.data = "data/cifar-10-batches-bin", o.hflip = true;
  CLI::App app{"cifar10: train a flow-matching U-Net on CIFAR-10 and sample it (rill)"};
  examples::add_image_options(app, o);
  return examples::program_main("cifar10", app, argc, argv, [&] {
    return examples::run_image_flow(o, [&](const std::string& split) { return nn::data::load_cifar10_folder(o.data, split); });
  });
}
