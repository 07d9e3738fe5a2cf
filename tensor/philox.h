// rill — Philox4x32-10, the counter-based random number generator.
//
// Salmon, Moraes, Dror & Shaw, "Parallel random numbers: as easy as 1, 2, 3" (SC 2011).
// A counter-based generator is a pure function
//     block = philox(counter: 4 x u32, key: 2 x u32)  ->  4 x u32
// so element i of a random tensor can be computed independently of every other
// element, on any device, in any order: this is what lets the CPU and the CUDA
// backend draw identical numbers for the same seed.
//
// rill's convention (shared by all backends):
//   key     = (low 32 bits of seed, high 32 bits of seed)
//   counter = (low 32 bits of b, high 32 bits of b, 0, 0) for block number b
// A generator's `offset` counts the blocks already used; an op drawing from block
// offset + j advances the offset past the last block it used.
//
// Header-only and free of std:: calls so that CUDA kernels can include it.
#pragma once

#include <cstdint>

#include "tensor/host_device.h"

namespace rill::philox {

struct Block {
  uint32_t x[4];
};

RILL_HOST_DEVICE Block philox4x32_10(uint32_t c0, uint32_t c1, uint32_t c2, uint32_t c3, uint32_t k0, uint32_t k1) {
  constexpr uint32_t kMul0 = 0xD2511F53u, kMul1 = 0xCD9E8D57u;    // round multipliers
  constexpr uint32_t kWeyl0 = 0x9E3779B9u, kWeyl1 = 0xBB67AE85u;  // key schedule (golden ratio, sqrt 3)
  for (int round = 0; round < 10; ++round) {
    const uint64_t p0 = static_cast<uint64_t>(kMul0) * c0;
    const uint64_t p1 = static_cast<uint64_t>(kMul1) * c2;
    const uint32_t hi0 = static_cast<uint32_t>(p0 >> 32), lo0 = static_cast<uint32_t>(p0);
    const uint32_t hi1 = static_cast<uint32_t>(p1 >> 32), lo1 = static_cast<uint32_t>(p1);
    const uint32_t n0 = hi1 ^ c1 ^ k0, n1 = lo1, n2 = hi0 ^ c3 ^ k1, n3 = lo0;
    c0 = n0, c1 = n1, c2 = n2, c3 = n3;
    k0 += kWeyl0, k1 += kWeyl1;
  }
  return {{c0, c1, c2, c3}};
}

// Block number `b` under `seed` in rill's convention.
RILL_HOST_DEVICE Block block(uint64_t seed, uint64_t b) {
  return philox4x32_10(static_cast<uint32_t>(b), static_cast<uint32_t>(b >> 32), 0, 0, static_cast<uint32_t>(seed),
                       static_cast<uint32_t>(seed >> 32));
}

// Uniform in [0, 1) with 24 random bits (exactly representable as float).
RILL_HOST_DEVICE float uniform24(uint32_t x) { return static_cast<float>(x >> 8) * 0x1.0p-24f; }
// Uniform in [0, 1) with 53 random bits (exactly representable as double).
RILL_HOST_DEVICE double uniform53(uint32_t hi, uint32_t lo) {
  const uint64_t bits = (static_cast<uint64_t>(hi) << 32 | lo) >> 11;
  return static_cast<double>(bits) * 0x1.0p-53;
}

// Element i of a uniform tensor uses block offset + i (lane 0 for float32,
// lanes 0-1 for float64).
// Element i of a normal tensor uses block offset + i/2, by Box-Muller:
//   u1 = 1 - uniform53(x0, x1) in (0, 1],  u2 = uniform53(x2, x3),
//   r = sqrt(-2 ln u1),  element 2j = r cos(2 pi u2),  element 2j+1 = r sin(2 pi u2).
// Element i of an integer tensor in [low, high) uses block offset + i:
//   low + floor(v * (high - low) / 2^64) with v = x0 << 32 | x1 (Lemire's
//   multiply-shift; its bias, range / 2^64, is far below anything measurable).
RILL_HOST_DEVICE uint64_t bits64(const Block& b) { return static_cast<uint64_t>(b.x[0]) << 32 | b.x[1]; }
__extension__ typedef unsigned __int128 uint128_t;  // GCC/Clang/nvcc builtin (__extension__: not ISO C++)
RILL_HOST_DEVICE int64_t int_in_range(const Block& b, int64_t low, int64_t high) {
  const uint128_t range = static_cast<uint64_t>(high) - static_cast<uint64_t>(low);  // unsigned: no overflow
  return low + static_cast<int64_t>((static_cast<uint128_t>(bits64(b)) * range) >> 64);
}

}  // namespace rill::philox
