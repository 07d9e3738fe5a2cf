// The example programs lose nothing: bad flags are refused before any work, a diverging
// run never replaces a good checkpoint, two runs cannot share a folder, a killed run
// resumes to exactly the files an uninterrupted run writes.
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <functional>
#include <map>
#include <sstream>
#include <thread>

#include "examples/program_helpers.h"
#include "io/npy.h"
#include "io/png.h"

using namespace rill;
using namespace rill::test;

namespace {

// Every file in a folder (not recursive) with its bytes.
std::map<std::string, std::string> snapshot(const fs::path& dir) {
  std::map<std::string, std::string> files;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.is_regular_file()) files[e.path().filename().string()] = read_file(e.path());
  return files;
}

// metrics.csv without its time column (found by its header, wherever it is): what a
// resumed run must reproduce exactly, the validation column included.
std::vector<std::string> csv_without_time(const fs::path& p) {
  std::ifstream in(p);
  std::vector<std::string> rows;
  long time_col = -1;
  for (std::string line; std::getline(in, line);) {
    std::vector<std::string> cells;
    std::stringstream ss(line);
    for (std::string c; std::getline(ss, c, ',');) cells.push_back(c);
    if (!line.empty() && line.back() == ',') cells.emplace_back();  // an empty last cell
    if (rows.empty()) time_col = std::find(cells.begin(), cells.end(), "time") - cells.begin();
    std::string kept;
    bool first = true;
    for (size_t i = 0; i < cells.size(); ++i)
      if (static_cast<long>(i) != time_col) kept += (first ? "" : ",") + cells[i], first = false;
    rows.push_back(kept);
  }
  return rows;
}

void require_same_tensors(const fs::path& a, const fs::path& b) {
  const auto x = io::safetensors::load(a.string()), y = io::safetensors::load(b.string());
  REQUIRE(x.tensors.size() == y.tensors.size());
  for (size_t i = 0; i < x.tensors.size(); ++i) {
    INFO(x.tensors[i].first);
    REQUIRE(x.tensors[i].first == y.tensors[i].first);
    CHECK(values(x.tensors[i].second) == values(y.tensors[i].second));
  }
  CHECK(x.metadata == y.metadata);
}

const std::string kToy = rill::test::program("toy2d") + " --batch 32 --width 16 --samples 64 --nfe 4 --threads 1";

}  // namespace

TEST_CASE("programs: every bad flag stops before any work, naming the flag, exit status 1", "[examples][safety]") {
  const fs::path dir = temp_dir("bad_flags");
  const fs::path out = dir / "run";
  fs::create_directories(out);
  write_bytes(out / "checkpoint.safetensors", "the last good checkpoint");  // must survive every call below
  const auto before = snapshot(out);
  struct Case {
    std::string program, flags, message;
  };
  const std::string mnist = image_flow("mnist") + " --data " + (dir / "no-data").string();
  const std::vector<Case> cases = {
      {rill::test::program("toy2d"), "--batch 0", "--batch: 0 is not a finite number >= 1"},
      {rill::test::program("toy2d"), "--solver foo",
       "--solver: 'foo' is not one of: euler, midpoint, heun, rk4, dopri5"},
      {rill::test::program("toy2d"), "--samples 0", "--samples: 0 is not a finite number >= 1"},
      {rill::test::program("toy2d"), "--nfe 0", "--nfe: 0 is not a finite number >= 1"},
      {rill::test::program("toy2d"), "--solver rk4 --nfe 3", "--nfe 3 is fewer than one rk4 step evaluates (4)"},
      {rill::test::program("toy2d"), "--steps -5", "--steps: -5 is not a finite number >= 1"},
      {rill::test::program("toy2d"), "--lr inf", "--lr: inf is not a finite number > 0"},
      {rill::test::program("toy2d"), "--lr nan", "--lr: nan is not a finite number > 0"},
      {rill::test::program("toy2d"), "--ema 1", "--ema: 1 is not a finite number in [0, 1)"},
      {rill::test::program("toy2d"), "--save-every -1", "--save-every: -1 is not a finite number >= 0"},
      {rill::test::program("toy2d"), "--path bogus", "--path: 'bogus' is not one of: independent, ot, target, sb, vp"},
      {rill::test::program("toy2d"), "--data nowhere", "--data: 'nowhere' is not one of"},
      {rill::test::program("toy2d"), "--device gpu", "--device: 'gpu' is not a device"},
      {rill::test::program("toy2d"), "--resume --sample-only", "--resume excludes --sample-only"},
      {mnist, "--cfg-scale nan", "--cfg-scale: nan is not a finite number"},
      {mnist, "--batch 0", "--batch: 0 is not a finite number >= 1"},
      {mnist, "--label-dropout 1.5", "--label-dropout: 1.5 is not a finite number in [0, 1)"},
      {mnist, "--schedule linear", "--schedule: 'linear' is not one of: constant, warmup, cosine"},
      {rill::test::program("fm_straight"), "--steps 0", "--steps: 0 is not a finite number >= 1"},
  };
  for (const Case& c : cases) {
    const Outcome r = run_status(dir, c.program + " --out " + out.string() + " " + c.flags);
    INFO(c.flags << "\n" << r.output);
    CHECK(r.status == 1);
    CHECK(r.output.find(c.message) != std::string::npos);
    CHECK(snapshot(out) == before);
  }
  // --help is not an error.
  CHECK(run_status(dir, rill::test::program("toy2d") + " --help").status == 0);
  fs::remove_all(dir);
}

