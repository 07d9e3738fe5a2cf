// Stop 5: the U-Net: its parameter count, and its output for a batch of images.
#include "examples/tour/tour.h"
#include "nn/unet.h"
#include "tensor/elementwise.h"
#include "tensor/factory.h"
#include "tensor/reduce.h"
#include "tensor/shape.h"

namespace rill::tour {

void stop5_unet() {
  // tour:begin
  manual_seed(0);
  nn::UNet unet;  // docs/models.md at the defaults: 28x28 images with one channel
  fmt::print("UNet(): {} parameters in {} tensors\n", unet.num_parameters(), unet.named_parameters().size());
  Tensor x = randn({2, 1, 28, 28}), t = tensor({0.25f, 0.75f});
  Tensor v = unet(t, x);  // the velocity at (t, x), one image per time
  fmt::print("v: shape {}, largest |v| {} (the last conv starts at zero)\n", shape_str(v.shape()),
             ops::max(ops::abs(v)).item());
  // tour:end
}

}  // namespace rill::tour
