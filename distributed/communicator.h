// rill distributed — a communicator: the processes of one job, and collectives on tensors.
//
// P processes ("ranks" 0..P-1) each run the same program. A collective is a call that
// every rank makes, in the same order, with a tensor of the same dtype and shape; it
// returns when this rank's part is done. With x_r the tensor rank r passes:
//
//   all_reduce_(x, Sum)   every rank's x becomes  x_0 + x_1 + ... + x_{P-1}      (in place)
//   all_reduce_(x, Mean)  every rank's x becomes (x_0 + ... + x_{P-1}) / P       (floating only)
//   broadcast_(x, root)   every rank's x becomes  x_root                          (in place)
//   all_gather(x)         returns [P, ...x.shape] with out[r] = x_r on every rank: a NEW
//                         leading axis, in rank order (flatten(out, 0, 1) for the
//                         concatenation along the first axis, a view, no copy)
//   barrier()             returns only when every rank has called it
//
// Three implementations (one file each): SingleProcessCommunicator (P = 1, the default),
// MpiCommunicator (CPU tensors, over Open MPI), NcclCommunicator (CUDA tensors, on rill's
// stream). distributed/init.h picks one for the way the process was started.
//
// What the base class guarantees, for every implementation:
//  * Local checks first, naming the op: a defined tensor, on a device this communicator
//    handles, float32/float64/int64 (all of rill's dtypes); in-place collectives refuse
//    views with overlapping elements (stride 0); Mean needs a floating dtype.
//  * Then an agreement: before any data moves, the ranks exchange a 16-number record
//    of the call (which collective, dtype, shape, op or root; call_record.h) and compare
//    them. A mismatch (rank 0 passes [4, 3], rank 1 [5, 3]; rank 0 broadcasts from 0,
//    rank 1 from 1; rank 0 calls all_reduce_ while rank 1 calls all_gather) throws the
//    same rill::Error on EVERY rank, naming each rank's call, and no data moves: the
//    ranks stay in step and the error can be caught. Without it, MPI and NCCL would
//    hang, crash or silently mix bytes. The cost: one small all-gather (16 int64 per
//    rank) per collective, a few microseconds, noise next to a gradient bucket.
//    (all_gather of tensors whose first axes differ per rank is refused this way; pad
//    them to one size, or all_gather the sizes first.)
//  * Non-contiguous tensors work: the collective runs on a contiguous copy, copied back
//    for in-place ones. A contiguous tensor (a coalesced gradient bucket) is sent and
//    received in place, without any copy: that is the fast path.
//
// A check that fails on one rank only (a CUDA tensor given to MPI on rank 1) throws on
// that rank alone; the others wait in the agreement until the launcher stops them when
// that rank exits (see "When a rank dies" in mpi_runtime.h).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "distributed/call_record.h"
#include "tensor/tensor.h"

namespace rill::distributed {

class Communicator {
 public:
  virtual ~Communicator() = default;
  Communicator() = default;
  Communicator(const Communicator&) = delete;
  Communicator& operator=(const Communicator&) = delete;

  virtual int rank() const = 0;          // this process, 0..size()-1
  virtual int size() const = 0;          // P, the number of processes
  virtual std::string name() const = 0;  // "single-process", "mpi", "nccl"
  // Whether this communicator's collectives take tensors on `device`, and the words
  // for what it takes ("cpu tensors"), for error messages.
  virtual bool accepts(Device device) const = 0;
  virtual std::string accepted_devices() const = 0;

  // The collectives (semantics in the comment at the top). In-place ones take const
  // Tensor& like ops::copy_: the handle stays, its elements change.
  void all_reduce_(const Tensor& x, ReduceOp op = ReduceOp::Sum);
  void broadcast_(const Tensor& x, int root);
  Tensor all_gather(const Tensor& x);
  void barrier();

  // Every rank's record of the call it is entering, in rank order (the agreement step
  // above). Public so that a communicator can run its agreement on another one: NCCL
  // agrees over its host (MPI) communicator, without waiting for the GPU.
  virtual std::vector<CallRecord> exchange_records(const CallRecord& mine) = 0;

 protected:
  // The data movers, called after every check passed on every rank, with a contiguous
  // tensor of at least one element on an accepted device.
  virtual void all_reduce_contiguous(const Tensor& x, ReduceOp op) = 0;
  virtual void broadcast_contiguous(const Tensor& x, int root) = 0;
  // out: [P, ...x.shape], contiguous, same dtype and device as x.
  virtual void all_gather_contiguous(const Tensor& x, const Tensor& out) = 0;
  virtual void barrier_now() = 0;

 private:
  void check_tensor(std::string_view op, const Tensor& x, bool in_place) const;
  void agree(std::string_view op, const CallRecord& mine);
};

}  // namespace rill::distributed