TEST_CASE("programs: a diverging run stops naming the step and keeps the last good checkpoint", "[examples][safety]") {
  const fs::path dir = temp_dir("diverge");
  const fs::path out = dir / "run";
  run(dir, kToy + " --out " + out.string() + " --steps 20 --save-every 10");
  const std::string good = read_file(out / "checkpoint.safetensors");
  // A learning rate of 1e39 makes the weights infinite in the first step after resuming.
  const Outcome r = run_status(dir, kToy + " --out " + out.string() + " --steps 40 --save-every 1 --resume --lr 1e39");
  INFO(r.output);
  CHECK(r.status == 1);
  CHECK(r.output.find("step 21") != std::string::npos);
  CHECK(read_file(out / "checkpoint.safetensors") == good);
  // From scratch, the run: loss ~1e30 but finite; the optimizer state overflows.
  const fs::path fresh = dir / "fresh";
  const Outcome d = run_status(dir, kToy + " --out " + fresh.string() + " --steps 200 --save-every 50 --lr 1e4");
  INFO(d.output);
  CHECK(d.status == 1);
  CHECK(d.output.find("step") != std::string::npos);
  if (fs::exists(fresh / "checkpoint.safetensors")) {  // any checkpoint that was written holds finite values only
    for (const auto& [name, t] : io::safetensors::load((fresh / "checkpoint.safetensors").string()).tensors) {
      INFO(name);
      for (double v : values(t)) REQUIRE(std::isfinite(v));
    }
  }
  fs::remove_all(dir);
}

TEST_CASE("programs: a second run on the same --out is refused, naming the first", "[examples][safety]") {
  const fs::path dir = temp_dir("lock");
  const fs::path out = dir / "run";
  fs::create_directories(out);
  // Hold the folder's lock as a running program would.
  const int fd = ::open((out / ".lock").c_str(), O_RDWR | O_CREAT, 0644);
  REQUIRE(fd >= 0);
  REQUIRE(::flock(fd, LOCK_EX | LOCK_NB) == 0);
  const std::string holder = "pid 4242, toy2d, started earlier\n";
  REQUIRE(::write(fd, holder.data(), holder.size()) == static_cast<ssize_t>(holder.size()));
  const Outcome r = run_status(dir, kToy + " --out " + out.string() + " --steps 5");
  INFO(r.output);
  CHECK(r.status == 1);
  CHECK(r.output.find("is in use by another run (pid 4242, toy2d, started earlier)") != std::string::npos);
  CHECK(!fs::exists(out / "checkpoint.safetensors"));
  CHECK(!fs::exists(out / "config.json"));
  ::close(fd);  // the first run ends: the folder is free again
  run(dir, kToy + " --out " + out.string() + " --steps 5");
  CHECK(read_file(out / ".lock").find("toy2d") != std::string::npos);
  fs::remove_all(dir);
}

