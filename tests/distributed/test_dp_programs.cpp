// The example programs on several processes, end to end: toy2d under `mpiexec -n 2`
// trains the model one process trains (weights within 1e-4 relative after 20 Adam
// steps), a checkpoint written by 2 processes resumes in 1 and the other way round, and
// a batch that does not divide among the processes is refused. Started plainly (not
// under mpiexec): these cases start mpiexec themselves.
#include <sys/wait.h>

#include <cmath>
#include <cstdio>
#include <fstream>

#include "io/safetensors.h"
#include "tests/distributed/dist_helpers.h"
#include "tests/examples/program_helpers.h"
#include <nlohmann/json.hpp>

using namespace rill;
namespace fs = std::filesystem;

namespace {

#ifdef RILL_MPIEXEC
struct Job {
  int status = -1;
  std::string output;
};

// `mpiexec -n P` (as root, Open MPI starts only with the two variables set) or nothing for P = 1.
// RILL_LSAN_ENV: in a sanitizer build, Open MPI's own leaks are not reported
// (tests/distributed/CMakeLists.txt); empty otherwise.
std::string launcher(int processes) {
  if (processes == 1) return fmt::format("OMP_NUM_THREADS=1 {} timeout 120", RILL_LSAN_ENV);
  return fmt::format(
      "OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMP_NUM_THREADS=1 {} timeout 120 {} {} {} {}",
      RILL_LSAN_ENV, RILL_MPIEXEC, RILL_MPIEXEC_NUMPROC_FLAG, processes, RILL_MPIEXEC_PREFLAGS);
}

// Runs `command` (environment variables first, then `timeout` and the program) through
// the shell, stdout and stderr captured.
Job shell(const std::string& command) {
  FILE* pipe = ::popen(("env " + command + " 2>&1").c_str(), "r");
  REQUIRE(pipe != nullptr);
  Job job;
  char buffer[4096];
  while (size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) job.output.append(buffer, n);
  const int raw = ::pclose(pipe);
  job.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : 128 + WTERMSIG(raw);
  return job;
}

// toy2d with these flags, on `processes` processes (1: started plainly, no launcher).
Job toy2d(int processes, const fs::path& out, const std::string& flags, int batch = 64) {
  const std::string program =
      fmt::format("{} --out {} --batch {} --width 32 --samples 64 --nfe 4 --threads 1 --save-every 0 {}", TOY2D_BIN,
                  out.string(), batch, flags);
  return shell(launcher(processes) + " " + program);
}

void require_ok(const Job& job) {
  INFO(job.output);
  REQUIRE(job.status == 0);
}

// The largest ||a - b|| / ||b|| over the model.* tensors of two checkpoints; `tensors`:
// how many there must be.
double model_difference(const fs::path& a, const fs::path& b, int tensors = 8) {
  const auto x = io::safetensors::load((a / "checkpoint.safetensors").string());
  const auto y = io::safetensors::load((b / "checkpoint.safetensors").string());
  REQUIRE(x.tensors.size() == y.tensors.size());
  double worst = 0;
  int compared = 0;
  for (size_t k = 0; k < y.tensors.size(); ++k) {
    const auto& [name, t] = y.tensors[k];
    if (name.rfind("model.", 0) != 0) continue;
    REQUIRE(x.tensors[k].first == name);
    const std::vector<double> u = x.tensors[k].second.to_vector<double>(), v = t.to_vector<double>();
    REQUIRE(u.size() == v.size());
    double diff = 0, norm = 0;
    for (size_t i = 0; i < u.size(); ++i) diff += (u[i] - v[i]) * (u[i] - v[i]), norm += v[i] * v[i];
    worst = std::max(worst, std::sqrt(diff / norm));
    ++compared;
  }
  CHECK(compared == tensors);  // 8 for toy2d's MLP: four Linear layers, weight and bias each
  return worst;
}
#endif

}  // namespace

