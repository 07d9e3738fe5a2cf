// Errors under MPI: calls that differ between ranks fail on every rank with the same
// message and leave the ranks in step; MPI's own errors come back as rill::Error.
#include "tests/distributed/dist_helpers.h"
#ifdef RILL_WITH_MPI
#include "distributed/mpi_communicator.h"
#include "distributed/mpi_runtime.h"
#endif

using namespace rill;
using namespace rill::test;

namespace {

// After a refused call the ranks must still be in step: a plain all-reduce must work.
void check_still_in_step(distributed::Communicator& comm) {
  const Tensor one = ones({1}, DType::Int64);
  comm.all_reduce_(one);
  CHECK(one.item() == comm.size());
}

}  // namespace

TEST_CASE("mpi: all_gather of different shapes fails on every rank, naming each rank's shape", "[mpi]") {
  RILL_MPI_WORLD(comm);
  if (comm->size() == 1) RILL_SKIP("needs two ranks");
  // rank r: [r + 1, 3]
  CHECK_THROWS_WITH(comm->all_gather(zeros({comm->rank() + 1, 3}, DType::Float64)),
                    Catch::Contains("all_gather: the ranks made different calls: rank 0: all_gather(float64 [1, 3]); "
                                    "rank 1: all_gather(float64 [2, 3])") &&
                        Catch::Contains("the same dtype and shape"));
  check_still_in_step(*comm);
}

TEST_CASE("mpi: all_reduce_ with different sizes, dtypes or ops fails on every rank", "[mpi]") {
  RILL_MPI_WORLD(comm);
  if (comm->size() == 1) RILL_SKIP("needs two ranks");
  const bool first = comm->rank() == 0;
  CHECK_THROWS_WITH(comm->all_reduce_(zeros({first ? 1000 : 1024})),
                    Catch::Contains("rank 0: all_reduce_(float32 [1000], Sum); rank") &&
                        Catch::Contains("all_reduce_(float32 [1024], Sum)"));
  CHECK_THROWS_WITH(
      comm->all_reduce_(zeros({8}, first ? DType::Float32 : DType::Float64)),
      Catch::Contains("rank 0: all_reduce_(float32 [8], Sum)") && Catch::Contains("all_reduce_(float64 [8], Sum)"));
  CHECK_THROWS_WITH(comm->all_reduce_(zeros({8}), first ? distributed::ReduceOp::Sum : distributed::ReduceOp::Mean),
                    Catch::Contains("all_reduce_(float32 [8], Mean)"));
  check_still_in_step(*comm);
}

TEST_CASE("mpi: different collectives or roots fail on every rank", "[mpi]") {
  RILL_MPI_WORLD(comm);
  if (comm->size() == 1) RILL_SKIP("needs two ranks");
  const Tensor x = zeros({4}, DType::Int64);
  // Rank 0 reduces while the others broadcast: each rank's message starts with its own op.
  const std::string mine = comm->rank() == 0 ? "all_reduce_: " : "broadcast_: ";
  CHECK_THROWS_WITH(comm->rank() == 0 ? comm->all_reduce_(x) : comm->broadcast_(x, 0),
                    Catch::StartsWith(mine + "the ranks made different calls: rank 0: all_reduce_(int64 [4], Sum); "
                                             "rank") &&
                        Catch::Contains("broadcast_(int64 [4], root 0)"));
  CHECK_THROWS_WITH(comm->broadcast_(x, comm->rank()),
                    Catch::Contains("rank 0: broadcast_(int64 [4], root 0); rank 1: broadcast_(int64 [4], root 1)"));
  CHECK_THROWS_WITH(comm->rank() == 0 ? comm->barrier() : comm->all_reduce_(x),
                    Catch::Contains("rank 0: barrier(); rank"));
  check_still_in_step(*comm);
}

TEST_CASE("mpi: local errors are the same as for one process", "[mpi]") {
  RILL_MPI_WORLD(comm);
  REQUIRE_ERROR(comm->all_reduce_(ones({2}, DType::Int64), distributed::ReduceOp::Mean),
                "all_reduce_: distributed::ReduceOp::Mean needs a floating dtype");
  REQUIRE_ERROR(comm->broadcast_(ones({2}), comm->size()),
                fmt::format("broadcast_: root {} is not a rank of this mpi communicator (ranks 0..{})", comm->size(),
                            comm->size() - 1));
  REQUIRE_ERROR(comm->all_reduce_(ops::expand(ones({1}), {3})), "overlapping elements");
  CHECK(!comm->accepts(Device::cuda()));
  CHECK(comm->accepted_devices() == "cpu tensors (move CUDA tensors to the cpu, or use init_nccl)");
  check_still_in_step(*comm);
}

#ifdef RILL_WITH_MPI
TEST_CASE("mpi: an MPI error returns (MPI_ERRORS_RETURN) and becomes a rill::Error with MPI's message", "[mpi]") {
  RILL_MPI_WORLD(comm);
  auto& mpi = dynamic_cast<distributed::MpiCommunicator&>(*comm);
  // A broadcast from a root that does not exist: every rank's MPI refuses it before any
  // message, and, with MPI_ERRORS_RETURN on rill's communicator, says so by a code.
  int value = 0;
  const int code = MPI_Bcast(&value, 1, MPI_INT, comm->size(), mpi.handle());
  REQUIRE(code != MPI_SUCCESS);
  REQUIRE_ERROR(distributed::mpi::check(code, "MPI_Bcast", "broadcast_"), "broadcast_: MPI_Bcast failed: MPI_ERR_ROOT");
  REQUIRE_ERROR(distributed::mpi::check(MPI_ERR_COUNT, "MPI_Allreduce", "all_reduce_"),
                "all_reduce_: MPI_Allreduce failed: MPI_ERR_COUNT: invalid count argument");
  distributed::mpi::check(MPI_SUCCESS, "MPI_Barrier", "barrier");  // no throw
  check_still_in_step(*comm);
}
#endif
