// The test runner's entry point, the same with Catch2 v2 and v3 (tests/catch.h): our own
// main, so that both link the same way (v3's Catch2::Catch2 is its library without a main;
// v2 compiles its implementation into this file when CATCH_CONFIG_RUNNER is defined).
#define CATCH_CONFIG_RUNNER
#include "catch.h"

int main(int argc, char** argv) { return Catch::Session().run(argc, argv); }
