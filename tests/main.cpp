// The test runner's entry point (Catch2 v2 generates main here, once).
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
