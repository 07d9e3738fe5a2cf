// rill — how a GEMM library (BLAS on the CPU, cuBLAS on the GPU) can read a strided
// matrix without copying it.
//
// GEMM routines read a matrix from a pointer, a "leading dimension" ld and a storage
// order. A rows x cols view with strides (rs, cs) is
//   row-major    when element (i, j) is at i * ld + j  (cs == 1; ld = rs), e.g. a
//                contiguous matrix;
//   column-major when element (i, j) is at j * ld + i  (rs == 1; ld = cs), e.g.
//                ops::transpose(w) of a contiguous w.
// Each backend passes the order as its own transpose flag. A view that is neither
// (e.g. every other column) must be copied into contiguous memory first.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>

#include "tensor/view.h"

namespace rill {

enum class MatrixOrder { RowMajor, ColMajor };

struct MatrixLayout {
  MatrixOrder order;
  int64_t ld;
};

// The layout of a rows x cols matrix with element strides (rs, cs), if it has one.
inline std::optional<MatrixLayout> matrix_layout(int64_t rows, int64_t cols, int64_t rs, int64_t cs) {
  // The stride of a size-1 axis is never used, so it cannot disqualify a layout.
  if ((cols == 1 || cs == 1) && (rows == 1 || rs >= cols))
    return MatrixLayout{MatrixOrder::RowMajor, rows == 1 ? std::max<int64_t>(cols, 1) : rs};
  if ((rows == 1 || rs == 1) && (cols == 1 || cs >= rows))
    return MatrixLayout{MatrixOrder::ColMajor, cols == 1 ? std::max<int64_t>(rows, 1) : cs};
  return std::nullopt;
}

// x: [B, rows, cols]. x itself when every batch element has a layout (written to
// `layout`), else a contiguous copy of x (row-major).
inline Tensor gemm_operand(const Tensor& x, MatrixLayout& layout) {
  if (const auto l = matrix_layout(x.shape()[1], x.shape()[2], x.strides()[1], x.strides()[2])) {
    layout = *l;
    return x;
  }
  Tensor c = ops::contiguous(x);
  layout = *matrix_layout(c.shape()[1], c.shape()[2], c.strides()[1], c.strides()[2]);
  return c;
}

}  // namespace rill
