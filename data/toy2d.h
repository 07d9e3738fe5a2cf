// rill data — 2-D toy distributions, each defined exactly (n points [n, 2], float32):
//
//   moons        theta ~ U(0, pi); half the points (cos theta, sin theta), half
//                (1 - cos theta, 0.5 - sin theta); add N(0, 0.1^2); then p -> 3 (p - (0.5, 0.25)).
//   8gaussians   centres 4 (cos k pi/4, sin k pi/4), k = 0..7 chosen uniformly; std 0.4.
//   checkerboard uniform on the 8 unit squares of [-2, 2]^2 whose corner (i, j) has i + j even,
//                scaled by 2 (so [-4, 4]^2).
//   circles      radius 4 or 2 (equal chance), angle ~ U(0, 2 pi); add N(0, 0.1^2).
//   swissroll    t = 1.5 pi (1 + 2 u), u ~ U(0, 1); (t cos t, t sin t) / 3 + N(0, 0.1^2).
//   spirals      two arms: theta = 3 pi sqrt(u); r = theta / 3; arm k: r (cos(theta + k pi),
//                sin(theta + k pi)) + N(0, 0.1^2).
// All draws come from the given generator, so a seed fixes the data.
#pragma once

#include <string>
#include <vector>

#include "tensor/random.h"
#include "tensor/tensor.h"

namespace rill::data {

Tensor sample_2d(const std::string& name, int64_t n, Generator* gen = nullptr);
// The names sample_2d accepts (plus "gaussian": N(0, I), the usual source).
const std::vector<std::string>& toy2d_names();

}  // namespace rill::data
