// rill nn — Embedding (a learned table of vectors) and the sinusoidal time embedding.
#pragma once

#include "nn/module.h"

namespace rill::nn {

// Embedding(num, dim): integer indices [*] -> [*, dim]; weight [num, dim] ~ N(0, 1).
class Embedding : public Module {
 public:
  Embedding(int64_t num_embeddings, int64_t embedding_dim);
  Tensor forward(const Tensor& indices);
  Tensor operator()(const Tensor& indices) { return forward(indices); }

  Tensor weight;
};

// Sinusoidal embedding of times t [B] -> [B, dim] (no parameters), as in docs/models.md:
//   freq_i = exp(-ln(10000) i / (dim/2)),  i < dim/2
//   emb    = [sin(scale t freq_0), ..., sin(scale t freq_{dim/2-1}), cos(...same...)]
// with scale = 1000, so that t in [0, 1] spans the same range as integer diffusion steps.
class SinusoidalTimeEmbedding : public Module {
 public:
  explicit SinusoidalTimeEmbedding(int64_t dim, double scale = 1000.0);
  Tensor forward(const Tensor& t);
  Tensor operator()(const Tensor& t) { return forward(t); }

  int64_t dim;
  double scale;
};

}  // namespace rill::nn
