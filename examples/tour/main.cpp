// tour — runs one stop of docs/tour.md:  ./build/examples/tour 3
#include <cstdlib>
#include <string>

#include "examples/tour/tour.h"
#include "tensor/error.h"

int main(int argc, char** argv) {
  using namespace rill::tour;
  void (*stops[])() = {stop1_tensor, stop2_op,   stop3_backward, stop4_module,
                       stop5_unet,   stop6_cfm_step, stop7_ode,  stop8_conv};
  const int n = argc == 2 ? std::atoi(argv[1]) : 0;
  if (n < 1 || n > 8) {
    fmt::print(stderr, "usage: tour <stop 1..8>   (the stops of docs/tour.md)\n");
    return 1;
  }
  try {
    stops[n - 1]();
  } catch (const std::exception& e) {
    fmt::print(stderr, "tour: {}\n", e.what());
    return 1;
  }
  return 0;
}
