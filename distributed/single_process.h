// rill distributed — the communicator of a process that trains alone (P = 1): the
// default, with no dependency. Every collective keeps the values (a sum or mean over one
// rank is that rank's tensor, a broadcast from rank 0 is a no-op), all_gather returns a
// copy with a leading axis of size 1, barrier returns at once. Any device is accepted,
// and the base class's checks still run, so a program that is wrong for P ranks (Mean
// on int64, a root that is not rank 0) fails here already, with the same message.
#pragma once

#include "distributed/communicator.h"

namespace rill::distributed {

class SingleProcessCommunicator final : public Communicator {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  std::string name() const override { return "single-process"; }
  bool accepts(Device) const override { return true; }
  std::string accepted_devices() const override { return "tensors on any device"; }
  std::vector<CallRecord> exchange_records(const CallRecord& mine) override { return {mine}; }

 protected:
  void all_reduce_contiguous(const Tensor&, ReduceOp) override {}  // x / 1 == x
  void broadcast_contiguous(const Tensor&, int) override {}        // root is 0: this rank
  void all_gather_contiguous(const Tensor& x, const Tensor& out) override;
  void barrier_now() override {}
};

}  // namespace rill::distributed
