// rill distributed — making the communicator of this process.
//
//   auto comm = rill::distributed::init();   // MPI under mpirun, else single-process
//   comm->all_reduce_(bucket, ReduceOp::Mean);
//
//   auto gpus = rill::distributed::init_nccl(comm);   // CUDA tensors, over NCCL
//
// init() reads how the process was started. Under a launcher (mpirun sets
// OMPI_COMM_WORLD_SIZE; MPICH's and Intel's mpiexec and Slurm's PMI set PMI_SIZE) it
// makes an MpiCommunicator; started plainly, a SingleProcessCommunicator. A launcher
// asking for several processes from a rill built without MPI is an error, not a quiet
// fallback: each process would believe it is rank 0 of 1, train alone and write the
// same files.
//
// Random streams. Every process seeds rill's generators the same way, so all ranks draw
// the same numbers. The data-parallel trainer (examples/common/data_parallel.h) builds on
// exactly that: every rank draws the whole global batch's randomness (noise, times,
// label dropout) and keeps its rows (flowmatch/shard.h), so P processes train the model
// one process trains and a checkpoint needs only one generator state. (The other design,
// a stream per rank with the rank folded into the key, would draw less per rank but
// give a model that depends on P and checkpoints with P generator states.)
#pragma once

#include <memory>

#include "distributed/communicator.h"

namespace rill::distributed {

// Whether this build has the MPI / NCCL communicators (CMake options RILL_MPI, RILL_NCCL).
bool built_with_mpi();
bool built_with_nccl();

// The number of processes a launcher started, from its environment (OMPI_COMM_WORLD_SIZE,
// then PMI_SIZE); 0 when the process was started without one.
int launcher_size();

enum class CommunicatorKind { SingleProcess, Mpi };
// init()'s choice, as a function of the launcher's process count and of the build:
// Mpi when a launcher started us and MPI is built, SingleProcess when no launcher (or a
// launcher with 1 process) and no MPI; throws for a launcher with P > 1 and no MPI.
CommunicatorKind choose_communicator(int launcher_size, bool mpi_built);

// A new communicator over all processes of the job (see above). Under MPI every process
// must call it, in the same order as its other collectives (it duplicates MPI_COMM_WORLD).
std::shared_ptr<Communicator> init();

// A new NCCL communicator over the same processes as `host` (a CPU communicator from
// init()), for CUDA tensors: picks this process's GPU (nccl_communicator.h). Collective
// over `host`. Throws when rill was built without NCCL, or there is no GPU.
std::shared_ptr<Communicator> init_nccl(std::shared_ptr<Communicator> host);

}  // namespace rill::distributed
