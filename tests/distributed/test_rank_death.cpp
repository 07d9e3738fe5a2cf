// A rank that dies must stop the whole job, not leave the others waiting in a
// collective: runs rank_death_probe under mpiexec with 2 processes, rank 1 failing in
// each way (distributed/mpi_runtime.h, "When a rank dies"), and checks that the job
// ends within seconds, with a non-zero status and a message naming the failure.
// Started plainly (not under mpiexec): it starts mpiexec itself.
#include <sys/wait.h>

#include <chrono>
#include <cstdio>

#include "tests/distributed/dist_helpers.h"

using namespace rill;

namespace {

struct JobResult {
  int status = -1;  // the job's exit status (124: killed by `timeout`)
  double seconds = 0;
  std::string output;  // stdout and stderr of every rank and of mpiexec
};

#ifdef RILL_MPIEXEC
JobResult run_probe(const std::string& mode) {
  // `timeout` turns a hang into status 124 instead of a stuck test. As root (CI
  // containers) Open MPI starts only with the two variables set. RILL_LSAN_ENV: in a
  // sanitizer build, Open MPI's own leaks are not reported (tests/distributed/CMakeLists.txt).
  const std::string command = fmt::format(
      "OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMP_NUM_THREADS=1 {} timeout 60 {} {} 2 {} {} {} 2>&1",
      RILL_LSAN_ENV, RILL_MPIEXEC, RILL_MPIEXEC_NUMPROC_FLAG, RILL_MPIEXEC_PREFLAGS, RANK_DEATH_PROBE_BIN, mode);
  const auto start = std::chrono::steady_clock::now();
  FILE* pipe = ::popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  JobResult result;
  char buffer[4096];
  while (size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) result.output.append(buffer, n);
  const int raw = ::pclose(pipe);
  result.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : 128 + WTERMSIG(raw);
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}
#endif

}  // namespace

TEST_CASE("rank death: a rank that fails before a collective ends the job within seconds, non-zero",
          "[distributed][rank-death]") {
#ifndef RILL_MPIEXEC
  RILL_SKIP("rill was built without MPI");
#else
  if (distributed::launcher_size() > 0) RILL_SKIP("started by a launcher: this case starts mpiexec itself");
  const JobResult ok = run_probe("ok");
  INFO(ok.output);
  CHECK(ok.status == 0);
  CHECK_THAT(ok.output, Catch::Contains("rank 0: sum 2") && Catch::Contains("rank 1: sum 2"));

  for (const std::string mode : {"throw", "return", "mismatch"}) {
    const JobResult r = run_probe(mode);
    INFO("mode " << mode << ", status " << r.status << ", " << r.seconds << " s, output:\n" << r.output);
    CHECK(r.status != 0);
    CHECK(r.status != 124);  // not a hang cut short by `timeout`
    CHECK(r.seconds < 30);
    if (mode == "throw") {
      // std::terminate prints the exception; mpirun names the rank and the signal.
      CHECK_THAT(r.output, Catch::Contains("rank 1 failed on purpose before all_reduce_"));
      CHECK_THAT(r.output, Catch::Contains("rank 1") && Catch::Contains("signal 6"));
    } else if (mode == "return") {
      CHECK_THAT(r.output, Catch::Contains("rank 1: failed on purpose"));
      CHECK_THAT(r.output, Catch::Contains("rill: rank 1 of 2 is exiting with status 1: stopping the other ranks"));
    } else {
      // Both ranks refuse the call; the first to exit may stop the other before it prints.
      CHECK_THAT(r.output, Catch::Contains("the ranks made different calls: rank 0: all_reduce_(float64 [4], Sum); "
                                           "rank 1: all_gather(float64 [4])"));
      CHECK_THAT(r.output, Catch::Contains("is exiting with status 1: stopping the other ranks"));
    }
  }
#endif
}
