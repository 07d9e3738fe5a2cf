// Helpers for the communicator tests (tests/distributed/).
//
// The "[mpi]" cases run under a launcher, `mpiexec -n P rill_distributed_tests "[mpi]"`
// (ctest does it for P = 2 and 3): every rank runs the same cases in the same order, so
// their collectives meet. They use CHECK rather than REQUIRE around collectives where
// they can: a rank that leaves a case early would make its next collective meet another
// rank's different call (the agreement then fails both, loudly, instead of a hang).
#pragma once

#include <cmath>
#include <memory>

#include "distributed/distributed.h"
#include "tests/helpers.h"

namespace rill::test {

// The communicator of the "[mpi]" cases, made once per process (MPI_Comm_dup is
// collective: one per process keeps the ranks' calls simple); null when this process
// was not started by a launcher or rill has no MPI.
inline std::shared_ptr<distributed::Communicator> mpi_world() {
  static const std::shared_ptr<distributed::Communicator> world =
      distributed::built_with_mpi() && distributed::launcher_size() > 0 ? distributed::init() : nullptr;
  return world;
}

// Values k / 64 with |k| < 128: sums and means of a few of them, times small integers,
// are exact in float32 and float64 in any order, so results can be compared exactly.
inline Tensor dyadic(const Shape& shape, DType dtype = DType::Float64, double scale = 1.0) {
  std::vector<double> v = pattern(shape).to_vector<double>();
  for (double& e : v) e = scale * std::round(e * 64) / 64;
  return ops::to(tensor(v, shape), dtype);
}

}  // namespace rill::test

// Binds `comm` to mpi_world(), or ends the case as skipped.
#define RILL_MPI_WORLD(comm)                                                                           \
  const std::shared_ptr<::rill::distributed::Communicator> comm = ::rill::test::mpi_world();           \
  if (!comm)                                                                                           \
  RILL_SKIP((::rill::distributed::built_with_mpi() ? "not started by mpiexec (ctest runs these cases " \
                                                     "as mpiexec -n 2 and -n 3)"                       \
                                                   : "rill was built without MPI"))
