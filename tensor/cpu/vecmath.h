// rill CPU — exp for float32 in a form the compiler vectorises.
//
// std::exp(float) is a call into libm per element, which no loop vectoriser can widen
// (glibc's vector variants are only declared under -ffast-math, which rill does not use
// because it breaks NaN checks). SiLU and sigmoid, the U-Net's activations, spend most
// of their time there. exp_vec computes the same function with plain arithmetic:
//
//   x = n ln2 + r,  n = round(x / ln2),  |r| <= ln2 / 2
//   e^x = 2^n e^r,  e^r ~ 1 + r + r^2 (c2 + c3 r + ... + c7 r^5)   (Cephes' expf polynomial)
//   2^n is built by writing n + 127 into a float's exponent bits.
// ln2 is split into a short high part (exact in n * ln2_hi) and a low correction, so r
// keeps full precision. Relative error below 2^-22 (tested against double exp over the
// whole float range). Results below the smallest normal float (x < -87.3) flush to 0;
// x > 88.7 gives +inf; NaN stays NaN.
#pragma once

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>

namespace rill::cpu {

inline float exp_vec(float x) {
  constexpr float kMax = 88.3762626647949f;  // ln(FLT_MAX): e^x overflows beyond
  constexpr float kMin = -87.3365447504f;    // ln(FLT_MIN): smallest normal result
  const bool nan = x != x;
  const float xc = nan ? 0.0f : (x > kMax ? kMax : (x < kMin ? kMin : x));
  // n = round(x / ln2) with the 1.5 * 2^23 trick: adding it rounds to an integer.
  constexpr float kRound = 12582912.0f;
  const float n = (xc * 1.44269504088896341f + kRound) - kRound;
  const float r = (xc - n * 0.693359375f) - n * -2.12194440e-4f;  // x - n ln2, in two parts
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  const float er = p * (r * r) + r + 1.0f;
  const float scale = std::bit_cast<float>(static_cast<int32_t>(n + 127.0f) << 23);  // 2^n, n in [-126, 127]
  const float y = er * scale;
  if (nan) return x;
  if (x > kMax) return std::numeric_limits<float>::infinity();
  if (x < kMin) return 0.0f;
  return y;
}

// The float64 path keeps libm's exp (no vector gain needed there: float64 is for tests).
inline double exp_vec(double x) { return std::exp(x); }

}  // namespace rill::cpu
