// rill distributed — MPI's start and end in a process, and MPI errors as rill::Error.
// Built only when CMake found MPI (RILL_MPI); include only from MPI code.
//
// Start: MPI_Init_thread once per process, on the first MpiCommunicator, asking for
// MPI_THREAD_SERIALIZED (any thread may call MPI, one at a time: a later trainer may
// run its all-reduces on a helper thread while the backward pass goes on). When the
// program initialised MPI itself, rill uses it as it is and leaves its end to the program.
//
// End: when rill started MPI, an exit handler (glibc's on_exit, which, unlike atexit,
// is told the exit status) ends it:
//   status 0       MPI_Finalize, the normal end;
//   status != 0    MPI_Abort on MPI_COMM_WORLD, with a line on stderr naming the rank.
//                  Not MPI_Finalize: in Open MPI it waits for every rank (measured with
//                  4.1.4: a rank that finalizes while another waits in an all-reduce
//                  hangs the job forever).
//
// When a rank dies. Open MPI's mpirun watches its processes: when one of them ends by a
// signal (an uncaught exception is std::terminate, then SIGABRT), exits without MPI_Finalize,
// or calls MPI_Abort, mpirun kills every other process of the job and exits non-zero
// with a message naming the rank. So a rank that throws (uncaught, or caught by a main()
// that returns 1) stops the job within a second or two instead of leaving the others
// waiting in a collective (tests/distributed/test_rank_death.cpp measures it).
// What this cannot catch: a rank that leaves the collectives early and exits with status
// 0 (a bug in the program's control flow) finalizes while the others wait: a hang; and a
// rank that hangs without dying. Both need a timeout from outside (the job scheduler).
#pragma once

#include <mpi.h>

namespace rill::distributed::mpi {

// Initialises MPI the first time it is called (see above); later calls do nothing.
// Throws when MPI gives less than MPI_THREAD_FUNNELED, or was already finalized.
void ensure_initialized();

// Throws rill::Error when `code` is not MPI_SUCCESS:
//   "all_reduce_: MPI_Allreduce failed: MPI_ERR_COUNT: invalid count argument"
// (`call` names the MPI function, `op` the rill op that made it; the rest is MPI_Error_string).
void check(int code, const char* call, const char* op);

}  // namespace rill::distributed::mpi
