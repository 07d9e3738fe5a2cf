// The example programs with --device cuda: the same training loss curve as on the CPU
// (toy2d, mnist, cifar10: same seed, same data, so only float rounding differs), and
// every other program runs to the end and writes its outputs. Skipped without a GPU.
#include "cuda/device_test.h"
#include "examples/program_helpers.h"

using namespace rill;
using namespace rill::test;

namespace {

// The loss column of metrics.csv ("step,loss,lr,time" and image_flow's val_loss; 6 significant digits).
std::vector<double> loss_curve(const fs::path& run_dir) {
  std::ifstream csv(run_dir / "metrics.csv");
  std::string line;
  std::getline(csv, line);
  std::vector<double> losses;
  while (std::getline(csv, line)) {
    const size_t a = line.find(','), b = line.find(',', a + 1);
    losses.push_back(std::stod(line.substr(a + 1, b - a - 1)));
  }
  return losses;
}

// Runs `command` with --device cpu and --device cuda and compares the loss curves.
// Float32 steps agree to ~1e-6; over a few Adam steps that grows, but stays far below
// 1e-3 relative (and 6 printed digits resolve 1e-5).
void same_curve_on_both_devices(const fs::path& dir, const std::string& command) {
  run(dir, command + " --device cpu --out " + (dir / "cpu").string());
  run(dir, command + " --device cuda --out " + (dir / "cuda").string());
  const std::vector<double> cpu = loss_curve(dir / "cpu"), gpu = loss_curve(dir / "cuda");
  REQUIRE(cpu.size() == gpu.size());
  REQUIRE(!cpu.empty());
  for (size_t i = 0; i < cpu.size(); ++i) {
    INFO("metrics.csv row " << i);
    CHECK(gpu[i] == Approx(cpu[i]).epsilon(1e-3));
  }
  check_png(dir / "cuda" / "samples.png");
}

}  // namespace

TEST_CASE("examples: toy2d mnist and cifar10 train on CUDA with the CPU's loss curve", "[cuda][examples]") {
  SKIP_WITHOUT_GPU();
  const fs::path dir = temp_dir("cuda_examples");
  same_curve_on_both_devices(dir / "toy2d", rill::test::program("toy2d") +
                                                " --steps 30 --batch 32 --width 16 --samples 64 --nfe 4 --threads 1");
  write_tiny_mnist(dir / "mnist_data");
  same_curve_on_both_devices(dir / "mnist",
                             image_flow("mnist") + " --data " + (dir / "mnist_data").string() +
                                 " --steps 4 --batch 4 --base 8 --samples 4 --nfe 2 --conditional --threads 1");
  write_cifar10(dir / "cifar_data");
  same_curve_on_both_devices(dir / "cifar10", image_flow("cifar10") + " --data " + (dir / "cifar_data").string() +
                                                  " --steps 3 --batch 4 --base 8 --samples 2 --nfe 2 --threads 1");
  fs::remove_all(dir);
}

TEST_CASE("examples: the flow-matching idea programs run with --device cuda", "[cuda][examples]") {
  SKIP_WITHOUT_GPU();
  const fs::path dir = temp_dir("cuda_ideas");
  for (const auto& [binary, args] : std::vector<std::pair<std::string, std::string>>{
           {rill::test::program("fm_targets"), "--steps 20 --eval-points 32"},
           {rill::test::program("fm_marginal"), "--steps 100 --eval-points 64"},
           {rill::test::program("fm_straight"), "--steps 20 --eval-points 32 --reflow-pairs 64"},
           {rill::test::program("fm_diffusion"), "--steps 20 --eval-points 32"}}) {
    const fs::path out = dir / fs::path(binary).filename();
    run(dir, binary + " --device cuda --threads 1 --out " + out.string() + " " + args);
    CHECK(!read_json(out / "metrics.json").empty());
  }
  fs::remove_all(dir);
}
