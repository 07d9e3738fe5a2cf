// rill distributed — the communicator over NCCL: CUDA tensors, one GPU per process.
// Built only with the CUDA backend and NCCL found (RILL_NCCL); make it with init_nccl().
//
// Bootstrap. NCCL ranks find each other through a 128-byte ncclUniqueId that rank 0
// makes (ncclGetUniqueId) and every other rank must receive: it travels by a broadcast_
// on the host communicator (MPI under mpirun: an MPI_Bcast; single-process for P = 1).
//
// Device. Each process drives the GPU of its local rank (local_rank.h): the constructor
// calls cudaSetDevice(local rank), so that rill's CUDA backend, which works on "cuda:0",
// the current device, runs this process's tensors on that GPU. Make the communicator
// before any CUDA tensor exists: rill's stream and allocator are bound to the device
// that was current when they were first used (the constructor refuses otherwise).
//
// Streams. Every collective is queued on rill's CUDA stream (cuda/context.h), after the
// kernels that produced the tensor and before those that read it; the host does not
// wait: x holds the result for every later kernel and host copy. Mean is NCCL's ncclAvg.
// barrier() waits for this rank's queued GPU work, then for every rank.
//
// Agreement (communicator.h) runs over the host communicator, on the CPU, so checking a
// call never waits for the GPU.
//
// A peer that dies in the middle of a collective leaves NCCL kernels waiting; the MPI
// launcher then kills every process of the job (mpi_runtime.h, "When a rank dies").
#pragma once

#include <nccl.h>

#include <memory>

#include "distributed/communicator.h"

namespace rill::distributed {

class NcclCommunicator final : public Communicator {
 public:
  // Collective over `host` (a CPU communicator over the same processes: ranks and size
  // are the host's).
  explicit NcclCommunicator(std::shared_ptr<Communicator> host);
  ~NcclCommunicator() override;

  int rank() const override { return host_->rank(); }
  int size() const override { return host_->size(); }
  std::string name() const override { return "nccl"; }
  bool accepts(Device device) const override { return device.is_cuda(); }
  std::string accepted_devices() const override { return "cuda tensors"; }
  std::vector<CallRecord> exchange_records(const CallRecord& mine) override { return host_->exchange_records(mine); }

  int cuda_device() const { return cuda_device_; }  // the GPU (CUDA's numbering on this host)

 protected:
  void all_reduce_contiguous(const Tensor& x, ReduceOp op) override;
  void broadcast_contiguous(const Tensor& x, int root) override;
  void all_gather_contiguous(const Tensor& x, const Tensor& out) override;
  void barrier_now() override;

 private:
  std::shared_ptr<Communicator> host_;
  ncclComm_t comm_ = nullptr;
  int cuda_device_ = 0;
};

}  // namespace rill::distributed
