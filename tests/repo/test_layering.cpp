// The repository's layers, checked on its own sources: dependencies point one way.
//
//   tensor -> autograd -> nn -> flowmatch -> examples
//   cuda         a second backend behind the tensor's Backend interface (includes tensor only)
//   distributed  collectives on tensors (tensor, and cuda for NCCL)
//
// A folder may include from itself and from the folders listed for it below, nothing else,
// and the README states the same order. (That each library target links only those too is
// not checked yet: rill_tensor still links rill_cuda for the CUDA backend's registration.)
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "helpers.h"

namespace fs = std::filesystem;

namespace {

const fs::path kSource = RILL_SOURCE_DIR;

// What each folder may include from besides itself.
const std::map<std::string, std::set<std::string>> kMayUse = {
    {"tensor", {}},
    {"cuda", {"tensor"}},
    {"distributed", {"tensor", "cuda"}},
    {"autograd", {"tensor"}},
    {"nn", {"tensor", "autograd"}},
    {"flowmatch", {"tensor", "autograd", "nn"}},
    {"examples", {"tensor", "cuda", "distributed", "autograd", "nn", "flowmatch"}},
};

std::string read(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

bool is_source(const fs::path& p) {
  const std::string e = p.extension().string();
  return e == ".h" || e == ".cpp" || e == ".cu" || e == ".cuh";
}

}  // namespace

TEST_CASE("repository: no file includes from a folder above its own in the layer order", "[repo]") {
  const std::regex include(R"re(^\s*#\s*include\s+"([a-z_]+)/)re");
  int files = 0;
  for (const auto& [folder, may_use] : kMayUse) {
    REQUIRE(fs::is_directory(kSource / folder));
    for (const auto& entry : fs::recursive_directory_iterator(kSource / folder)) {
      if (!entry.is_regular_file() || !is_source(entry.path())) continue;
      ++files;
      std::ifstream in(entry.path());
      int line_number = 0;
      for (std::string line; std::getline(in, line);) {
        ++line_number;
        std::smatch m;
        if (!std::regex_search(line, m, include)) continue;
        const std::string used = m[1];
        INFO(fs::relative(entry.path(), kSource).string() << ":" << line_number << ": " << line);
        CHECK((used == folder || may_use.count(used) > 0));
      }
    }
  }
  CHECK(files > 100);  // the walk found the sources
}

TEST_CASE("repository: the README states the same layer order", "[repo]") {
  const std::string readme = read(kSource / "README.md");
  CHECK(readme.find("`tensor -> autograd -> nn -> flowmatch -> examples`") != std::string::npos);
  // Every layer folder is in the README's map of the repository.
  for (const auto& [folder, may_use] : kMayUse) {
    INFO(folder);
    CHECK(readme.find("| `" + folder + "/` |") != std::string::npos);
  }
}