TEST_CASE("programs: temporary files of dead writers are removed at start, live ones kept", "[examples][safety]") {
  const fs::path dir = temp_dir("stale");
  const fs::path out = dir / "run";
  fs::create_directories(out);
  const pid_t dead = ::fork();  // a process that has surely ended
  if (dead == 0) ::_exit(0);
  REQUIRE(dead > 0);
  ::waitpid(dead, nullptr, 0);
  const fs::path stale = out / ("checkpoint.safetensors.tmp." + std::to_string(dead));
  const fs::path live = out / ("checkpoint.safetensors.tmp." + std::to_string(::getpid()));
  write_bytes(stale, "half a checkpoint");
  write_bytes(live, "someone is writing this");
  const Outcome r = run_status(dir, kToy + " --out " + out.string() + " --steps 5");
  INFO(r.output);
  REQUIRE(r.status == 0);
  CHECK(!fs::exists(stale));
  CHECK(fs::exists(live));
  CHECK(r.output.find("removed " + stale.string()) != std::string::npos);
  fs::remove_all(dir);
}

TEST_CASE("programs: --save-every 0 means a checkpoint only at the end", "[examples][safety]") {
  const fs::path dir = temp_dir("save0");
  run(dir, kToy + " --out " + (dir / "run").string() + " --steps 12 --save-every 0");
  CHECK(io::safetensors::load((dir / "run" / "checkpoint.safetensors").string()).metadata.at("step") == "12");
  fs::remove_all(dir);
}

TEST_CASE("programs: start-up lines reach a log file before the error that follows them", "[examples][safety]") {
  const fs::path dir = temp_dir("order");
  const Outcome r = run_status(dir, kToy + " --out " + (dir / "run").string() + " --resume");  // no checkpoint there
  INFO(r.output);
  CHECK(r.status == 1);
  const size_t banner = r.output.find("toy2d: GEMM"), error = r.output.find("toy2d: error: --resume needs");
  REQUIRE(banner != std::string::npos);
  REQUIRE(error != std::string::npos);
  CHECK(banner < error);
  fs::remove_all(dir);
}

TEST_CASE("toy2d: stopped and resumed (cosine schedule, 2 threads) equals uninterrupted, files included",
          "[examples][safety]") {
  const fs::path dir = temp_dir("resume_toy");
  const std::string common = rill::test::program("toy2d") +
                             " --batch 32 --width 16 --samples 64 --nfe 4 --threads 2"
                             " --schedule cosine --steps 40 --save-every 10 --out ";
  run(dir, common + (dir / "straight").string());
  run(dir, common + (dir / "resumed").string() + " --stop-after 15");
  CHECK(io::safetensors::load((dir / "resumed" / "checkpoint.safetensors").string()).metadata.at("step") == "15");
  // Rows an interrupted run wrote after its last checkpoint are cut on resume.
  std::ofstream((dir / "resumed" / "metrics.csv"), std::ios::app) << "20,9.99,0.1,0.5\n30,9.99,0.1,0.6\n";
  run(dir, common + (dir / "resumed").string() + " --resume");
  require_same_tensors(dir / "straight" / "checkpoint.safetensors", dir / "resumed" / "checkpoint.safetensors");
  CHECK(csv_without_time(dir / "straight" / "metrics.csv") == csv_without_time(dir / "resumed" / "metrics.csv"));
  CHECK(read_file(dir / "straight" / "samples.npy") == read_file(dir / "resumed" / "samples.npy"));
  fs::remove_all(dir);
}

