// The repository's layers, checked on its own sources: dependencies point one way.
//
//   tensor -> io -> data -> autograd -> nn -> flowmatch -> examples
//   cuda         a second backend behind the tensor's Backend interface (tensor only); it
//                registers itself (cuda/register.cpp), so tensor/ names no CUDA file
//   distributed  collectives on tensors (tensor, and cuda for NCCL)
//
// A folder may include from itself and from the folders listed for it below, nothing else;
// its CMake library target (rill_<folder>) links only the targets of those folders; and
// the README states the same order and lists every folder in its map.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <vector>

#include "helpers.h"

namespace fs = std::filesystem;

namespace {

const fs::path kSource = rill::test::source_dir();

// What each folder may include from besides itself.
const std::map<std::string, std::set<std::string>> kMayUse = {
    {"tensor", {}},
    {"io", {"tensor"}},
    {"data", {"tensor", "io"}},
    {"cuda", {"tensor"}},
    {"distributed", {"tensor", "cuda"}},
    {"autograd", {"tensor"}},
    {"nn", {"tensor", "autograd", "io"}},
    {"flowmatch", {"tensor", "autograd", "io", "data", "nn"}},
    {"examples", {"tensor", "cuda", "distributed", "io", "data", "autograd", "nn", "flowmatch"}},
};

// The README's one-line order of the main chain: each may use only folders to its left.
const std::vector<std::string> kChain = {"tensor", "io", "data", "autograd", "nn", "flowmatch", "examples"};

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
  std::string chain;
  for (const std::string& f : kChain) chain += (chain.empty() ? "" : " -> ") + f;
  CHECK(readme.find("`" + chain + "`") != std::string::npos);
  // The chain agrees with the map: no folder in it may use one to its right.
  for (size_t i = 0; i < kChain.size(); ++i)
    for (const std::string& used : kMayUse.at(kChain[i])) {
      INFO(kChain[i] << " may use " << used);
      const auto at = std::find(kChain.begin(), kChain.end(), used);
      CHECK((at == kChain.end() || at < kChain.begin() + static_cast<std::ptrdiff_t>(i)));
    }
  // Every layer folder is in the README's map of the repository.
  for (const auto& [folder, may_use] : kMayUse) {
    INFO(folder);
    CHECK(readme.find("| `" + folder + "/` |") != std::string::npos);
  }
}

// Each library target rill_<folder> is declared in <folder>/CMakeLists.txt; every rill_<x>
// its target_link_libraries names must be a folder it may use (rill_warnings, a flags-only
// target, aside). Read from the CMake files themselves, so a new link shows up here.
TEST_CASE("repository: each library target links only the layers its folder may use", "[repo]") {
  const std::regex link(R"re(target_link_libraries\s*\(\s*rill_([a-z_]+)\b([^)]*)\))re");
  const std::regex target(R"re(\brill_([a-z_]+)\b)re");
  int links = 0;
  for (const auto& [folder, may_use] : kMayUse) {
    const fs::path cmake = kSource / folder / "CMakeLists.txt";
    REQUIRE(fs::exists(cmake));
    const std::string text = read(cmake);
    for (auto it = std::sregex_iterator(text.begin(), text.end(), link); it != std::sregex_iterator(); ++it) {
      const std::string who = (*it)[1], args = (*it)[2];
      if (who != folder) continue;  // another target in the same file (an object library, a helper)
      for (auto t = std::sregex_iterator(args.begin(), args.end(), target); t != std::sregex_iterator(); ++t) {
        const std::string used = (*t)[1];
        if (used == "warnings" || used == folder) continue;
        ++links;
        INFO(fs::relative(cmake, kSource).string() << ": rill_" << folder << " links rill_" << used);
        CHECK(may_use.count(used) > 0);
      }
    }
  }
  CHECK(links >= 8);  // the parse found the links (tensor's none, io -> tensor, data -> io, tensor, ...)
}
