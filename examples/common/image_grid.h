// rill examples — grids of sample images, one row per class with the class's name.
//
// A conditional run samples its --samples images in blocks of one class each (the first
// n/10 class 0, ...); the grid takes up to `per_class` of each class, one row per class,
// so every class sampled is shown however many images were drawn. An unconditional run's
// grid is its first images, 10 to a row.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tensor/tensor.h"

namespace rill::examples {

struct GridRow {
  std::string label;             // shown left of the row ("" for none)
  std::vector<int64_t> indices;  // images of the row, left to right
};

// The names of a dataset's classes: CIFAR-10's for the cifar10 preset; for IDX files,
// Fashion-MNIST's when the data folder's name says "fashion" (Debian's
// /usr/share/datasets/fashion-mnist), else the digits 0..9 of MNIST. Any class past the
// known names is called by its number.
std::vector<std::string> class_names(const std::string& preset, const std::string& data_folder, int64_t num_classes);
// The dataset's name by the same rule, for titles: CIFAR-10, Fashion-MNIST or MNIST.
std::string dataset_name(const std::string& preset, const std::string& data_folder);

// One row per class that has images: up to per_class of its images, in order.
std::vector<GridRow> class_rows(const std::vector<int64_t>& labels, const std::vector<std::string>& names,
                                int64_t per_class);
// The first min(n, limit) images, `columns` to a row, unlabelled.
std::vector<GridRow> plain_rows(int64_t n, int64_t columns, int64_t limit);

// Images [N, C, H, W] (C 1 or 3) with values in [-1, 1], drawn enlarged (nearest
// neighbour, so pixels stay sharp) in the given rows, with the rows' labels and a title;
// PNG or SVG by the path's extension.
void save_image_grid(const std::string& path, const Tensor& images, const std::vector<GridRow>& rows,
                     const std::string& title);

}  // namespace rill::examples
