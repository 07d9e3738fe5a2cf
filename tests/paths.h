// rill tests — where the source tree and the example programs are.
//
// CMake gives these paths to tests/paths.cpp alone (as compile definitions of that one
// file), not to every test file: an absolute path of the clone in every file's compile
// command would make each file's compile differ between two clones of the same source, and
// CI's compiler cache (ccache, .ci/run) could not reuse any test object.
#pragma once

#include <string>

namespace rill::test {

const char* source_dir();                      // the repository root
std::string program(const std::string& name);  // the built example program `name` ("toy2d", ...)

}  // namespace rill::test
