// rill distributed — the communicator over MPI (Open MPI): CPU tensors, one process per
// rank, started by `mpirun -n P program`. Built only when CMake found MPI (RILL_MPI).
//
// It works on its own duplicate of MPI_COMM_WORLD (MPI_Comm_dup): rill's messages never
// mix with those of other code using MPI in the same program, and the error handler set
// on it, MPI_ERRORS_RETURN, stays rill's business. With it, a failing MPI call returns a
// code instead of killing the job, and rill turns it into a rill::Error carrying MPI's
// own message (mpi_runtime.h).
//
// Each collective is one blocking MPI call on the tensor's memory, in place (MPI_IN_PLACE
// for the all-reduce): the call returns when this rank's part is done. MPI counts
// elements in an int, so a buffer of more than 2^30 elements is reduced or broadcast in
// chunks of 2^30; all_gather refuses more than 2^31 - 1 elements per rank.
#pragma once

#include <mpi.h>

#include "distributed/communicator.h"

namespace rill::distributed {

class MpiCommunicator final : public Communicator {
 public:
  // Starts MPI if nobody has (mpi_runtime.h), then duplicates MPI_COMM_WORLD: every
  // rank must construct its MpiCommunicators in the same order (MPI_Comm_dup is collective).
  MpiCommunicator();
  ~MpiCommunicator() override;

  int rank() const override { return rank_; }
  int size() const override { return size_; }
  std::string name() const override { return "mpi"; }
  bool accepts(Device device) const override { return device.is_cpu(); }
  std::string accepted_devices() const override {
    return "cpu tensors (move CUDA tensors to the cpu, or use init_nccl)";
  }
  std::vector<CallRecord> exchange_records(const CallRecord& mine) override;

  // The MPI communicator underneath (for tests, and for code that needs plain MPI).
  MPI_Comm handle() const { return comm_; }

 protected:
  void all_reduce_contiguous(const Tensor& x, ReduceOp op) override;
  void broadcast_contiguous(const Tensor& x, int root) override;
  void all_gather_contiguous(const Tensor& x, const Tensor& out) override;
  void barrier_now() override;

 private:
  MPI_Comm comm_ = MPI_COMM_NULL;
  int rank_ = 0;
  int size_ = 1;
};

}  // namespace rill::distributed
