#include "distributed/nccl_communicator.h"

#include <cstring>

#include "cuda/check.h"
#include "cuda/context.h"
#include "cuda/runtime.h"
#include "distributed/local_rank.h"
#include "tensor/factory.h"

namespace rill::distributed {

namespace {

// A failed NCCL call as rill::Error, with NCCL's text for the code and, when a
// communicator exists, its last detailed message.
void check(ncclResult_t result, const char* call, const char* op, ncclComm_t comm = nullptr) {
  if (result == ncclSuccess) return;
  const char* detail = comm != nullptr ? ncclGetLastError(comm) : ncclGetLastError(nullptr);
  throw Error(fmt::format("{}: {} failed: {}{}{}", op, call, ncclGetErrorString(result),
                          detail != nullptr && *detail != '\0' ? ": " : "", detail != nullptr ? detail : ""));
}

ncclDataType_t nccl_type(DType dtype) {
  switch (dtype) {
    case DType::Float32:
      return ncclFloat32;
    case DType::Float64:
      return ncclFloat64;
    case DType::Int64:
      return ncclInt64;
  }
  throw Error("nccl: unknown dtype");
}

// The unique id rank 0 made, on every rank: 128 bytes carried as 16 int64 by a
// broadcast_ on the host communicator.
ncclUniqueId shared_unique_id(Communicator& host) {
  static_assert(sizeof(ncclUniqueId) % sizeof(int64_t) == 0);
  constexpr int64_t kWords = sizeof(ncclUniqueId) / sizeof(int64_t);
  ncclUniqueId id{};
  if (host.rank() == 0) check(ncclGetUniqueId(&id), "ncclGetUniqueId", "init_nccl");
  std::vector<int64_t> words(kWords);
  std::memcpy(words.data(), &id, sizeof id);
  const Tensor t = tensor(words, {kWords});
  host.broadcast_(t, 0);
  std::memcpy(&id, t.data<int64_t>(), sizeof id);
  return id;
}

}  // namespace

NcclCommunicator::NcclCommunicator(std::shared_ptr<Communicator> host) : host_(std::move(host)) {
  RILL_CHECK(host_ != nullptr && host_->accepts(Device::cpu()),
             "init_nccl: the host communicator must take cpu tensors (it carries NCCL's id), got {}",
             host_ ? host_->name() : "none");
  // A rank without a GPU stops here, before NCCL is touched; the ranks that have one
  // then wait in the next collective until the launcher stops them (mpi_runtime.h).
  const int gpus = cuda::device_count();
  RILL_CHECK(gpus > 0, "init_nccl: rank {} sees no CUDA device ({})", rank(), cuda::device_description(0));
  const LocalRank local = local_rank(*host_);
  const ncclUniqueId id = shared_unique_id(*host_);
  RILL_CHECK(local.size <= gpus,
             "init_nccl: {} processes on this host but {} GPU(s): NCCL needs one GPU per process (start at most "
             "{} per host)",
             local.size, gpus, gpus);
  cuda_device_ = local.rank;
  int current = 0;
  RILL_CUDA_CHECK(cudaGetDevice(&current), "init_nccl");
  const cuda::MemoryStats memory = cuda::memory_stats();
  RILL_CHECK(current == cuda_device_ || memory.allocated_bytes + memory.cached_bytes == 0,
             "init_nccl: rank {} must use GPU {}, but CUDA tensors already exist on GPU {}: call init_nccl before "
             "creating any CUDA tensor",
             rank(), cuda_device_, current);
  RILL_CUDA_CHECK(cudaSetDevice(cuda_device_), "init_nccl");
  check(ncclCommInitRank(&comm_, size(), id, rank()), "ncclCommInitRank", "init_nccl");
}

NcclCommunicator::~NcclCommunicator() {
  if (comm_ != nullptr) ncclCommDestroy(comm_);
}

// x: contiguous on this GPU; summed (or averaged) in place across the ranks' GPUs.
void NcclCommunicator::all_reduce_contiguous(const Tensor& x, ReduceOp op) {
  check(ncclAllReduce(x.raw_data(), x.raw_data(), static_cast<size_t>(x.numel()), nccl_type(x.dtype()),
                      op == ReduceOp::Mean ? ncclAvg : ncclSum, comm_, cuda::stream()),
        "ncclAllReduce", "all_reduce_", comm_);
}

void NcclCommunicator::broadcast_contiguous(const Tensor& x, int root) {
  check(ncclBroadcast(x.raw_data(), x.raw_data(), static_cast<size_t>(x.numel()), nccl_type(x.dtype()), root, comm_,
                      cuda::stream()),
        "ncclBroadcast", "broadcast_", comm_);
}

// x: [...] with n elements; out: [P, ...], rank r's n elements at out[r].
void NcclCommunicator::all_gather_contiguous(const Tensor& x, const Tensor& out) {
  check(ncclAllGather(x.raw_data(), out.raw_data(), static_cast<size_t>(x.numel()), nccl_type(x.dtype()), comm_,
                      cuda::stream()),
        "ncclAllGather", "all_gather", comm_);
}

void NcclCommunicator::barrier_now() {
  cuda::synchronize();  // this rank's queued kernels and collectives are done...
  host_->barrier();     // ...and every rank has got here
}

}  // namespace rill::distributed