TEST_CASE("toy2d on 2 processes trains the 1-process model, and checkpoints resume across process counts",
          "[distributed][programs]") {
#ifndef RILL_MPIEXEC
  RILL_SKIP("rill was built without MPI");
#else
  if (distributed::launcher_size() > 0) RILL_SKIP("started by a launcher: this case starts mpiexec itself");
  const fs::path dir = test::temp_dir("dp_toy2d");
  // 20 steps on 1 and on 2 processes (global batch 64: 32 rows each).
  require_ok(toy2d(1, dir / "one", "--steps 20"));
  const Job two = toy2d(2, dir / "two", "--steps 20");
  require_ok(two);
  CHECK_THAT(two.output, Catch::Contains("2 processes (mpi communicator), global batch 64: 32 rows per process"));
  const double d = model_difference(dir / "two", dir / "one");
  INFO("2 processes vs 1: " << d);
  CHECK(d <= 1e-4);
  CHECK(d > 0);  // two real runs (float32 sums in another order), not one file compared with itself
  const auto metrics = nlohmann::json::parse(std::ifstream(dir / "two" / "metrics.json"));
  CHECK(metrics.at("processes") == 2);
  // --ot-scope local pairs within each process's 32 rows: another model, further from the
  // 1-process one than the tolerance above (the comparison can tell them apart).
  require_ok(toy2d(2, dir / "local", "--steps 20 --ot-scope local"));
  const double local = model_difference(dir / "local", dir / "one");
  INFO("local OT on 2 processes vs 1 process: " << local);
  CHECK(local > 1e-3);

  // 2 processes to step 10, then 1 process to 20; and 1 process to 10, then 2 to 20.
  require_ok(toy2d(2, dir / "two_then_one", "--steps 20 --stop-after 10"));
  require_ok(toy2d(1, dir / "two_then_one", "--steps 20 --resume"));
  require_ok(toy2d(1, dir / "one_then_two", "--steps 20 --stop-after 10"));
  const Job resumed = toy2d(2, dir / "one_then_two", "--steps 20 --resume");
  require_ok(resumed);
  CHECK_THAT(resumed.output, Catch::Contains("at step 10 (on 2 processes)"));
  for (const char* run : {"two_then_one", "one_then_two"}) {
    INFO(run);
    CHECK(model_difference(dir / run, dir / "one") <= 1e-4);
    // metrics.csv: the header and one row per 10 steps plus the last (steps 0, 10, 19).
    std::ifstream csv(dir / run / "metrics.csv");
    int lines = 0;
    for (std::string line; std::getline(csv, line);) ++lines;
    CHECK(lines == 4);
  }
  fs::remove_all(dir);
#endif
}

TEST_CASE("toy2d on 2 processes refuses a batch that does not divide, on every rank, before any work",
          "[distributed][programs]") {
#ifndef RILL_MPIEXEC
  RILL_SKIP("rill was built without MPI");
#else
  if (distributed::launcher_size() > 0) RILL_SKIP("started by a launcher: this case starts mpiexec itself");
  const fs::path dir = test::temp_dir("dp_toy2d_bad");
  const Job job = toy2d(2, dir / "run", "--steps 5", 33);
  INFO(job.output);
  CHECK(job.status != 0);
  CHECK_THAT(job.output, Catch::Contains("--batch 33 is not divisible by the 2 processes"));
  CHECK(!fs::exists(dir / "run" / "checkpoint.safetensors"));
  fs::remove_all(dir);
#endif
}

TEST_CASE("image_flow --conditional on 2 processes trains the 1-process model", "[distributed][programs]") {
#ifndef RILL_MPIEXEC
  RILL_SKIP("rill was built without MPI");
#else
  if (distributed::launcher_size() > 0) RILL_SKIP("started by a launcher: this case starts mpiexec itself");
  const fs::path dir = test::temp_dir("dp_image_flow");
  test::write_tiny_mnist(dir / "data");  // 12 images in the real IDX format
  // Global batch 4 from the step-indexed loader, class-aware OT, label dropout, clipping.
  // The tolerance below is set for lr 2e-4 (pinned): Adam moves a weight by up to lr per
  // step whatever the gradient's size, so where a gradient is near 0 the two summation
  // orders' rounding shows at the scale of lr.
  const auto image_flow = [&](int processes, const std::string& out) {
    return shell(
        fmt::format("{} {} --data {} --out {} --conditional --steps 4 --batch 4 --base 8 --samples 4 --nfe 2 "
                    "--save-every 0 --threads 1 --lr 2e-4",
                    launcher(processes), IMAGE_FLOW_BIN, (dir / "data").string(), (dir / out).string()));
  };
  require_ok(image_flow(1, "one"));
  require_ok(image_flow(2, "two"));
  // Every model.* tensor of the 1-process checkpoint, compared with the 2-process one.
  int tensors = 0;
  for (const auto& [name, t] : io::safetensors::load((dir / "one" / "checkpoint.safetensors").string()).tensors)
    tensors += name.rfind("model.", 0) == 0;
  CHECK(tensors > 50);  // the U-Net's parameters and buffers
  const double d = model_difference(dir / "two", dir / "one", tensors);
  INFO("2 processes vs 1: " << d);
  CHECK(d <= 1e-4);
  fs::remove_all(dir);
#endif
}
