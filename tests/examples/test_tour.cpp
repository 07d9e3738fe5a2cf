// docs/tour.md is runnable: every stop quotes code from examples/tour/ and shows the output
// to expect; this test runs each stop (and fm_minimal, which the tour starts with) and
// checks the page against both, so the page cannot drift from the code.
//
// In the page, a stop is marked
//     <!-- tour N -->          then a ```cpp block (the lines between "tour:begin" and
//                              "tour:end" of examples/tour/stopN_*.cpp) and a ```text block
//                              (what `tour N` prints)
//     <!-- run fm_minimal [--ot] tolerance R -->   then a ```text block
// Words must match exactly; numbers within a relative tolerance (default 1e-3, the digits a
// different BLAS kernel may change; R for the training runs, which amplify rounding).
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "examples/program_helpers.h"

namespace fs = std::filesystem;
using namespace rill::test;

namespace {

const fs::path kSource = rill::test::source_dir();

// The fenced block of the given language that follows position `from` in `page`.
std::string block_after(const std::string& page, size_t from, const std::string& lang) {
  const std::string fence = "```" + lang + "\n";
  const size_t start = page.find(fence, from);
  REQUIRE(start != std::string::npos);
  const size_t body = start + fence.size();
  const size_t end = page.find("```", body);
  REQUIRE(end != std::string::npos);
  return page.substr(body, end - body);
}

// The lines between "// tour:begin" and "// tour:end", without their common indentation.
std::string quoted_lines(const fs::path& file) {
  std::ifstream in(file);
  std::string line, out;
  bool inside = false;
  size_t indent = std::string::npos;
  std::vector<std::string> lines;
  while (std::getline(in, line)) {
    if (line.find("// tour:begin") != std::string::npos) inside = true;
    else if (line.find("// tour:end") != std::string::npos) inside = false;
    else if (inside) {
      lines.push_back(line);
      if (line.find_first_not_of(' ') != std::string::npos) indent = std::min(indent, line.find_first_not_of(' '));
    }
  }
  for (const auto& l : lines) out += (l.size() >= indent ? l.substr(indent) : "") + "\n";
  return out;
}

// Splits text into tokens: numbers (compared with a tolerance) and everything else.
std::vector<std::string> tokens(const std::string& text) {
  static const std::regex token(R"([-+]?\d+\.?\d*(?:[eE][-+]?\d+)?|\S)");
  std::vector<std::string> out;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), token); it != std::sregex_iterator(); ++it)
    out.push_back(it->str());
  return out;
}

bool is_number(const std::string& s) { return std::isdigit(static_cast<unsigned char>(s.back())) != 0; }

void check_output(const std::string& expected, const std::string& actual, double tolerance) {
  INFO("expected (docs/tour.md):\n" << expected << "\nactual:\n" << actual);
  const auto e = tokens(expected), a = tokens(actual);
  REQUIRE(e.size() == a.size());
  for (size_t i = 0; i < e.size(); ++i) {
    INFO("token " << i << ": expected '" << e[i] << "', got '" << a[i] << "'");
    if (is_number(e[i]) && is_number(a[i])) {
      const double x = std::stod(e[i]), y = std::stod(a[i]);
      CHECK(std::abs(x - y) <= tolerance * std::max(std::abs(x), std::abs(y)));
    } else {
      CHECK(e[i] == a[i]);
    }
  }
}

}  // namespace

TEST_CASE("docs/tour.md: every stop's code is the program's and its output is what the program prints", "[tour]") {
  const std::string page = read_file(kSource / "docs/tour.md");
  const fs::path dir = temp_dir("tour");
  for (int n = 1; n <= 8; ++n) {
    DYNAMIC_SECTION("stop " << n) {
      const size_t marker = page.find("<!-- tour " + std::to_string(n) + " -->");
      REQUIRE(marker != std::string::npos);
      fs::path file;
      for (const auto& entry : fs::directory_iterator(kSource / "examples/tour"))
        if (entry.path().filename().string().rfind("stop" + std::to_string(n) + "_", 0) == 0) file = entry.path();
      REQUIRE(!file.empty());
      INFO(file.string());
      CHECK(block_after(page, marker, "cpp") == quoted_lines(file));
      const Outcome ran = run_status(dir, rill::test::program("tour") + " " + std::to_string(n));
      REQUIRE(ran.status == 0);
      check_output(block_after(page, marker, "text"), ran.output, 1e-3);
    }
  }
}

TEST_CASE("docs/tour.md: fm_minimal prints what the page shows", "[tour]") {
  const std::string page = read_file(kSource / "docs/tour.md");
  const std::regex marker(R"(<!-- run fm_minimal( --ot)? tolerance ([0-9.]+) -->)");
  const fs::path dir = temp_dir("fm_minimal");
  int runs = 0;
  for (auto it = std::sregex_iterator(page.begin(), page.end(), marker); it != std::sregex_iterator(); ++it) {
    const std::string args = (*it)[1];
    const Outcome ran = run_status(dir, rill::test::program("fm_minimal") + args);
    REQUIRE(ran.status == 0);
    check_output(block_after(page, it->position(), "text"), ran.output, std::stod((*it)[2]));
    ++runs;
  }
  CHECK(runs >= 1);
}
