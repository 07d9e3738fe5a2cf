// The NCCL communicator on CUDA tensors (built with RILL_NCCL). Needs one GPU per rank:
// started plainly it is one rank over the single-process host communicator; ctest also
// runs the "[nccl]" cases as `mpiexec -n 2` over MPI. Without enough GPUs every case
// ends as skipped.
#include "cuda/runtime.h"
#include "distributed/nccl_communicator.h"
#include "tests/distributed/dist_helpers.h"

using namespace rill;
using namespace rill::test;

namespace {

// The NCCL communicator of this process, made once; null when there are not enough GPUs
// (the reason in `why`).
std::shared_ptr<distributed::Communicator> nccl_world(std::string& why) {
  static std::string reason;
  static const std::shared_ptr<distributed::Communicator> world = [] {
    std::shared_ptr<distributed::Communicator> host = mpi_world();
    if (!host) host = distributed::init();
    const int gpus = cuda::device_count();
    if (gpus < host->size()) {  // every rank sees the same count here: they all skip
      reason = fmt::format("needs one GPU per rank: {} rank(s), {} GPU(s)", host->size(), gpus);
      return std::shared_ptr<distributed::Communicator>();
    }
    return distributed::init_nccl(host);
  }();
  why = reason;
  return world;
}

double triangle(int p) { return p * (p + 1) / 2.0; }

}  // namespace

#define RILL_NCCL_WORLD(comm)                                               \
  std::string why_;                                                         \
  const std::shared_ptr<distributed::Communicator> comm = nccl_world(why_); \
  if (!comm) RILL_SKIP(why_)

TEST_CASE("nccl: all_reduce_ Sum and Mean on CUDA tensors", "[nccl]") {
  RILL_NCCL_WORLD(comm);
  CHECK(comm->name() == "nccl");
  const int P = comm->size();
  for (DType dtype : {DType::Float32, DType::Float64}) {
    INFO(dtype_name(dtype));
    const Tensor x = ops::to(dyadic({5, 7}, dtype, comm->rank() + 1), Device::cuda());
    comm->all_reduce_(x, distributed::ReduceOp::Sum);
    require_close(x, values(dyadic({5, 7}, DType::Float64, triangle(P))), 0);
    const Tensor m = ops::to(dyadic({5, 7}, dtype, comm->rank() + 1), Device::cuda());
    comm->all_reduce_(m, distributed::ReduceOp::Mean);
    std::vector<double> mean = values(dyadic({5, 7}, DType::Float64, triangle(P)));
    for (double& v : mean) v /= P;
    require_close(m, mean, dtype == DType::Float32 ? 1e-6 : 1e-15);  // ncclAvg may scale instead of divide
  }
  const int64_t big = (int64_t{1} << 53) + 1;
  const Tensor i = tensor(std::vector<int64_t>{big + comm->rank(), 7}, {2}, Device::cuda());
  comm->all_reduce_(i);
  const std::vector<int64_t> got = i.to_vector<int64_t>();
  CHECK(got[0] == P * big + int64_t{P} * (P - 1) / 2);
  CHECK(got[1] == 7 * P);
  // A non-contiguous view: a contiguous copy is reduced and written back.
  const Tensor m = ops::to(dyadic({4, 6}, DType::Float64, comm->rank() + 1), Device::cuda());
  comm->all_reduce_(ops::transpose(m, 0, 1));
  require_close(m, values(dyadic({4, 6}, DType::Float64, triangle(P))), 0);
}

TEST_CASE("nccl: broadcast_ from the last rank and all_gather in rank order", "[nccl]") {
  RILL_NCCL_WORLD(comm);
  const int P = comm->size(), root = P - 1;
  const Tensor x = ops::to(dyadic({3, 5}, DType::Float32, comm->rank() == root ? 64 : -1), Device::cuda());
  comm->broadcast_(x, root);
  require_close(x, values(dyadic({3, 5}, DType::Float32, 64)), 0);

  const Tensor g =
      ops::to(ops::reshape(arange(100.0 * comm->rank(), 100.0 * comm->rank() + 6), {2, 3}), Device::cuda());
  const Tensor out = comm->all_gather(g);
  CHECK(out.shape() == Shape{P, 2, 3});
  CHECK(out.device() == Device::cuda());
  std::vector<double> expected;
  for (int r = 0; r < P; ++r)
    for (int e = 0; e < 6; ++e) expected.push_back(100.0 * r + e);
  require_close(out, expected, 0);
  comm->barrier();
}

TEST_CASE("nccl: CPU tensors and disagreeing calls are refused", "[nccl]") {
  RILL_NCCL_WORLD(comm);
  REQUIRE_ERROR(comm->all_reduce_(ones({2})),
                "all_reduce_: the nccl communicator takes cuda tensors, got a float32 "
                "tensor on cpu");
  if (comm->size() > 1)
    CHECK_THROWS_WITH(comm->all_gather(zeros({comm->rank() + 1}, Device::cuda())),
                      Catch::Contains("rank 0: all_gather(float32 [1]); rank 1: all_gather(float32 [2])"));
  comm->barrier();
}
