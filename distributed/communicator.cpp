#include "distributed/communicator.h"

#include "tensor/ops.h"

namespace rill::distributed {

namespace {

// Runs `move` on x itself when it is contiguous (no copy: the fast path for a gradient
// bucket), else on a contiguous copy that is then copied back into the view x.
template <typename F>
void on_contiguous(const Tensor& x, F&& move) {
  if (x.is_contiguous()) {
    move(x);
    return;
  }
  const Tensor c = ops::contiguous(x);
  move(c);
  ops::copy_(x, c);
}

}  // namespace

void Communicator::check_tensor(std::string_view op, const Tensor& x, bool in_place) const {
  RILL_CHECK(x.defined(), "{}: undefined tensor", op);
  RILL_CHECK(accepts(x.device()), "{}: the {} communicator takes {}, got a {} tensor on {}", op, name(),
             accepted_devices(), x.dtype(), x.device());
  if (!in_place) return;
  // An expanded view shows one element at several indices: each would receive another
  // result, and which one lands is undefined.
  for (int64_t d = 0; d < x.dim(); ++d)
    RILL_CHECK(x.stride(d) != 0 || x.size(d) <= 1,
               "{}: the {} tensor {} has overlapping elements (stride 0 along axis {}, an expanded view): an "
               "in-place result would be ambiguous; pass ops::contiguous(x) and use the result",
               op, x.dtype(), shape_str(x.shape()), d);
}

void Communicator::agree(std::string_view op, const CallRecord& mine) {
  check_records_agree(op, exchange_records(mine));
}

void Communicator::all_reduce_(const Tensor& x, ReduceOp op) {
  check_tensor("all_reduce_", x, /*in_place=*/true);
  RILL_CHECK(
      op == ReduceOp::Sum || is_floating(x.dtype()),
      "all_reduce_: distributed::ReduceOp::Mean needs a floating dtype (float32 or float64), got {} {}: reduce with "
      "Sum and divide as your integers need",
      x.dtype(), shape_str(x.shape()));
  agree("all_reduce_", CallRecord::of(Collective::AllReduce, x, static_cast<int64_t>(op)));
  if (x.numel() == 0) return;
  on_contiguous(x, [&](const Tensor& c) { all_reduce_contiguous(c, op); });
}

void Communicator::broadcast_(const Tensor& x, int root) {
  check_tensor("broadcast_", x, /*in_place=*/true);
  RILL_CHECK(root >= 0 && root < size(), "broadcast_: root {} is not a rank of this {} communicator (ranks 0..{})",
             root, name(), size() - 1);
  agree("broadcast_", CallRecord::of(Collective::Broadcast, x, root));
  if (x.numel() == 0) return;
  on_contiguous(x, [&](const Tensor& c) { broadcast_contiguous(c, root); });
}

Tensor Communicator::all_gather(const Tensor& x) {
  check_tensor("all_gather", x, /*in_place=*/false);
  agree("all_gather", CallRecord::of(Collective::AllGather, x, 0));
  Shape shape = x.shape();
  shape.insert(shape.begin(), size());  // [P, ...x.shape]
  const Tensor out = Tensor::empty(shape, x.options());
  if (x.numel() > 0) all_gather_contiguous(ops::contiguous(x), out);
  return out;
}

void Communicator::barrier() {
  agree("barrier", CallRecord::barrier());
  barrier_now();
}

}  // namespace rill::distributed
