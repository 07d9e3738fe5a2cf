// Catch2, version 3 or 2, behind the names rill's tests use (the v2 ones). Every test file
// includes this (through helpers.h), never Catch2's own headers.
//   v3 (a compiled library; e.g. Debian trixie): <catch2/catch_all.hpp>. Approx moved into
//      namespace Catch, and the substring matcher is Catch::Matchers::ContainsSubstring
//      (v3's Matchers::Contains is the range matcher: "does this vector hold 3?").
//   v2 (header-only; Debian bookworm's catch2 2.13): <catch2/catch.hpp>, where the names
//      used here exist as they are.
// tests/CMakeLists.txt finds v3 first, then v2; the headers of the one it found are on the
// include path, so testing for v3's header picks the same one.
#pragma once

#if __has_include(<catch2/catch_all.hpp>)
#include <catch2/catch_all.hpp>
#define RILL_CATCH2_MAJOR 3

using Catch::Approx;

namespace Catch {
// v2's Catch::Contains(text) and Catch::StartsWith(text), as the tests spell them.
inline Matchers::StringContainsMatcher Contains(const std::string& text, CaseSensitive cs = CaseSensitive::Yes) {
  return Matchers::ContainsSubstring(text, cs);
}
using Matchers::StartsWith;
}  // namespace Catch

#else
#include <catch2/catch.hpp>
#define RILL_CATCH2_MAJOR 2
#endif
