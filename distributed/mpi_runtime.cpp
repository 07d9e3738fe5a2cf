#include "distributed/mpi_runtime.h"

#include <cstdio>
#include <cstdlib>
#include <mutex>

#include "tensor/error.h"

namespace rill::distributed::mpi {

namespace {

// The exit handler of a process whose MPI rill started (see mpi_runtime.h for why the
// exit status decides between finalize and abort).
void end_mpi(int status, void*) {
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (finalized) return;
  if (status == 0) {
    MPI_Finalize();
    return;
  }
  int rank = -1, size = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  std::fprintf(stderr, "rill: rank %d of %d is exiting with status %d: stopping the other ranks (MPI_Abort)\n", rank,
               size, status);
  std::fflush(stderr);
  MPI_Abort(MPI_COMM_WORLD, status);
}

void initialize() {
  int initialized = 0, finalized = 0;
  check(MPI_Initialized(&initialized), "MPI_Initialized", "mpi");
  check(MPI_Finalized(&finalized), "MPI_Finalized", "mpi");
  RILL_CHECK(!finalized, "mpi: MPI was already finalized in this process: it cannot be started again");
  int provided = 0;
  if (initialized) {
    check(MPI_Query_thread(&provided), "MPI_Query_thread", "mpi");
  } else {
    check(MPI_Init_thread(nullptr, nullptr, MPI_THREAD_SERIALIZED, &provided), "MPI_Init_thread", "mpi");
    RILL_CHECK(on_exit(end_mpi, nullptr) == 0, "mpi: could not register the exit handler that ends MPI");
  }
  RILL_CHECK(provided >= MPI_THREAD_FUNNELED,
             "mpi: this MPI provides thread level {} (MPI_THREAD_SINGLE): rill needs at least "
             "MPI_THREAD_FUNNELED, because its OpenMP threads run while MPI is in use",
             provided);
}

}  // namespace

void ensure_initialized() {
  static std::once_flag once;
  std::call_once(once, initialize);  // an exception leaves the flag unset: a later call retries
}

void check(int code, const char* call, const char* op) {
  if (code == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING] = {};
  int length = 0;
  if (MPI_Error_string(code, text, &length) != MPI_SUCCESS) std::snprintf(text, sizeof text, "MPI error code %d", code);
  throw Error(fmt::format("{}: {} failed: {}", op, call, text));
}

}  // namespace rill::distributed::mpi
