// A program for test_rank_death.cpp, run as `mpiexec -n 2 rank_death_probe MODE`:
// rank 1 fails before a collective in the way MODE says, while rank 0 waits in it.
//   ok         both ranks all-reduce and exit 0 (the baseline)
//   throw      rank 1 throws and nothing catches it (std::terminate, SIGABRT)
//   return     rank 1 catches the error, prints it and returns 1 from main
//   mismatch   rank 0 calls all_reduce_, rank 1 all_gather: both refuse the call, print
//              the error and return 1
#include <cstdio>
#include <string>

#include "distributed/distributed.h"
#include "tensor/ops.h"

using namespace rill;

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "ok";
  const auto comm = distributed::init();
  const Tensor x = ones({4}, DType::Float64);
  const bool failing = comm->rank() == 1;
  if (mode == "throw" && failing) throw Error("rank 1 failed on purpose before all_reduce_");
  if (mode == "return" && failing) {
    std::fprintf(stderr, "rank 1: failed on purpose before all_reduce_, returning 1\n");
    return 1;
  }
  if (mode == "mismatch") {
    try {
      if (failing)
        comm->all_gather(x);
      else
        comm->all_reduce_(x);
    } catch (const Error& e) {
      std::fprintf(stderr, "rank %d: %s\n", comm->rank(), e.what());
      return 1;
    }
  }
  std::fprintf(stderr, "rank %d: entering all_reduce_\n", comm->rank());
  comm->all_reduce_(x);
  std::printf("rank %d: sum %g\n", comm->rank(), x.to_vector<double>()[0]);
  return 0;
}
