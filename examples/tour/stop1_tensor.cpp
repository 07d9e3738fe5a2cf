// Stop 1: what a tensor is: storage, shape, strides, offset; views share the storage.
#include "examples/tour/tour.h"
#include "tensor/factory.h"
#include "tensor/format.h"
#include "tensor/shape.h"
#include "tensor/view.h"

namespace rill::tour {

void stop1_tensor() {
  // tour:begin
  Tensor a = ops::reshape(arange(6), {2, 3});  // [[0, 1, 2], [3, 4, 5]]
  Tensor b = ops::transpose(a, 0, 1);          // a view: the strides swap, no copy
  Tensor c = ops::select(a, 1, 2);             // column 2: offset 2, stride 3
  fmt::print("a: shape {} strides {} offset {}\n", shape_str(a.shape()), shape_str(a.strides()), a.offset());
  fmt::print("b: shape {} strides {} offset {}\n", shape_str(b.shape()), shape_str(b.strides()), b.offset());
  fmt::print("c: shape {} strides {} offset {}\n", shape_str(c.shape()), shape_str(c.strides()), c.offset());
  ops::fill_(c, -1);  // writes through the view into a's storage
  fmt::print("a after filling c with -1:\n{}\n", a);
  fmt::print("same storage: {}\n", a.storage() == b.storage() && a.storage() == c.storage());
  // tour:end
}

}  // namespace rill::tour
