// Stop 2: one op from the call to the result: checks, broadcasting (a stride of 0), errors.
#include "examples/tour/tour.h"
#include "tensor/elementwise.h"
#include "tensor/error.h"
#include "tensor/factory.h"
#include "tensor/format.h"
#include "tensor/shape.h"
#include "tensor/view.h"

namespace rill::tour {

void stop2_op() {
  // tour:begin
  Tensor m = ops::reshape(arange(6), {2, 3});
  Tensor row = tensor({10.f, 20.f, 30.f});  // [3]
  // Broadcasting is a view: the row expanded to [2, 3] repeats through a stride of 0.
  Tensor expanded = ops::expand(row, {2, 3});
  fmt::print("row expanded: shape {} strides {}\n", shape_str(expanded.shape()), shape_str(expanded.strides()));
  fmt::print("m + row:\n{}\n", ops::add(m, row));
  try {
    ops::add(m, tensor({1.f, 2.f}));  // [2, 3] + [2]: the last axes differ
  } catch (const Error& e) {
    fmt::print("error: {}\n", e.what());
  }
  // tour:end
}

}  // namespace rill::tour
