// Choosing the communicator: from the launcher's environment and the build.
#include <cstdlib>

#include "distributed/call_record.h"
#include "tests/distributed/dist_helpers.h"

using namespace rill;
using namespace rill::test;
using distributed::choose_communicator;
using distributed::CommunicatorKind;

namespace {

// Sets an environment variable for one scope, then restores it.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    const char* old = std::getenv(name);
    had_ = old != nullptr;
    if (had_) old_ = old;
    if (value)
      ::setenv(name, value, 1);
    else
      ::unsetenv(name);
  }
  ~ScopedEnv() {
    if (had_)
      ::setenv(name_.c_str(), old_.c_str(), 1);
    else
      ::unsetenv(name_.c_str());
  }

 private:
  std::string name_, old_;
  bool had_ = false;
};

}  // namespace

TEST_CASE("init: MPI under a launcher when built, else single-process, and an error for P > 1 without MPI",
          "[distributed]") {
  CHECK(choose_communicator(0, true) == CommunicatorKind::SingleProcess);
  CHECK(choose_communicator(0, false) == CommunicatorKind::SingleProcess);
  CHECK(choose_communicator(1, false) == CommunicatorKind::SingleProcess);
  CHECK(choose_communicator(1, true) == CommunicatorKind::Mpi);
  CHECK(choose_communicator(4, true) == CommunicatorKind::Mpi);
  REQUIRE_ERROR(
      choose_communicator(4, false),
      "init: this process was started by an MPI launcher with 4 processes, but this build of rill has no MPI");
}

TEST_CASE("init: the launcher's process count is read from OMPI_COMM_WORLD_SIZE, then PMI_SIZE", "[distributed]") {
  if (distributed::launcher_size() > 0) RILL_SKIP("started by a launcher: this case changes its variables");
  {
    ScopedEnv pmi("PMI_SIZE", "3");
    CHECK(distributed::launcher_size() == 3);
    ScopedEnv ompi("OMPI_COMM_WORLD_SIZE", "5");
    CHECK(distributed::launcher_size() == 5);
  }
  CHECK(distributed::launcher_size() == 0);
  ScopedEnv bad("PMI_SIZE", "many");
  REQUIRE_ERROR(distributed::launcher_size(), "init: PMI_SIZE=many is not a process count");
}

TEST_CASE("init: started plainly, the communicator is single-process", "[distributed]") {
  if (distributed::launcher_size() > 0) RILL_SKIP("started by a launcher");
  const auto comm = distributed::init();
  CHECK(comm->name() == "single-process");
  CHECK(comm->size() == 1);
  const distributed::LocalRank local = distributed::local_rank(*comm);
  CHECK(local.rank == 0);
  CHECK(local.size == 1);
}

TEST_CASE("init_nccl: without NCCL or without a GPU, the error says which", "[distributed]") {
  if (distributed::launcher_size() > 0) RILL_SKIP("started by a launcher");
  if (!distributed::built_with_nccl()) {
    REQUIRE_ERROR(distributed::init_nccl(distributed::init()),
                  "init_nccl: this build of rill has no NCCL communicator");
    return;
  }
  // Built with NCCL: on a machine without a GPU the constructor stops before NCCL.
  try {
    distributed::init_nccl(distributed::init());
    RILL_SKIP("a GPU is present: the [nccl] cases test the communicator");
  } catch (const Error& e) {
    CHECK_THAT(e.what(), Catch::Contains("init_nccl: rank 0 sees no CUDA device"));
  }
}

TEST_CASE("call records describe a call and name every rank of a disagreement", "[distributed]") {
  using distributed::CallRecord;
  using distributed::Collective;
  const CallRecord a = CallRecord::of(Collective::AllGather, zeros({1, 3}, DType::Float64), 0);
  const CallRecord b = CallRecord::of(Collective::AllGather, zeros({2, 3}, DType::Float64), 0);
  CHECK(a.describe() == "all_gather(float64 [1, 3])");
  CHECK(CallRecord::of(Collective::AllReduce, zeros({4}), 1).describe() == "all_reduce_(float32 [4], Mean)");
  CHECK(CallRecord::of(Collective::Broadcast, zeros({}, DType::Int64), 2).describe() == "broadcast_(int64 [], root 2)");
  CHECK(CallRecord::barrier().describe() == "barrier()");
  CHECK(CallRecord::of(Collective::AllReduce, zeros({1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2}), 0).describe() ==
        "all_reduce_(float32 [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, ... (12 axes, 2 elements)], Sum)");
  distributed::check_records_agree("all_gather", {a, a, a});
  REQUIRE_ERROR(distributed::check_records_agree("all_gather", {a, b, a, CallRecord::barrier()}),
                "all_gather: the ranks made different calls: ranks 0, 2: all_gather(float64 [1, 3]); rank 1: "
                "all_gather(float64 [2, 3]); rank 3: barrier(). Every rank must make the same collective calls");
}
