// rill distributed — training on several processes, in one include: the Communicator
// (communicator.h), how to make one (init.h), collectives over many tensors in buckets
// (buckets.h). The MPI and NCCL implementations have their own headers
// (mpi_communicator.h, nccl_communicator.h), which need mpi.h / nccl.h.
#pragma once

#include "distributed/buckets.h"
#include "distributed/communicator.h"
#include "distributed/init.h"
#include "distributed/local_rank.h"
