// rill distributed — where this process sits on its machine: its rank among the ranks
// on the same host, and how many there are. A job of 2 machines with 4 GPUs each has
// ranks 0..7 and local ranks 0..3 on each machine; local rank k drives GPU k.
#pragma once

#include "distributed/communicator.h"

namespace rill::distributed {

struct LocalRank {
  int rank = 0;  // 0..size-1 among the processes on this host, in the order of their global ranks
  int size = 1;  // processes of the job on this host
};

// Collective over `comm` (a CPU communicator): all-gathers the host names (gethostname,
// at most 64 bytes) and counts, on this host, the ranks below this one.
LocalRank local_rank(Communicator& comm);

}  // namespace rill::distributed