TEST_CASE("toy2d: killed with SIGKILL at any moment, resumes to the uninterrupted run's files", "[examples][safety]") {
  const fs::path dir = temp_dir("kill");
  const std::string flags = "--batch 128 --width 32 --samples 64 --nfe 4 --threads 1 --steps 300 --save-every 20";
  run(dir, rill::test::program("toy2d") + " " + flags + " --out " + (dir / "straight").string());
  const fs::path out = dir / "killed";
  const pid_t child = ::fork();
  if (child == 0) {
    const int null = ::open("/dev/null", O_WRONLY);
    ::dup2(null, 1), ::dup2(null, 2);
    const std::string cmd = rill::test::program("toy2d") + " " + flags + " --out " + out.string();
    ::execl("/bin/sh", "sh", "-c", ("exec " + cmd).c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  REQUIRE(child > 0);
  // Kill it as soon as its first checkpoint is on disk (so there is something to resume).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!fs::exists(out / "checkpoint.safetensors") && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  ::kill(child, SIGKILL);
  int status = 0;
  ::waitpid(child, &status, 0);
  REQUIRE(fs::exists(out / "checkpoint.safetensors"));
  INFO("killed: " << (WIFSIGNALED(status) ? "yes" : "no, it had finished") << ", checkpoint at step "
                  << io::safetensors::load((out / "checkpoint.safetensors").string()).metadata.at("step"));
  run(dir, rill::test::program("toy2d") + " " + flags + " --out " + out.string() + " --resume");
  require_same_tensors(dir / "straight" / "checkpoint.safetensors", out / "checkpoint.safetensors");
  CHECK(csv_without_time(dir / "straight" / "metrics.csv") == csv_without_time(out / "metrics.csv"));
  fs::remove_all(dir);
}

TEST_CASE("image_flow --conditional: stopped and resumed (cosine, 2 threads) equals uninterrupted",
          "[examples][safety]") {
  const fs::path dir = temp_dir("resume_mnist");
  write_tiny_mnist(dir / "data");
  const std::string common = image_flow("mnist") + " --data " + (dir / "data").string() +
                             " --conditional --batch 4 --base 8 --samples 2 --solver euler --nfe 1 --threads 2 --schedule cosine"
                             " --steps 6 --save-every 2 --val-every 2 --sample-every 2 --out ";
  run(dir, common + (dir / "straight").string());
  run(dir, common + (dir / "resumed").string() + " --stop-after 3");
  run(dir, common + (dir / "resumed").string() + " --resume");
  require_same_tensors(dir / "straight" / "checkpoint.safetensors", dir / "resumed" / "checkpoint.safetensors");
  CHECK(csv_without_time(dir / "straight" / "metrics.csv") == csv_without_time(dir / "resumed" / "metrics.csv"));
  CHECK(read_file(dir / "straight" / "samples.npy") == read_file(dir / "resumed" / "samples.npy"));
  // The validation column (rows 0, 2, 4 and the last) and the grids drawn during training
  // are the same whether or not the run was interrupted.
  CHECK(read_file(dir / "straight" / "metrics.csv").find(",\n") != std::string::npos);  // rows without validation
  for (const char* grid : {"samples_step2.png", "samples_step4.png", "samples_step6.png"})
    CHECK(read_file(dir / "straight" / grid) == read_file(dir / "resumed" / grid));
  fs::remove_all(dir);
}

TEST_CASE("programs: --sample-only reads the weights it needs, not the optimizer state", "[examples][safety]") {
  const fs::path dir = temp_dir("sample_only");
  const fs::path out = dir / "run";
  run(dir, kToy + " --out " + out.string() + " --steps 10");
  // The same checkpoint without its optimizer part: sampling works, resuming is refused.
  auto ckpt = io::safetensors::load((out / "checkpoint.safetensors").string());
  nn::StateDict kept;
  for (const auto& [name, t] : ckpt.tensors)
    if (name.rfind("optimizer.", 0) != 0) kept.emplace_back(name, t);
  REQUIRE(kept.size() < ckpt.tensors.size());
  io::safetensors::save((out / "checkpoint.safetensors").string(), kept, ckpt.metadata);
  run(dir, kToy + " --out " + out.string() + " --steps 10 --sample-only");
  const Outcome r = run_status(dir, kToy + " --out " + out.string() + " --steps 20 --resume");
  INFO(r.output);
  CHECK(r.status == 1);
  CHECK(r.output.find("optimizer") != std::string::npos);
  fs::remove_all(dir);
}

namespace {

// A copy of a checkpoint with its safetensors header edited (tensor entries and
// __metadata__); the data bytes stay as they were.
void edit_header(const fs::path& from, const fs::path& to, const std::function<void(nlohmann::json&)>& edit) {
  const std::string bytes = read_file(from);
  uint64_t n = 0;
  std::memcpy(&n, bytes.data(), 8);
  nlohmann::json header = nlohmann::json::parse(bytes.substr(8, n));
  edit(header);
  const std::string text = header.dump();
  const uint64_t m = text.size();
  write_bytes(to, std::string(reinterpret_cast<const char*>(&m), 8) + text + bytes.substr(8 + n));
}

// Runs toy2d with `flags` on a folder holding only `checkpoint` (made by `make`): it must
// end with status 1 and a message containing `message`, and leave the folder as it was.
void require_refused(const fs::path& dir, const std::string& what, const std::string& flags, const std::string& message,
                     const std::function<void(const fs::path& checkpoint)>& make) {
  const fs::path out = dir / "crafted";
  fs::remove_all(out);
  fs::create_directories(out);
  make(out / "checkpoint.safetensors");
  const auto before = snapshot(out);
  const Outcome r = run_status(dir, kToy + " --out " + out.string() + " " + flags);
  INFO(what << "\n" << r.output);
  CHECK(r.status == 1);
  CHECK(r.output.find("toy2d: error:") != std::string::npos);
  CHECK(r.output.find(message) != std::string::npos);
  auto after = snapshot(out);
  after.erase(".lock");  // the run's lock file, made when it took the folder
  CHECK(after == before);
}

}  // namespace

TEST_CASE("programs: crafted checkpoints end with status 1, a message, and the folder as it was",
          "[examples][safety]") {
  const fs::path dir = temp_dir("crafted");
  const fs::path good = dir / "good" / "checkpoint.safetensors";
  run(dir, kToy + " --out " + (dir / "good").string() + " --steps 10");
  // Headers that lie (the reviewer's files).
  require_refused(dir, "an optimizer step count of 2^61 float64 elements in no bytes", "--sample-only",
                  "optimizer.step.net.0.weight", [&](const fs::path& p) {
                    edit_header(good, p, [](nlohmann::json& h) {
                      h["optimizer.step.net.0.weight"] = {
                          {"dtype", "F64"}, {"shape", {2305843009213693952ULL}}, {"data_offsets", {0, 0}}};
                    });
                  });
  require_refused(dir, "a step of 2^63", "--resume --steps 20", "step", [&](const fs::path& p) {
    edit_header(good, p, [](nlohmann::json& h) { h["__metadata__"]["step"] = "9223372036854775808"; });
  });
  // Well-formed files whose contents are wrong, written by the safetensors writer.
  const auto rewritten = [&](const std::function<void(nn::StateDict&)>& edit) {
    return [&good, edit](const fs::path& p) {
      auto ckpt = io::safetensors::load(good.string());
      edit(ckpt.tensors);
      io::safetensors::save(p.string(), ckpt.tensors, ckpt.metadata);
    };
  };
  require_refused(dir, "a NaN in the EMA weights", "--sample-only", "ema.net.0.bias", rewritten([](nn::StateDict& t) {
                    for (auto& [name, x] : t)
                      if (name == "ema.net.0.bias") ops::fill_(x, NAN);
                  }));
  require_refused(dir, "a tensor of an unknown prefix", "--resume --steps 20", "stray.weight",
                  rewritten([](nn::StateDict& t) { t.emplace_back("stray.weight", zeros({2})); }));
  require_refused(dir, "a missing Adam moment", "--resume --steps 20",
                  "optimizer load_state_dict: 'exp_avg.net.0.bias' is missing", rewritten([](nn::StateDict& t) {
                    std::erase_if(t, [](const auto& e) { return e.first == "optimizer.exp_avg.net.0.bias"; });
                  }));
  fs::remove_all(dir);
}
