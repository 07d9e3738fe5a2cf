// rill distributed — collectives over many tensors at once, in buckets: how a
// data-parallel trainer averages its gradients and broadcasts its parameters.
//
// A model's gradient is many tensors (the U-Net of docs/models.md: 148 tensors, from 1 to
// 73,728 floats, 4.25 MB in all). One all_reduce_ per tensor would pay the fixed cost of
// a collective (MPI latency, and rill's agreement record, communicator.h) 148 times per
// step. So the tensors are coalesced:
//
//   lay the tensors, in the order given, end to end in one long (virtual) flat vector;
//   cut it into buckets of at most bucket_bytes (a new bucket also starts where the
//   dtype or the device changes: one bucket is one flat buffer of one dtype);
//   per bucket:  pack    copy each tensor's piece into the bucket's contiguous buffer
//                reduce  ONE all_reduce_ (or broadcast_) on the buffer, in place
//                unpack  copy each piece back into its tensor
//
// A tensor larger than a bucket is split over several buckets, and a bucket holds
// pieces of as many tensors as fit: every element is sent exactly once, whatever the
// sizes. Example, tensors of 3, 5 and 2 float32 (40 bytes) with bucket_bytes = 16
// (4 floats): buckets [t0[0:3] t1[0:1]], [t1[1:5]], [t2[0:2]].
//
// All ranks must pass tensors of the same dtypes and shapes in the same order (the
// communicator's agreement check catches a mismatch per bucket, on every rank).
//
// Overlap with backward (not done, on purpose). PyTorch's DDP starts a bucket's
// all-reduce as soon as backward has produced all its gradients, so communication hides
// behind the rest of backward. Here it would not pay: the whole U-Net gradient (4.25 MB)
// is all-reduced between two processes on one machine in 2 to 4 ms (bench_data_parallel,
// bench/README.md), about 1% of a 0.27 s step at 32 rows per process, and on a 2-core
// machine a communication thread would take its core from the backward pass it should
// hide behind. The buckets are laid out so that overlap could be added (one bucket is
// one call), but the saving measured here would be below the run-to-run noise.
#pragma once

#include <cstdint>
#include <vector>

#include "distributed/communicator.h"

namespace rill::distributed {

// 25 MiB, the default of PyTorch's DDP. Without overlap, larger buckets only mean fewer
// calls; the price is one buffer of this size (the U-Net's gradient fits in one bucket).
inline constexpr int64_t kDefaultBucketBytes = int64_t{25} << 20;

// One piece of one tensor inside a bucket: elements [offset, offset + count) of tensor
// number `tensor` (flat, row-major) sit at [at, at + count) of the bucket's buffer.
struct BucketPiece {
  size_t tensor = 0;
  int64_t offset = 0, count = 0, at = 0;
};

struct Bucket {
  DType dtype = DType::Float32;
  Device device = Device::cpu();
  int64_t numel = 0;  // elements of the buffer: the sum of its pieces' counts
  std::vector<BucketPiece> pieces;
};

// The buckets for these tensors (the rule above). bucket_bytes >= the size of one
// element of each dtype (so that every bucket holds at least one element); tensors must
// be defined and contiguous. Empty tensors take no piece. Pure: no communication.
std::vector<Bucket> plan_buckets(const std::vector<Tensor>& tensors, int64_t bucket_bytes);

// What one call moved: how many buckets (= collectives) and how many bytes this rank
// sent into them (the sum of the buffers' sizes).
struct BucketStats {
  int64_t buckets = 0;
  int64_t bytes = 0;
};

// In place, on every rank: tensor k becomes the Sum (or Mean) over the ranks of their
// tensor k, exactly as all_reduce_ on each tensor would (the same additions, in a flat
// buffer). Collective.
BucketStats all_reduce_buckets_(Communicator& comm, const std::vector<Tensor>& tensors, ReduceOp op,
                                int64_t bucket_bytes = kDefaultBucketBytes);

// In place, on every rank: every tensor takes rank `root`'s values. Collective.
BucketStats broadcast_buckets_(Communicator& comm, const std::vector<Tensor>& tensors, int root,
                               int64_t bucket_bytes = kDefaultBucketBytes);

}  // namespace rill::distributed
