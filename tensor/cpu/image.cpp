// rill CPU — image kernels on [N, C, H, W] tensors: im2col/col2im (convolution as
// GEMM), nearest upsampling, average pooling, and their adjoints.
// All inputs arrive contiguous (the ops layer sees to it). Each (n, c) plane is
// independent, so planes are split across threads with no write conflicts.
#include <algorithm>

#include "tensor/cpu/cpu_backend.h"
#include "tensor/cpu/im2col.h"
#include "tensor/cpu/parallel.h"

namespace rill {
namespace {

// The sizes of an [N, C, H, W] tensor as plain variables: Clang before 16 cannot use
// structured bindings inside OpenMP regions, and the fuzzing build uses Clang 14.
#define RILL_DIMS4(t) const int64_t N = (t).shape()[0], C = (t).shape()[1], H = (t).shape()[2], W = (t).shape()[3]

}  // namespace

// cols[n, (c*kh + i)*kw + j, ho*Wo + wo] = x[n, c, ho*sh - ph + i*dh, wo*sw - pw + j*dw]  (0 outside)
// so that conv2d(x, w)[n] = w.view(Cout, C*kh*kw) @ cols[n]. Each (n, c) plane fills
// its own kh*kw rows (im2col.h).
void CpuBackend::im2col(const Tensor& x, const Tensor& cols, const Window2d& w) {
  RILL_DIMS4(x);
  const int64_t rows = w.kernel_h * w.kernel_w * w.out_h(H) * w.out_w(W);  // per plane
  dispatch_float(x.dtype(), "im2col", [&]<typename T>() {
    const T* px = static_cast<const T*>(x.raw_data());
    T* pc = static_cast<T*>(cols.raw_data());
#pragma omp parallel for schedule(static) if (N * C * rows >= kParallelGrain)
    for (int64_t nc = 0; nc < N * C; ++nc) cpu::im2col_plane(px + nc * H * W, H, W, w, pc + nc * rows);
  });
}

// The adjoint of im2col: every column entry is added back to the pixel it was read from.
void CpuBackend::col2im(const Tensor& cols, const Tensor& x, const Window2d& w) {
  RILL_DIMS4(x);
  const int64_t rows = w.kernel_h * w.kernel_w * w.out_h(H) * w.out_w(W);
  dispatch_float(x.dtype(), "col2im", [&]<typename T>() {
    T* px = static_cast<T*>(x.raw_data());
    const T* pc = static_cast<const T*>(cols.raw_data());
#pragma omp parallel for schedule(static) if (N * C * rows >= kParallelGrain)
    for (int64_t nc = 0; nc < N * C; ++nc) cpu::col2im_plane(pc + nc * rows, H, W, w, px + nc * H * W);
  });
}

// out[n, c, y, x] = in[n, c, y / s, x / s]: each input row, widened s times, fills
// s output rows (no division per element).
void CpuBackend::upsample_nearest2d(const Tensor& x, const Tensor& out, int64_t s) {
  RILL_DIMS4(x);
  dispatch(x.dtype(), "upsample_nearest2d", [&]<typename T>() {
    const T* px = static_cast<const T*>(x.raw_data());
    T* po = static_cast<T*>(out.raw_data());
#pragma omp parallel for schedule(static) if (out.numel() >= kParallelGrain)
    for (int64_t nc = 0; nc < N * C; ++nc)
      for (int64_t y = 0; y < H; ++y) {
        const T* in = px + (nc * H + y) * W;
        T* first = po + (nc * H * s + y * s) * W * s;  // output row y*s
        for (int64_t xx = 0; xx < W; ++xx)
          for (int64_t b = 0; b < s; ++b) first[xx * s + b] = in[xx];
        for (int64_t a = 1; a < s; ++a) std::copy(first, first + W * s, first + a * W * s);
      }
  });
}

// grad_x[n, c, y, x] = sum_{a, b < s} grad_out[n, c, y*s + a, x*s + b]
void CpuBackend::upsample_nearest2d_backward(const Tensor& grad_out, const Tensor& grad_x, int64_t s) {
  RILL_DIMS4(grad_x);
  dispatch_float(grad_x.dtype(), "upsample_nearest2d_backward", [&]<typename T>() {
    const T* pg = static_cast<const T*>(grad_out.raw_data());
    T* px = static_cast<T*>(grad_x.raw_data());
#pragma omp parallel for schedule(static) if (grad_out.numel() >= kParallelGrain)
    for (int64_t nc = 0; nc < N * C; ++nc)
      for (int64_t y = 0; y < H; ++y) {
        T* row = px + (nc * H + y) * W;
        for (int64_t xx = 0; xx < W; ++xx) row[xx] = T(0);
        for (int64_t a = 0; a < s; ++a) {  // the s output rows of input row y, in order
          const T* g = pg + (nc * H * s + y * s + a) * W * s;
          for (int64_t xx = 0; xx < W; ++xx)
            for (int64_t b = 0; b < s; ++b) row[xx] += g[xx * s + b];
        }
      }
  });
}

namespace {
// Window of output (ho, wo) along one axis: [start, end) clipped to the image, and the
// divisor PyTorch uses with count_include_pad=True (window clipped to the padded image).
struct Span {
  int64_t start, end, padded_len;
};
Span window_span(int64_t o, int64_t stride, int64_t pad, int64_t k, int64_t size) {
  const int64_t start = o * stride - pad;
  const int64_t padded_end = std::min(start + k, size + pad);
  return {std::max<int64_t>(start, 0), std::min(start + k, size), padded_end - start};
}
}  // namespace

// out[n, c, ho, wo] = (sum of x over the window) / (window size, padding included)
void CpuBackend::avg_pool2d(const Tensor& x, const Tensor& out, const Window2d& w) {
  RILL_DIMS4(x);
  const int64_t Ho = w.out_h(H), Wo = w.out_w(W);
  dispatch_float(x.dtype(), "avg_pool2d", [&]<typename T>() {
    const T* px = static_cast<const T*>(x.raw_data());
    T* po = static_cast<T*>(out.raw_data());
#pragma omp parallel for schedule(static) if (x.numel() >= kParallelGrain)
    for (int64_t nc = 0; nc < N * C; ++nc)
      for (int64_t ho = 0; ho < Ho; ++ho) {
        const Span sy = window_span(ho, w.stride_h, w.pad_h, w.kernel_h, H);
        for (int64_t wo = 0; wo < Wo; ++wo) {
          const Span sx = window_span(wo, w.stride_w, w.pad_w, w.kernel_w, W);
          acc_t<T> sum = 0;
          for (int64_t y = sy.start; y < sy.end; ++y)
            for (int64_t xx = sx.start; xx < sx.end; ++xx) sum += px[(nc * H + y) * W + xx];
          po[(nc * Ho + ho) * Wo + wo] = static_cast<T>(sum / static_cast<acc_t<T>>(sy.padded_len * sx.padded_len));
        }
      }
  });
}

// grad_x[n, c, y, x] += grad_out[n, c, ho, wo] / (window size) for every window containing (y, x)
void CpuBackend::avg_pool2d_backward(const Tensor& grad_out, const Tensor& grad_x, const Window2d& w) {
  RILL_DIMS4(grad_x);
  const int64_t Ho = w.out_h(H), Wo = w.out_w(W);
  dispatch_float(grad_x.dtype(), "avg_pool2d_backward", [&]<typename T>() {
    const T* pg = static_cast<const T*>(grad_out.raw_data());
    T* px = static_cast<T*>(grad_x.raw_data());
#pragma omp parallel for schedule(static) if (grad_x.numel() >= kParallelGrain)
    for (int64_t nc = 0; nc < N * C; ++nc)
      for (int64_t ho = 0; ho < Ho; ++ho) {
        const Span sy = window_span(ho, w.stride_h, w.pad_h, w.kernel_h, H);
        for (int64_t wo = 0; wo < Wo; ++wo) {
          const Span sx = window_span(wo, w.stride_w, w.pad_w, w.kernel_w, W);
          const T g = pg[(nc * Ho + ho) * Wo + wo] / static_cast<T>(sy.padded_len * sx.padded_len);
          for (int64_t y = sy.start; y < sy.end; ++y)
            for (int64_t xx = sx.start; xx < sx.end; ++xx) px[(nc * H + y) * W + xx] += g;
        }
      }
  });
}

}  // namespace rill
