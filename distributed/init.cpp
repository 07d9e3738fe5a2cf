#include "distributed/init.h"

#include <cstdlib>
#include <string>

#include "distributed/single_process.h"
#ifdef RILL_WITH_MPI
#include "distributed/mpi_communicator.h"
#endif
#ifdef RILL_WITH_NCCL
#include "distributed/nccl_communicator.h"
#endif

namespace rill::distributed {

bool built_with_mpi() {
#ifdef RILL_WITH_MPI
  return true;
#else
  return false;
#endif
}

bool built_with_nccl() {
#ifdef RILL_WITH_NCCL
  return true;
#else
  return false;
#endif
}

int launcher_size() {
  for (const char* variable : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE"}) {
    const char* value = std::getenv(variable);
    if (value == nullptr || *value == '\0') continue;
    try {
      const int n = std::stoi(value);
      RILL_CHECK(n >= 1, "init: {}={} is not a process count", variable, value);
      return n;
    } catch (const std::logic_error&) {  // stoi: not a number, or out of range
      throw Error(fmt::format("init: {}={} is not a process count", variable, value));
    }
  }
  return 0;
}

CommunicatorKind choose_communicator(int launcher_size, bool mpi_built) {
  if (launcher_size >= 1 && mpi_built) return CommunicatorKind::Mpi;
  RILL_CHECK(launcher_size <= 1,
             "init: this process was started by an MPI launcher with {} processes, but this build of rill has no "
             "MPI (RILL_MPI=OFF, or MPI was not found: apt-get install libopenmpi-dev openmpi-bin, then configure "
             "again): each process would train alone as rank 0 of 1",
             launcher_size);
  return CommunicatorKind::SingleProcess;
}

std::shared_ptr<Communicator> init() {
  switch (choose_communicator(launcher_size(), built_with_mpi())) {
    case CommunicatorKind::Mpi:
#ifdef RILL_WITH_MPI
      return std::make_shared<MpiCommunicator>();
#else
      break;  // unreachable: choose_communicator returns Mpi only when MPI is built
#endif
    case CommunicatorKind::SingleProcess:
      return std::make_shared<SingleProcessCommunicator>();
  }
  throw Error("init: no communicator");
}

std::shared_ptr<Communicator> init_nccl(std::shared_ptr<Communicator> host) {
#ifdef RILL_WITH_NCCL
  return std::make_shared<NcclCommunicator>(std::move(host));
#else
  (void)host;
  throw Error(
      "init_nccl: this build of rill has no NCCL communicator (it needs the CUDA backend and NCCL's nccl.h and "
      "libnccl; see the RILL_NCCL line of CMake's output)");
#endif
}

}  // namespace rill::distributed
