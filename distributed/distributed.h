// rill distributed — training on several processes, in one include: the Communicator
// (communicator.h) and how to make one (init.h). The MPI and NCCL implementations have
// their own headers (mpi_communicator.h, nccl_communicator.h), which need mpi.h / nccl.h.
#pragma once

#include "distributed/communicator.h"
#include "distributed/init.h"
#include "distributed/local_rank.h"
