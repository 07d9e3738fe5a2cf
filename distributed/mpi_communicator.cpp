#include "distributed/mpi_communicator.h"

#include <algorithm>
#include <climits>

#include "distributed/mpi_runtime.h"
#include "tensor/cpu/parallel.h"  // parallel_chunks: MPI tensors are CPU tensors

namespace rill::distributed {

namespace {

MPI_Datatype mpi_type(DType dtype) {
  switch (dtype) {
    case DType::Float32:
      return MPI_FLOAT;
    case DType::Float64:
      return MPI_DOUBLE;
    case DType::Int64:
      return MPI_INT64_T;
  }
  throw Error("mpi: unknown dtype");
}

// The most elements one MPI call moves here: MPI counts in int; 2^30 keeps every
// chunk's count, and its byte size in float32, far from the limit.
constexpr int64_t kChunk = int64_t{1} << 30;

// call(pointer, count) over [0, n) in chunks of at most kChunk elements.
template <typename F>
void in_chunks(const Tensor& x, F&& call) {
  char* base = static_cast<char*>(x.raw_data());
  for (int64_t start = 0; start < x.numel(); start += kChunk) {
    const int64_t count = std::min(kChunk, x.numel() - start);
    call(base + start * static_cast<int64_t>(x.element_size()), static_cast<int>(count));
  }
}

}  // namespace

MpiCommunicator::MpiCommunicator() {
  mpi::ensure_initialized();
  mpi::check(MPI_Comm_dup(MPI_COMM_WORLD, &comm_), "MPI_Comm_dup", "mpi");
  mpi::check(MPI_Comm_set_errhandler(comm_, MPI_ERRORS_RETURN), "MPI_Comm_set_errhandler", "mpi");
  mpi::check(MPI_Comm_rank(comm_, &rank_), "MPI_Comm_rank", "mpi");
  mpi::check(MPI_Comm_size(comm_, &size_), "MPI_Comm_size", "mpi");
}

MpiCommunicator::~MpiCommunicator() {
  // After MPI_Finalize (a communicator that outlives main) there is nothing to free.
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (!finalized && comm_ != MPI_COMM_NULL) MPI_Comm_free(&comm_);
}

std::vector<CallRecord> MpiCommunicator::exchange_records(const CallRecord& mine) {
  std::vector<CallRecord> all(size_);
  static_assert(sizeof(CallRecord) == CallRecord::kFields * sizeof(int64_t));
  mpi::check(MPI_Allgather(mine.fields.data(), CallRecord::kFields, MPI_INT64_T, all.data(), CallRecord::kFields,
                           MPI_INT64_T, comm_),
             "MPI_Allgather", "agreement before a collective");
  return all;
}

// x: any shape, contiguous, on the CPU. Sums in place (MPI_IN_PLACE); Mean then divides
// by P here (MPI has no mean), by a true division so that a mean of exact values is the
// same double a reference computes as sum / P.
void MpiCommunicator::all_reduce_contiguous(const Tensor& x, ReduceOp op) {
  in_chunks(x, [&](void* data, int count) {
    mpi::check(MPI_Allreduce(MPI_IN_PLACE, data, count, mpi_type(x.dtype()), MPI_SUM, comm_), "MPI_Allreduce",
               "all_reduce_");
  });
  if (op != ReduceOp::Mean) return;
  dispatch_float(x.dtype(), "all_reduce_", [&]<typename T>() {
    T* v = x.data<T>();
    const T p = static_cast<T>(size_);
    parallel_chunks(x.numel(), [v, p](long begin, long end) {
      for (long i = begin; i < end; ++i) v[i] /= p;
    });
  });
}

void MpiCommunicator::broadcast_contiguous(const Tensor& x, int root) {
  in_chunks(x, [&](void* data, int count) {
    mpi::check(MPI_Bcast(data, count, mpi_type(x.dtype()), root, comm_), "MPI_Bcast", "broadcast_");
  });
}

// x: [...] with n elements; out: [P, ...], rank r's n elements at out[r].
void MpiCommunicator::all_gather_contiguous(const Tensor& x, const Tensor& out) {
  RILL_CHECK(x.numel() <= INT_MAX,
             "all_gather: {} {} has {} elements per rank, more than an MPI count can hold (2^31 - 1): gather "
             "it in parts",
             x.dtype(), shape_str(x.shape()), x.numel());
  const int n = static_cast<int>(x.numel());
  mpi::check(MPI_Allgather(x.raw_data(), n, mpi_type(x.dtype()), out.raw_data(), n, mpi_type(x.dtype()), comm_),
             "MPI_Allgather", "all_gather");
}

void MpiCommunicator::barrier_now() { mpi::check(MPI_Barrier(comm_), "MPI_Barrier", "barrier"); }

}  // namespace rill::distributed
