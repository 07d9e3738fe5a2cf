#include "distributed/buckets.h"

#include <algorithm>

#include "tensor/ops.h"

namespace rill::distributed {

std::vector<Bucket> plan_buckets(const std::vector<Tensor>& tensors, int64_t bucket_bytes) {
  std::vector<Bucket> buckets;
  for (size_t k = 0; k < tensors.size(); ++k) {
    const Tensor& t = tensors[k];
    RILL_CHECK(t.defined(), "plan_buckets: tensor {} of {} is undefined", k, tensors.size());
    RILL_CHECK(t.is_contiguous(), "plan_buckets: tensor {} ({} {}) is not contiguous: buckets copy flat pieces of it",
               k, t.dtype(), shape_str(t.shape()));
    const int64_t element = static_cast<int64_t>(t.element_size());
    RILL_CHECK(bucket_bytes >= element, "plan_buckets: a bucket of {} bytes cannot hold one {} element ({} bytes)",
               bucket_bytes, t.dtype(), element);
    const int64_t capacity = bucket_bytes / element;  // elements per bucket for this dtype
    // Walk the tensor's elements, filling the open bucket, opening a new one when it is
    // full or holds another dtype or device.
    for (int64_t offset = 0; offset < t.numel();) {
      if (buckets.empty() || buckets.back().numel == capacity || buckets.back().dtype != t.dtype() ||
          buckets.back().device != t.device())
        buckets.push_back({t.dtype(), t.device(), 0, {}});
      Bucket& b = buckets.back();
      const int64_t count = std::min(capacity - b.numel, t.numel() - offset);
      b.pieces.push_back({k, offset, count, b.numel});
      b.numel += count;
      offset += count;
    }
  }
  return buckets;
}

namespace {

// t viewed as one flat row, elements [offset, offset + count): a view, no copy (t is contiguous).
Tensor flat_piece(const Tensor& t, int64_t offset, int64_t count) {
  return ops::narrow(ops::view(t, {t.numel()}), 0, offset, count);
}

// Pack, run `collective` on the bucket's buffer, unpack; for every bucket of the plan.
template <typename F>
BucketStats over_buckets(const std::vector<Tensor>& tensors, int64_t bucket_bytes, F&& collective) {
  BucketStats stats;
  for (const Bucket& b : plan_buckets(tensors, bucket_bytes)) {
    const Tensor buffer = Tensor::empty({b.numel}, {b.dtype, b.device});
    for (const BucketPiece& p : b.pieces)
      ops::copy_(ops::narrow(buffer, 0, p.at, p.count), flat_piece(tensors[p.tensor], p.offset, p.count));
    collective(buffer);
    for (const BucketPiece& p : b.pieces)
      ops::copy_(flat_piece(tensors[p.tensor], p.offset, p.count), ops::narrow(buffer, 0, p.at, p.count));
    stats.buckets += 1;
    stats.bytes += b.numel * static_cast<int64_t>(buffer.element_size());
  }
  return stats;
}

}  // namespace

BucketStats all_reduce_buckets_(Communicator& comm, const std::vector<Tensor>& tensors, ReduceOp op,
                                int64_t bucket_bytes) {
  return over_buckets(tensors, bucket_bytes, [&](const Tensor& buffer) { comm.all_reduce_(buffer, op); });
}

BucketStats broadcast_buckets_(Communicator& comm, const std::vector<Tensor>& tensors, int root, int64_t bucket_bytes) {
  return over_buckets(tensors, bucket_bytes, [&](const Tensor& buffer) { comm.broadcast_(buffer, root); });
}

}  // namespace rill::distributed
