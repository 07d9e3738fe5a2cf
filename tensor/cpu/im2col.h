// rill CPU — im2col and col2im for one (image, channel) plane; used by the batch
// kernels of image.cpp and by the per-image convolution of conv.cpp.
//
// For a plane x [H, W] and a window w, the kh*kw rows of length L = Ho*Wo are
//   cols[(i*kw + j), ho*Wo + wo] = x[ho*sh - ph + i*dh, wo*sw - pw + j*dw]   (0 outside)
// For fixed (i, j) the input column x = wo*sw + x0 (x0 = j*dw - pw) is inside the image
// for wo in [lo, hi), computed once, so the inner loop is a plain (for stride 1:
// contiguous, vectorised) copy with no bounds test per element.
#pragma once

#include <algorithm>
#include <cstdint>

#include "tensor/backend.h"

namespace rill::cpu {

// The output columns wo in [0, Wo) whose input column wo*stride + x0 lies in [0, size).
struct ValidRange {
  int64_t lo, hi;
};
inline ValidRange valid_range(int64_t x0, int64_t stride, int64_t size, int64_t out) {
  // ceil(a / b) for b > 0 and any sign of a
  const auto ceil_div = [](int64_t a, int64_t b) { return a >= 0 ? (a + b - 1) / b : -((-a) / b); };
  const int64_t lo = std::clamp<int64_t>(ceil_div(-x0, stride), 0, out);
  const int64_t hi = std::clamp<int64_t>(ceil_div(size - x0, stride), lo, out);
  return {lo, hi};
}

// plane [H, W] -> out: kh*kw rows of L (row stride L).
template <typename T>
void im2col_plane(const T* plane, int64_t H, int64_t W, const Window2d& w, T* out) {
  const int64_t Ho = w.out_h(H), Wo = w.out_w(W), L = Ho * Wo;
  for (int64_t i = 0; i < w.kernel_h; ++i)
    for (int64_t j = 0; j < w.kernel_w; ++j, out += L) {
      const int64_t x0 = j * w.dilation_w - w.pad_w;
      const auto [lo, hi] = valid_range(x0, w.stride_w, W, Wo);
      for (int64_t ho = 0; ho < Ho; ++ho) {
        const int64_t y = ho * w.stride_h - w.pad_h + i * w.dilation_h;
        T* row = out + ho * Wo;
        if (y < 0 || y >= H) {
          for (int64_t wo = 0; wo < Wo; ++wo) row[wo] = T(0);
          continue;
        }
        const T* src = plane + y * W + x0;  // src[wo * stride] is x[y, wo*sw + x0]
        // Plain loops, not std::fill/std::copy: rows are short (7 to 32 elements in the
        // U-Net), and a memset/memmove call per row cost more than the copy itself.
        for (int64_t wo = 0; wo < lo; ++wo) row[wo] = T(0);
        if (w.stride_w == 1)
          for (int64_t wo = lo; wo < hi; ++wo) row[wo] = src[wo];
        else
          for (int64_t wo = lo; wo < hi; ++wo) row[wo] = src[wo * w.stride_w];
        for (int64_t wo = hi; wo < Wo; ++wo) row[wo] = T(0);
      }
    }
}

// The adjoint: kh*kw rows of L added back into plane [H, W] (which is not cleared).
template <typename T>
void col2im_plane(const T* in, int64_t H, int64_t W, const Window2d& w, T* plane) {
  const int64_t Ho = w.out_h(H), Wo = w.out_w(W), L = Ho * Wo;
  for (int64_t i = 0; i < w.kernel_h; ++i)
    for (int64_t j = 0; j < w.kernel_w; ++j, in += L) {
      const int64_t x0 = j * w.dilation_w - w.pad_w;
      const auto [lo, hi] = valid_range(x0, w.stride_w, W, Wo);
      for (int64_t ho = 0; ho < Ho; ++ho) {
        const int64_t y = ho * w.stride_h - w.pad_h + i * w.dilation_h;
        if (y < 0 || y >= H) continue;
        T* dst = plane + y * W + x0;
        const T* row = in + ho * Wo;
        if (w.stride_w == 1)
          for (int64_t wo = lo; wo < hi; ++wo) dst[wo] += row[wo];
        else
          for (int64_t wo = lo; wo < hi; ++wo) dst[wo * w.stride_w] += row[wo];
      }
    }
}

}  // namespace rill::cpu
