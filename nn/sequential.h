// rill nn — Sequential: applies its children in order; children are named 0, 1, 2, ...
#pragma once

#include <memory>
#include <vector>

#include "nn/module.h"

namespace rill::nn {

class Sequential : public UnaryModule {
 public:
  Sequential() = default;
  explicit Sequential(std::vector<std::shared_ptr<UnaryModule>> layers);
  void push_back(std::shared_ptr<UnaryModule> layer);
  Tensor forward(const Tensor& x) override;
  size_t size() const { return layers_.size(); }
  UnaryModule& operator[](size_t i) { return *layers_.at(i); }

 private:
  std::vector<std::shared_ptr<UnaryModule>> layers_;
};

}  // namespace rill::nn
