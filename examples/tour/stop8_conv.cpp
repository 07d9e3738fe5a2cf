// Stop 8: a convolution is a GEMM: im2col, one matrix product, and the same numbers.
#include "examples/tour/tour.h"
#include "tensor/elementwise.h"
#include "tensor/factory.h"
#include "tensor/image.h"
#include "tensor/linalg.h"
#include "tensor/reduce.h"
#include "tensor/shape.h"
#include "tensor/view.h"

namespace rill::tour {

void stop8_conv() {
  // tour:begin
  manual_seed(0);
  const Tensor x = randn({1, 2, 4, 4});       // one image, C = 2 channels, 4x4
  const Tensor w = randn({3, 2, 3, 3});       // F = 3 filters of 3x3
  Window2d window;
  window.kernel_h = window.kernel_w = 3, window.pad_h = window.pad_w = 1;
  const Tensor cols = ops::im2col(x, window);  // [1, C*3*3, Ho*Wo]: one column per output pixel
  const Tensor gemm = ops::matmul(ops::reshape(w, {3, 18}), ops::select(cols, 0, 0));  // [F, Ho*Wo]
  const Tensor conv = ops::conv2d(x, w, Tensor(), window);                           // [1, F, 4, 4]
  fmt::print("im2col: {} -> {}; weights as a matrix {}; product {}\n", shape_str(x.shape()),
             shape_str(cols.shape()), shape_str({3, 18}), shape_str(gemm.shape()));
  fmt::print("largest |conv2d - GEMM|: {:.1e}\n",
             ops::max(ops::abs(ops::sub(ops::reshape(conv, {3, 16}), gemm))).item());
  // tour:end
}

}  // namespace rill::tour
