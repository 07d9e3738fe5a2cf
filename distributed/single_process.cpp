#include "distributed/single_process.h"

#include "tensor/ops.h"

namespace rill::distributed {

// x: [...], out: [1, ...]: out[0] = x.
void SingleProcessCommunicator::all_gather_contiguous(const Tensor& x, const Tensor& out) {
  ops::copy_(ops::select(out, 0, 0), x);
}

}  // namespace rill::distributed
