// rill CUDA — plugs the CUDA backend into the tensor layer, before main() runs.
//
// The tensor layer knows nothing of CUDA: backend(Device::cuda()) (tensor/backend.cpp)
// serves whichever backend was registered for DeviceType::CUDA, and refuses CUDA tensors
// with a clear message when none was. This file registers ours, from the constructor of
// a static object. Two traps of self-registration, and why they do not bite:
//   - a static library member is linked only when something refers to one of its
//     symbols, and nothing refers to this file. So it is not a member of librill_cuda.a:
//     it is an object library whose object file every program linking rill_cuda gets on
//     its link line, linked unconditionally (cuda/CMakeLists.txt);
//   - constructors of statics in different files run in an unspecified order: the
//     registry is a plain pointer, zero before any constructor runs, and the backend
//     object is built on first use (cuda_backend()), so any order works. Registering
//     touches no GPU: a machine without one still gets the backend, whose first
//     allocation then says that there is no usable device.
// (Plain C++: registering needs no CUDA header, so the host compiler builds this file.)
#include "cuda/cuda_backend.h"

namespace rill::cuda {
namespace {

struct Registrar {
  Registrar() { register_backend(DeviceType::CUDA, &cuda_backend()); }
};
const Registrar registrar;

}  // namespace
}  // namespace rill::cuda
