// rill — RILL_HOST_DEVICE: a function callable from host code and from CUDA kernels.
//
// Used by the few headers whose functions both backends run: the random-number
// generator (philox.h) and the elementwise formulas (elementwise_ops.h). Only nvcc knows
// the attributes; to the host compiler such a function is a plain inline function.
#pragma once

#if defined(__CUDACC__)
#define RILL_HOST_DEVICE __host__ __device__ __forceinline__
#else
#define RILL_HOST_DEVICE inline
#endif
