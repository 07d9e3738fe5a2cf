// The documentation stands on its own: every relative link and image in the repository's
// Markdown files points to a file that exists in the repository, and no page points
// outside it (a clone has nothing outside it).
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "helpers.h"

namespace fs = std::filesystem;

TEST_CASE("repository: every Markdown link points to a file inside the repository", "[repo][docs]") {
  const fs::path source = fs::canonical(rill::test::source_dir());
  // [text](target) and ![alt](target); the target up to a space, ')' or '#'.
  const std::regex link(R"(\]\(([^)\s#]*)(#[^)\s]*)?\))");
  int pages = 0, links = 0;
  for (auto it = fs::recursive_directory_iterator(source); it != fs::recursive_directory_iterator(); ++it) {
    const std::string name = it->path().filename().string();
    if (it->is_directory() && (name == ".git" || name.rfind("build", 0) == 0 || name == "runs")) {
      it.disable_recursion_pending();
      continue;
    }
    if (!it->is_regular_file() || it->path().extension() != ".md") continue;
    ++pages;
    std::ifstream in(it->path());
    std::stringstream text;
    text << in.rdbuf();
    const std::string page = text.str();
    for (auto m = std::sregex_iterator(page.begin(), page.end(), link); m != std::sregex_iterator(); ++m) {
      const std::string target = (*m)[1];
      if (target.empty() || target.find("://") != std::string::npos || target.rfind("mailto:", 0) == 0) continue;
      ++links;
      const fs::path resolved = fs::weakly_canonical(it->path().parent_path() / target);
      INFO(fs::relative(it->path(), source).string() << " links to " << target);
      CHECK(fs::exists(resolved));
      const std::string rel = fs::relative(resolved, source).string();
      CHECK(rel.rfind("..", 0) != 0);  // inside the repository
    }
    INFO(fs::relative(it->path(), source).string());
    CHECK(page.find("../shared/") == std::string::npos);  // the team's notes are not part of a clone
  }
  CHECK(pages >= 5);
  CHECK(links >= 20);
}
