#include "examples/common/image_grid.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>

#include "examples/common/cairo_util.h"
#include "tensor/ops.h"

namespace rill::examples {

namespace {

bool says_fashion(std::string folder) {
  std::transform(folder.begin(), folder.end(), folder.begin(), [](unsigned char c) { return std::tolower(c); });
  return folder.find("fashion") != std::string::npos;
}

}  // namespace

std::vector<std::string> class_names(const std::string& preset, const std::string& data_folder, int64_t num_classes) {
  static const std::vector<std::string> cifar10 = {"airplane", "automobile", "bird",  "cat",  "deer",
                                                   "dog",      "frog",       "horse", "ship", "truck"};
  static const std::vector<std::string> fashion = {"T-shirt/top", "trouser", "pullover", "dress", "coat",
                                                   "sandal",      "shirt",   "sneaker",  "bag",   "ankle boot"};
  const std::vector<std::string>* known = preset == "cifar10"         ? &cifar10
                                          : says_fashion(data_folder) ? &fashion
                                                                      : nullptr;
  std::vector<std::string> names;
  for (int64_t k = 0; k < num_classes; ++k)
    names.push_back(known && k < static_cast<int64_t>(known->size()) ? (*known)[k] : std::to_string(k));
  return names;
}

std::string dataset_name(const std::string& preset, const std::string& data_folder) {
  return preset == "cifar10" ? "CIFAR-10" : says_fashion(data_folder) ? "Fashion-MNIST" : "MNIST";
}

std::vector<GridRow> class_rows(const std::vector<int64_t>& labels, const std::vector<std::string>& names,
                                int64_t per_class) {
  std::map<int64_t, std::vector<int64_t>> by_class;  // ordered by class
  for (size_t i = 0; i < labels.size(); ++i) {
    auto& row = by_class[labels[i]];
    if (static_cast<int64_t>(row.size()) < per_class) row.push_back(static_cast<int64_t>(i));
  }
  std::vector<GridRow> rows;
  for (auto& [label, indices] : by_class)
    rows.push_back({label >= 0 && label < static_cast<int64_t>(names.size()) ? names[label] : std::to_string(label),
                    std::move(indices)});
  return rows;
}

std::vector<GridRow> plain_rows(int64_t n, int64_t columns, int64_t limit) {
  std::vector<GridRow> rows;
  for (int64_t i = 0; i < std::min(n, limit); ++i) {
    if (i % columns == 0) rows.push_back({});
    rows.back().indices.push_back(i);
  }
  return rows;
}

void save_image_grid(const std::string& path, const Tensor& images, const std::vector<GridRow>& rows,
                     const std::string& title) {
  RILL_CHECK(images.dim() == 4 && (images.size(1) == 1 || images.size(1) == 3),
             "save_image_grid: expected images [N, 1 or 3, H, W], got shape {}", shape_str(images.shape()));
  const int64_t N = images.size(0), C = images.size(1), H = images.size(2), W = images.size(3);
  const std::vector<float> v =
      ops::contiguous(ops::to(ops::to(images, Device::cpu()), DType::Float32)).to_vector<float>();
  // Small images (28 or 32 pixels) are enlarged to about 64 pixels so that a grid reads at
  // its natural size in a browser.
  const int scale = std::max<int>(1, static_cast<int>(std::lround(64.0 / static_cast<double>(std::max(H, W)))));
  const double cell_w = static_cast<double>(W * scale), cell_h = static_cast<double>(H * scale), gap = 4;
  size_t columns = 1;
  bool labelled = false;
  for (const GridRow& r : rows) columns = std::max(columns, r.indices.size()), labelled |= !r.label.empty();

  // The label column is as wide as the longest label; measured with a scratch surface.
  double label_w = 0;
  if (labelled) {
    cairo_surface_t* scratch = cairo_image_surface_create(CAIRO_FORMAT_RGB24, 1, 1);
    cairo_t* cr = cairo_create(scratch);
    cairo_util::set_font(cr, 14, false);
    for (const GridRow& r : rows) label_w = std::max(label_w, cairo_util::text_width(cr, r.label));
    cairo_destroy(cr);
    cairo_surface_destroy(scratch);
    label_w += 16;
  }
  const double top = title.empty() ? gap : 34;
  const int width = static_cast<int>(std::ceil(label_w + gap + static_cast<double>(columns) * (cell_w + gap)));
  const int height = static_cast<int>(std::ceil(top + static_cast<double>(rows.size()) * (cell_h + gap)));

  cairo_util::save(path, std::max(width, 64), std::max(height, 64), [&](cairo_t* cr) {
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    if (!title.empty()) {
      cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
      cairo_util::text(cr, title, std::max(width, 64) / 2.0, 9, 15, 0.5, 0, true);
    }
    for (size_t r = 0; r < rows.size(); ++r) {
      const double y = top + static_cast<double>(r) * (cell_h + gap);
      if (!rows[r].label.empty()) {
        cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
        cairo_util::text(cr, rows[r].label, label_w - 8, y + cell_h / 2, 14, 1, 0.5);
      }
      for (size_t c = 0; c < rows[r].indices.size(); ++c) {
        const int64_t n = rows[r].indices[c];
        RILL_CHECK(n >= 0 && n < N, "save_image_grid: image {} of {}", n, N);
        std::vector<uint8_t> px(static_cast<size_t>(H * W * C));
        for (int64_t yy = 0; yy < H; ++yy)
          for (int64_t xx = 0; xx < W; ++xx)
            for (int64_t k = 0; k < C; ++k) {
              const float value = std::clamp((v[((n * C + k) * H + yy) * W + xx] + 1.0f) * 127.5f, 0.0f, 255.0f);
              px[(yy * W + xx) * C + k] = static_cast<uint8_t>(std::lround(value));  // [-1, 1] -> [0, 255]
            }
        cairo_surface_t* img =
            cairo_util::surface_from_pixels(px, static_cast<int>(W), static_cast<int>(H), static_cast<int>(C));
        cairo_save(cr);
        cairo_translate(cr, label_w + gap + static_cast<double>(c) * (cell_w + gap), y);
        cairo_scale(cr, scale, scale);
        cairo_set_source_surface(cr, img, 0, 0);
        cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_NEAREST);  // sharp pixels, no blur
        cairo_paint(cr);
        cairo_restore(cr);
        cairo_surface_destroy(img);
      }
    }
  });
}

}  // namespace rill::examples
