// rill CUDA — image kernels on contiguous [N, C, H, W] tensors: im2col/col2im
// (convolution as GEMM), nearest upsampling, average pooling, and their adjoints.
// Formulas: tensor/cpu/image.cpp. One thread per output element; the adjoints are
// written as gathers (each input pixel sums the outputs that read it), so no two
// threads write the same place and no atomics are needed.
#include "cuda/cuda_backend.h"
#include "cuda/loops.cuh"

namespace rill::cuda {
namespace {

struct Dims {
  int64_t N, C, H, W;
};
Dims dims4(const Tensor& t) { return {t.shape()[0], t.shape()[1], t.shape()[2], t.shape()[3]}; }

// cols[n, (c*kh + i)*kw + j, ho*Wo + wo] = x[n, c, ho*sh - ph + i*dh, wo*sw - pw + j*dw]  (0 outside).
// Rows of cols, flattened, are (n, c, i, j); thread e is one entry of cols.
template <typename T>
__global__ void im2col_kernel(const T* x, T* cols, Dims d, Window2d w, int64_t Ho, int64_t Wo) {
  const int64_t L = Ho * Wo, K = w.kernel_h * w.kernel_w;
  RILL_CUDA_FOR(e, d.N * d.C * K * L) {
    const int64_t wo = e % Wo, ho = e / Wo % Ho, ij = e / L % K, nc = e / (L * K);
    const int64_t i = ij / w.kernel_w, j = ij % w.kernel_w;
    const int64_t y = ho * w.stride_h - w.pad_h + i * w.dilation_h;
    const int64_t xx = wo * w.stride_w - w.pad_w + j * w.dilation_w;
    cols[e] = (y >= 0 && y < d.H && xx >= 0 && xx < d.W) ? x[(nc * d.H + y) * d.W + xx] : T(0);
  }
}

// The adjoint of im2col. Pixel (y, x) was read by kernel tap (i, j) at output (ho, wo)
// exactly when ho*sh = y + ph - i*dh (and likewise for x): thread = pixel, summing those.
template <typename T>
__global__ void col2im_kernel(const T* cols, T* x, Dims d, Window2d w, int64_t Ho, int64_t Wo) {
  const int64_t L = Ho * Wo, K = w.kernel_h * w.kernel_w;
  RILL_CUDA_FOR(e, d.N * d.C * d.H * d.W) {
    const int64_t xx = e % d.W, y = e / d.W % d.H, nc = e / (d.W * d.H);
    const T* in = cols + nc * K * L;
    acc_t<T> sum = 0;
    for (int64_t i = 0; i < w.kernel_h; ++i) {
      const int64_t hs = y + w.pad_h - i * w.dilation_h;
      if (hs < 0 || hs % w.stride_h != 0 || hs / w.stride_h >= Ho) continue;
      for (int64_t j = 0; j < w.kernel_w; ++j) {
        const int64_t ws = xx + w.pad_w - j * w.dilation_w;
        if (ws < 0 || ws % w.stride_w != 0 || ws / w.stride_w >= Wo) continue;
        sum += in[(i * w.kernel_w + j) * L + hs / w.stride_h * Wo + ws / w.stride_w];
      }
    }
    x[e] += static_cast<T>(sum);  // x arrives zero-filled
  }
}

// out[n, c, y, x] = in[n, c, y / s, x / s]
template <typename T>
__global__ void upsample_kernel(const T* x, T* out, Dims d, int64_t s) {
  const int64_t Wo = d.W * s, Ho = d.H * s;
  RILL_CUDA_FOR(e, d.N * d.C * Ho * Wo) {
    const int64_t xx = e % Wo, y = e / Wo % Ho, nc = e / (Wo * Ho);
    out[e] = x[(nc * d.H + y / s) * d.W + xx / s];
  }
}

// grad_x[n, c, y, x] = sum_{a, b < s} grad_out[n, c, y*s + a, x*s + b]   (d: grad_x's dims)
template <typename T>
__global__ void upsample_backward_kernel(const T* grad_out, T* grad_x, Dims d, int64_t s) {
  RILL_CUDA_FOR(e, d.N * d.C * d.H * d.W) {
    const int64_t xx = e % d.W, y = e / d.W % d.H, nc = e / (d.W * d.H);
    T sum = 0;
    for (int64_t a = 0; a < s; ++a)
      for (int64_t b = 0; b < s; ++b) sum += grad_out[(nc * d.H * s + y * s + a) * d.W * s + xx * s + b];
    grad_x[e] = sum;
  }
}

// Window of output o along one axis: [start, end) clipped to the image, and the divisor
// PyTorch uses with count_include_pad=True (window clipped to the padded image).
struct Span {
  int64_t start, end, padded_len;
};
__device__ Span window_span(int64_t o, int64_t stride, int64_t pad, int64_t k, int64_t size) {
  const int64_t start = o * stride - pad;
  const int64_t padded_end = min(start + k, size + pad);
  return {max(start, int64_t{0}), min(start + k, size), padded_end - start};
}

// out[n, c, ho, wo] = (sum of x over the window) / (window size, padding included)
template <typename T>
__global__ void avg_pool_kernel(const T* x, T* out, Dims d, Window2d w, int64_t Ho, int64_t Wo) {
  RILL_CUDA_FOR(e, d.N * d.C * Ho * Wo) {
    const int64_t wo = e % Wo, ho = e / Wo % Ho, nc = e / (Wo * Ho);
    const Span sy = window_span(ho, w.stride_h, w.pad_h, w.kernel_h, d.H);
    const Span sx = window_span(wo, w.stride_w, w.pad_w, w.kernel_w, d.W);
    acc_t<T> sum = 0;
    for (int64_t y = sy.start; y < sy.end; ++y)
      for (int64_t xx = sx.start; xx < sx.end; ++xx) sum += x[(nc * d.H + y) * d.W + xx];
    out[e] = static_cast<T>(sum / static_cast<acc_t<T>>(sy.padded_len * sx.padded_len));
  }
}

// grad_x[n, c, y, x] = sum over the windows (ho, wo) containing (y, x) of grad_out / window size.
// Window ho covers rows [ho*sh - ph, ho*sh - ph + kh), so it contains y exactly when
// (y + ph - kh) / sh < ho <= (y + ph) / sh.
template <typename T>
__global__ void avg_pool_backward_kernel(const T* grad_out, T* grad_x, Dims d, Window2d w, int64_t Ho, int64_t Wo) {
  RILL_CUDA_FOR(e, d.N * d.C * d.H * d.W) {
    const int64_t xx = e % d.W, y = e / d.W % d.H, nc = e / (d.W * d.H);
    // First window reaching y: the smallest ho with ho*sh - ph + kh > y.
    const int64_t ho_first = max(int64_t{0}, (y + w.pad_h - w.kernel_h + w.stride_h) / w.stride_h);
    const int64_t wo_first = max(int64_t{0}, (xx + w.pad_w - w.kernel_w + w.stride_w) / w.stride_w);
    const int64_t ho_last = min(Ho - 1, (y + w.pad_h) / w.stride_h);
    const int64_t wo_last = min(Wo - 1, (xx + w.pad_w) / w.stride_w);
    T sum = 0;
    for (int64_t ho = ho_first; ho <= ho_last; ++ho) {
      const Span sy = window_span(ho, w.stride_h, w.pad_h, w.kernel_h, d.H);
      if (y < sy.start || y >= sy.end) continue;
      for (int64_t wo = wo_first; wo <= wo_last; ++wo) {
        const Span sx = window_span(wo, w.stride_w, w.pad_w, w.kernel_w, d.W);
        if (xx < sx.start || xx >= sx.end) continue;
        sum += grad_out[(nc * Ho + ho) * Wo + wo] / static_cast<T>(sy.padded_len * sx.padded_len);
      }
    }
    grad_x[e] += sum;  // grad_x arrives zero-filled
  }
}

}  // namespace

void CudaBackend::im2col(const Tensor& x, const Tensor& cols, const Window2d& w) {
  const Dims d = dims4(x);
  const int64_t Ho = w.out_h(d.H), Wo = w.out_w(d.W);
  if (cols.numel() == 0) return;
  dispatch_float(x.dtype(), "im2col", [&]<typename T>() {
    im2col_kernel<T><<<blocks_for(cols.numel()), kThreads, 0, stream()>>>(ptr<T>(x), ptr<T>(cols), d, w, Ho, Wo);
    RILL_CUDA_CHECK_LAUNCH("im2col");
  });
}

void CudaBackend::col2im(const Tensor& cols, const Tensor& x, const Window2d& w) {
  const Dims d = dims4(x);
  const int64_t Ho = w.out_h(d.H), Wo = w.out_w(d.W);
  if (x.numel() == 0) return;
  dispatch_float(x.dtype(), "col2im", [&]<typename T>() {
    col2im_kernel<T><<<blocks_for(x.numel()), kThreads, 0, stream()>>>(ptr<T>(cols), ptr<T>(x), d, w, Ho, Wo);
    RILL_CUDA_CHECK_LAUNCH("col2im");
  });
}

void CudaBackend::upsample_nearest2d(const Tensor& x, const Tensor& out, int64_t scale) {
  if (out.numel() == 0) return;
  dispatch(x.dtype(), "upsample_nearest2d", [&]<typename T>() {
    upsample_kernel<T><<<blocks_for(out.numel()), kThreads, 0, stream()>>>(ptr<T>(x), ptr<T>(out), dims4(x), scale);
    RILL_CUDA_CHECK_LAUNCH("upsample_nearest2d");
  });
}

void CudaBackend::upsample_nearest2d_backward(const Tensor& grad_out, const Tensor& grad_x, int64_t scale) {
  if (grad_x.numel() == 0) return;
  dispatch_float(grad_x.dtype(), "upsample_nearest2d_backward", [&]<typename T>() {
    upsample_backward_kernel<T>
        <<<blocks_for(grad_x.numel()), kThreads, 0, stream()>>>(ptr<T>(grad_out), ptr<T>(grad_x), dims4(grad_x), scale);
    RILL_CUDA_CHECK_LAUNCH("upsample_nearest2d_backward");
  });
}

void CudaBackend::avg_pool2d(const Tensor& x, const Tensor& out, const Window2d& w) {
  const Dims d = dims4(x);
  if (out.numel() == 0) return;
  dispatch_float(x.dtype(), "avg_pool2d", [&]<typename T>() {
    avg_pool_kernel<T>
        <<<blocks_for(out.numel()), kThreads, 0, stream()>>>(ptr<T>(x), ptr<T>(out), d, w, w.out_h(d.H), w.out_w(d.W));
    RILL_CUDA_CHECK_LAUNCH("avg_pool2d");
  });
}

void CudaBackend::avg_pool2d_backward(const Tensor& grad_out, const Tensor& grad_x, const Window2d& w) {
  const Dims d = dims4(grad_x);
  if (grad_x.numel() == 0) return;
  dispatch_float(grad_x.dtype(), "avg_pool2d_backward", [&]<typename T>() {
    avg_pool_backward_kernel<T><<<blocks_for(grad_x.numel()), kThreads, 0, stream()>>>(
        ptr<T>(grad_out), ptr<T>(grad_x), d, w, w.out_h(d.H), w.out_w(d.W));
    RILL_CUDA_CHECK_LAUNCH("avg_pool2d_backward");
  });
}

}  // namespace rill::cuda
