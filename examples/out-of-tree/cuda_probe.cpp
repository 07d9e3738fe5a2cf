// Does this program have rill's CUDA backend? It registers itself before main() runs
// (rill's cuda/register.cpp), if the program links it: with the installed package, by
// linking rill::cuda, which puts the registration object on the link line. Asking the
// tensor layer for the CUDA backend touches no GPU, so this runs on any machine.
// Prints the answer; the exit status is 0 when the answer is what the caller expects:
//   cuda_probe registered       (built against rill::cuda)
//   cuda_probe not-registered   (built against rill::rill alone: the negative control)
#include <cstdio>
#include <string>

#include "tensor/backend.h"

int main(int argc, char** argv) {
  const std::string expect = argc > 1 ? argv[1] : "registered";
  bool registered = true;
  try {
    rill::backend(rill::Device::cuda(0));
  } catch (const rill::Error& e) {
    registered = false;
    std::printf("no CUDA backend: %s\n", e.what());
  }
  std::printf("CUDA backend %s\n", registered ? "registered" : "not registered");
  return (registered ? "registered" : "not-registered") == expect ? 0 : 1;
}
