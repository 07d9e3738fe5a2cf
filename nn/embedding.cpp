#include "nn/embedding.h"

#include <cmath>

#include "autograd/autograd.h"
#include "nn/init.h"
#include "tensor/ops.h"

namespace rill::nn {

Embedding::Embedding(int64_t num_embeddings, int64_t embedding_dim) {
  weight = register_parameter("weight", empty({num_embeddings, embedding_dim}));
  init::normal_(weight, 0.0, 1.0);
}

Tensor Embedding::forward(const Tensor& indices) { return embedding(weight, indices); }

SinusoidalTimeEmbedding::SinusoidalTimeEmbedding(int64_t dim_, double scale_) : dim(dim_), scale(scale_) {
  RILL_CHECK(dim > 0 && dim % 2 == 0, "SinusoidalTimeEmbedding: dim must be positive and even, got {}", dim);
}

Tensor SinusoidalTimeEmbedding::forward(const Tensor& t) {
  // The differentiable reshape: t may carry a tangent (MeanFlow's d/dt) or need a gradient.
  const Tensor times = t.dim() == 2 && t.size(1) == 1 ? reshape(t, {-1}) : t;
  RILL_CHECK(times.dim() == 1, "SinusoidalTimeEmbedding: expected times [B] or [B, 1], got shape {}",
             shape_str(t.shape()));
  const int64_t half = dim / 2;
  // freqs [half] = exp(-ln(10000) i / half); args [B, half] = scale t freq
  const Tensor i = arange(0, static_cast<double>(half), 1, times.options());
  const Tensor freqs = ops::exp(ops::mul(i, -std::log(10000.0) / static_cast<double>(half)));
  const Tensor args = mul(unsqueeze(times, 1), ops::mul(ops::unsqueeze(freqs, 0), scale));
  return cat({sin(args), cos(args)}, 1);
}

}  // namespace rill::nn
