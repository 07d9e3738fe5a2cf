#include "tensor/format.h"

#include <algorithm>
#include <cmath>

#include "tensor/view.h"

namespace rill {
namespace {

constexpr int64_t kSummarizeAbove = 1000;  // elements
constexpr int64_t kEdgeItems = 3;

// How every float element is written: fixed with 4 decimals, or scientific when the
// magnitudes make fixed notation unreadable.
struct FloatStyle {
  bool scientific = false;
};

FloatStyle choose_style(const std::vector<double>& v) {
  double lo = INFINITY, hi = 0;
  for (double x : v)
    if (std::isfinite(x) && x != 0) lo = std::min(lo, std::abs(x)), hi = std::max(hi, std::abs(x));
  return {hi >= 1e8 || (lo < 1e-4 && hi > 0) || (hi > 0 && hi / lo > 1e7)};
}

std::string element(double x, bool integer, FloatStyle style) {
  if (integer) return fmt::format("{}", static_cast<int64_t>(x));
  if (std::isnan(x)) return "nan";
  if (std::isinf(x)) return x > 0 ? "inf" : "-inf";
  return style.scientific ? fmt::format("{:.4e}", x) : fmt::format("{:.4f}", x);
}

struct Printer {
  const Tensor& x;  // on the host
  std::vector<double> values;
  bool integer;
  FloatStyle style;
  size_t width = 0;
  bool summarize;

  // Indices shown along an axis of size n.
  std::vector<int64_t> shown(int64_t n) const {
    std::vector<int64_t> idx;
    if (!summarize || n <= 2 * kEdgeItems) {
      for (int64_t i = 0; i < n; ++i) idx.push_back(i);
    } else {
      for (int64_t i = 0; i < kEdgeItems; ++i) idx.push_back(i);
      idx.push_back(-1);  // the "..." marker
      for (int64_t i = n - kEdgeItems; i < n; ++i) idx.push_back(i);
    }
    return idx;
  }

  std::string cell(int64_t flat) const {
    std::string s = element(values[flat], integer, style);
    return std::string(width - std::min(width, s.size()), ' ') + s;
  }

  // Axis `d` of the block starting at flat index `base`; `indent` is the column of its '['.
  void print(std::string& out, int64_t d, int64_t base, size_t indent) const {
    const Strides strides = contiguous_strides(x.shape());
    const int64_t n = x.shape()[d];
    out += '[';
    const auto idx = shown(n);
    for (size_t k = 0; k < idx.size(); ++k) {
      if (k > 0) {
        out += ',';
        if (d == x.dim() - 1)
          out += ' ';
        else
          out += std::string(static_cast<size_t>(x.dim() - 1 - d), '\n') + std::string(indent + 1, ' ');
      }
      if (idx[k] < 0) {
        out += "...";
        continue;
      }
      const int64_t flat = base + idx[k] * strides[d];
      if (d == x.dim() - 1)
        out += cell(flat);
      else
        print(out, d + 1, flat, indent + 1);
    }
    out += ']';
  }
};

}  // namespace

std::string to_string(const Tensor& x) {
  if (!x.defined()) return "tensor(undefined)";
  const Tensor host = ops::contiguous(ops::to(x, Device::cpu()));
  Printer p{host, host.to_vector<double>(), x.dtype() == DType::Int64, {}, 0, x.numel() > kSummarizeAbove};
  if (!p.integer) p.style = choose_style(p.values);
  for (double v : p.values) p.width = std::max(p.width, element(v, p.integer, p.style).size());

  std::string out = "tensor(";
  if (x.dim() == 0)
    out += element(p.values[0], p.integer, p.style);
  else
    p.print(out, 0, 0, 7);
  if (x.numel() == 0 && x.dim() > 0) out = fmt::format("tensor([], size={}", shape_str(x.shape()));
  if (x.dtype() != DType::Float32) out += fmt::format(", dtype={}", x.dtype());
  if (!x.device().is_cpu()) out += fmt::format(", device='{}'", x.device());
  return out + ")";
}

std::ostream& operator<<(std::ostream& os, const Tensor& x) { return os << to_string(x); }

}  // namespace rill
