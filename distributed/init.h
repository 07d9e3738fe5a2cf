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
// Random streams (for the trainer, not done here). Every process seeds rill's generators
// the same way, so today all ranks would draw the same numbers. A data-parallel trainer
// needs two kinds of stream: the SAME on every rank for what must stay identical
// (parameter initialisation, or a broadcast_ of the parameters from rank 0 after it),
// and DIFFERENT per rank for what must differ (minibatch order or shard, noise and
// time samples of the flow-matching loss, dropout): e.g. Philox with the run's seed and
// the rank folded into the key or the offset. A checkpoint must then save every rank's
// generator state (or re-derive it from the seed, the rank and the step) for a resumed
// run to repeat an uninterrupted one.
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
