// rill — which code runs the GEMMs, and whether OpenBLAS's kernels suit this CPU.
//
// float32 products (matmul, every convolution) run on rill's own GEMM
// (tensor/cpu/sgemm.h), whose micro-kernel follows the CPU's flags; OpenBLAS runs the
// float64 ones (gradcheck, tests) and the BLAS reference path of the convolutions.
#pragma once

#include <string>

namespace rill {

// The BLAS in use, e.g. "OpenBLAS 0.3.21 (core Haswell, pthread)".
std::string blas_info();
// rill's float32 GEMM, e.g. "rill's own, avx512 micro-kernel".
std::string gemm_info();
// OpenBLAS's kernel family, e.g. "Haswell", "SkylakeX", or "Prescott" (its slow generic fallback).
std::string blas_core();
// The faster core this CPU supports when OpenBLAS does not run it, else "". OpenBLAS
// picks its kernels when the library loads, from the CPU or from the environment
// variable OPENBLAS_CORETYPE, and may pick slower ones than the CPU can run: an older
// OpenBLAS does not recognise some new CPUs (its generic "Prescott" kernel: ~5x slower),
// and an OPENBLAS_CORETYPE meant for another machine sticks (our development machine sets
// Haswell on an AVX-512 CPU: half the sgemm GFLOP/s of SkylakeX, measured). The fix is
// OPENBLAS_CORETYPE=<suggested core> before the program starts.
std::string suggested_blas_core();
// A one-line note telling the user the fix, or "" when the core is right. It concerns
// float64 and the BLAS reference path only (the benchmarks print it; float32 programs need
// not act on it).
std::string blas_core_advice();

}  // namespace rill
