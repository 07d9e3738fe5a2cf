// The plotting module of the programs (examples/common/plot.h, image_grid.h, animation.h,
// report.h), checked on the files it writes: read back with Cairo's PNG reader and
// giflib, and report.html rendered by headless Chromium.
#include <cairo.h>
#include <gif_lib.h>

#include <cmath>
#include <map>

#include "examples/common/animation.h"
#include "examples/common/image_grid.h"
#include "examples/common/plot.h"
#include "examples/common/report.h"
#include "examples/program_helpers.h"
#include "io/png.h"
#include "tensor/ops.h"

using namespace rill;
using namespace rill::test;
namespace ex = rill::examples;

namespace {

// A PNG read back as RGB pixels (Cairo's reader: it checks the file is a valid PNG).
struct Picture {
  int width = 0, height = 0;
  std::vector<uint8_t> rgb;
  std::array<int, 3> at(int x, int y) const {
    const uint8_t* p = &rgb[(static_cast<size_t>(y) * width + x) * 3];
    return {p[0], p[1], p[2]};
  }
};

Picture read_png(const fs::path& p) {
  cairo_surface_t* s = cairo_image_surface_create_from_png(p.string().c_str());
  INFO(p);
  REQUIRE(cairo_surface_status(s) == CAIRO_STATUS_SUCCESS);
  Picture pic;
  pic.width = cairo_image_surface_get_width(s), pic.height = cairo_image_surface_get_height(s);
  const int stride = cairo_image_surface_get_stride(s);
  const unsigned char* data = cairo_image_surface_get_data(s);
  for (int y = 0; y < pic.height; ++y)
    for (int x = 0; x < pic.width; ++x) {
      const uint32_t v = reinterpret_cast<const uint32_t*>(data + static_cast<size_t>(y) * stride)[x];
      pic.rgb.push_back(static_cast<uint8_t>(v >> 16)), pic.rgb.push_back(static_cast<uint8_t>(v >> 8)),
          pic.rgb.push_back(static_cast<uint8_t>(v));
    }
  cairo_surface_destroy(s);
  return pic;
}

// Pixels in [x0, x1) x [y0, y1) within `tol` of a colour.
int count_near(const Picture& p, std::array<int, 3> c, int tol, int x0 = 0, int y0 = 0, int x1 = -1, int y1 = -1) {
  if (x1 < 0) x1 = p.width;
  if (y1 < 0) y1 = p.height;
  int n = 0;
  for (int y = y0; y < y1; ++y)
    for (int x = x0; x < x1; ++x) {
      const auto v = p.at(x, y);
      n += std::abs(v[0] - c[0]) <= tol && std::abs(v[1] - c[1]) <= tol && std::abs(v[2] - c[2]) <= tol;
    }
  return n;
}

// Pixels darker than light grey (text, frame, ticks) in a region.
int count_dark(const Picture& p, int x0, int y0, int x1, int y1) {
  int n = 0;
  for (int y = y0; y < y1; ++y)
    for (int x = x0; x < x1; ++x) {
      const auto v = p.at(x, y);
      n += v[0] + v[1] + v[2] < 3 * 100;
    }
  return n;
}

const std::array<int, 3> kBlue = {31, 119, 180};  // colors::blue as 8-bit

}  // namespace

TEST_CASE("plot: nice ticks are round numbers inside the range", "[examples][plot]") {
  CHECK(ex::nice_ticks(0, 1, 6) == std::vector<double>{0, 0.2, 0.4, 0.6000000000000001, 0.8, 1});
  CHECK(ex::nice_ticks(-5.6, 5.6, 5) == std::vector<double>{-4, -2, 0, 2, 4});
  CHECK(ex::nice_ticks(0, 2000, 5) == std::vector<double>{0, 500, 1000, 1500, 2000});
  CHECK(ex::log_ticks(0.05, 3) == std::vector<double>{0.05, 0.1, 0.2, 0.5, 1, 2});
  CHECK(ex::log_ticks(1e-4, 1e4).size() <= 8);
  CHECK(ex::tick_label(0.5, 0.1) == "0.5");
  CHECK(ex::tick_label(1500, 500) == "1500");
  CHECK(ex::tick_label(1e-5, 1e-5) == "1e-05");
}

TEST_CASE("plot: a scatter plot is a PNG of its size with points, axes and text where they belong",
          "[examples][plot]") {
  const fs::path dir = temp_dir("plot");
  // One cluster of points in each quadrant of the data range (the upper ones below the
  // legend, which sits in the upper right corner).
  std::vector<double> x, y;
  for (double cx : {0.1, 0.9})
    for (double cy : {0.1, 0.6})
      for (int k = 0; k < 20; ++k) x.push_back(cx + 0.002 * k), y.push_back(cy);
  ex::Figure f(400, 300);
  f.title("title").xlabel("x").ylabel("y").xlim(0, 1).ylim(0, 1).scatter(x, y, ex::colors::blue, 1.0, 3, "points");
  f.save((dir / "scatter.png").string());
  const Picture p = read_png(dir / "scatter.png");
  REQUIRE(p.width == 400);
  REQUIRE(p.height == 300);
  CHECK(p.at(0, 0) == std::array<int, 3>{255, 255, 255});  // white background
  // Points in every quadrant of the image (the axes span most of it), none outside the axes' middle band.
  for (int qx = 0; qx < 2; ++qx)
    for (int qy = 0; qy < 2; ++qy) {
      INFO("quadrant " << qx << ", " << qy);
      CHECK(count_near(p, kBlue, 10, qx * 200, qy * 150, qx * 200 + 200, qy * 150 + 150) > 30);
    }
  CHECK(count_near(p, kBlue, 10, 0, 0, 50, 300) == 0);  // the y tick labels' margin has no points
  // Text and ticks: dark pixels in the left margin (y ticks, label), below (x ticks, label), above (title).
  CHECK(count_dark(p, 0, 40, 60, 250) > 50);
  CHECK(count_dark(p, 80, 255, 380, 300) > 50);
  CHECK(count_dark(p, 150, 0, 250, 30) > 30);
  // The same figure as SVG.
  f.save((dir / "scatter.svg").string());
  const std::string svg = read_file(dir / "scatter.svg");
  CHECK(svg.find("<svg") != std::string::npos);
  CHECK(f.rgb().size() == 400u * 300u * 3u);
  fs::remove_all(dir);
}

TEST_CASE("plot: a class-labelled grid has one row per class whatever the sample count", "[examples][plot]") {
  // 1000 labels in blocks of 100 per class, as a conditional image_flow run samples them.
  std::vector<int64_t> labels;
  for (int64_t i = 0; i < 1000; ++i) labels.push_back(i * 10 / 1000);
  const auto names = ex::class_names("mnist", "/usr/share/datasets/fashion-mnist", 10);
  CHECK(names[0] == "T-shirt/top");
  CHECK(ex::class_names("mnist", "/data/mnist", 10)[3] == "3");
  CHECK(ex::class_names("cifar10", "x", 10)[9] == "truck");
  CHECK(ex::dataset_name("mnist", "/usr/share/datasets/fashion-mnist") == "Fashion-MNIST");
  const auto rows = ex::class_rows(labels, names, 10);
  REQUIRE(rows.size() == 10);
  for (size_t k = 0; k < 10; ++k) {
    CHECK(rows[k].label == names[k]);
    REQUIRE(rows[k].indices.size() == 10);
    CHECK(labels[rows[k].indices[0]] == static_cast<int64_t>(k));
  }
  const fs::path dir = temp_dir("grid");
  // Images: class k all at grey level k/9 in [-1, 1].
  std::vector<float> v;
  for (int64_t i = 0; i < 1000; ++i)
    for (int k = 0; k < 28 * 28; ++k) v.push_back(static_cast<float>(labels[i]) / 9.0f * 2 - 1);
  ex::save_image_grid((dir / "grid.png").string(), tensor(v, {1000, 1, 28, 28}), rows, "title");
  const Picture p = read_png(dir / "grid.png");
  CHECK(p.height == 34 + 10 * (56 + 4));  // title, then 10 rows of 2x enlarged 28-pixel images
  // The last cell of each row holds its class's grey.
  for (int k = 0; k < 10; ++k) {
    const int g = static_cast<int>(std::lround(k / 9.0 * 255));
    const int y = 34 + k * 60 + 28;
    INFO("row " << k);
    CHECK(count_near(p, {g, g, g}, 1, p.width - 40, y - 5, p.width - 20, y + 5) == 200);
    CHECK(count_dark(p, 0, y - 8, p.width - 10 * 60 - 4, y + 8) > 10);  // the class name, left of the row
  }
  fs::remove_all(dir);
}

TEST_CASE("plot: an animated GIF reads back with giflib: frames, size, delays and the loop", "[examples][plot]") {
  const fs::path dir = temp_dir("gif");
  std::vector<std::vector<uint8_t>> frames;
  for (int f = 0; f < 3; ++f) {
    std::vector<uint8_t> rgb(static_cast<size_t>(40 * 30 * 3), 255);
    for (int x = 0; x < 10; ++x) rgb[(static_cast<size_t>(f * 10) * 40 + x) * 3 + 1] = 0;  // a magenta stroke per frame
    frames.push_back(rgb);
  }
  ex::save_gif((dir / "a.gif").string(), frames, 40, 30, {10, 20, 30});
  int error = 0;
  GifFileType* gif = DGifOpenFileName((dir / "a.gif").string().c_str(), &error);
  REQUIRE(gif != nullptr);
  REQUIRE(DGifSlurp(gif) == GIF_OK);
  CHECK(gif->SWidth == 40);
  CHECK(gif->SHeight == 30);
  REQUIRE(gif->ImageCount == 3);
  for (int f = 0; f < 3; ++f) {
    GraphicsControlBlock gcb;
    REQUIRE(DGifSavedExtensionToGCB(gif, f, &gcb) == GIF_OK);
    CHECK(gcb.DelayTime == 10 * (f + 1));
    // The stroke's pixels are the palette's magenta, the rest white.
    const SavedImage& im = gif->SavedImages[f];
    const ColorMapObject* map = im.ImageDesc.ColorMap ? im.ImageDesc.ColorMap : gif->SColorMap;
    const GifColorType c = map->Colors[im.RasterBits[f * 10 * 40]], w = map->Colors[im.RasterBits[39]];
    CHECK((c.Red == 255 && c.Green == 0 && c.Blue == 255));
    CHECK((w.Red == 255 && w.Green == 255 && w.Blue == 255));
  }
  bool loops = false;  // NETSCAPE2.0, saved with the first frame's extensions
  for (int i = 0; i < gif->SavedImages[0].ExtensionBlockCount; ++i) {
    const ExtensionBlock& e = gif->SavedImages[0].ExtensionBlocks[i];
    if (e.Function == APPLICATION_EXT_FUNC_CODE && e.ByteCount == 11 &&
        std::string(reinterpret_cast<char*>(e.Bytes), 11) == "NETSCAPE2.0")
      loops = true;
  }
  CHECK(loops);
  DGifCloseFile(gif, &error);
  fs::remove_all(dir);
}

TEST_CASE("report.html renders its pictures in headless Chromium", "[examples][plot][report]") {
  const char* chromium = "/usr/bin/chromium";
  if (!fs::exists(chromium)) RILL_SKIP("Chromium is not installed (apt-get install chromium)");
  const fs::path dir = temp_dir("report");
  {
    ex::RunDir run((dir / "run").string(), "test");
    run.write_config({{"program", "test"}, {"steps", 40}});
    run.write_metrics({{"final_loss", 0.5}});
    run.open_metrics_csv(0, true);
    for (int s = 0; s < 40; ++s)
      run.log_step(s, 2.0 / (1 + s), 1e-3, s * 0.1, s % 10 == 0 ? std::optional(1.0) : std::nullopt);
  }  // closing the run flushes metrics.csv
  // Two pictures of flat colours that nothing else on the page has: their pixels in the
  // screenshot prove Chromium loaded and decoded them (a missing or broken image shows as
  // an icon or nothing, not as 24000 magenta pixels).
  const auto flat = [](int w, int h, std::array<uint8_t, 3> c) {
    std::vector<uint8_t> px;
    for (int i = 0; i < w * h; ++i) px.insert(px.end(), c.begin(), c.end());
    return px;
  };
  io::write_png((dir / "run" / "samples.png").string(), flat(200, 120, {255, 0, 255}), 200, 120, 3);
  io::write_png((dir / "run" / "samples_step20.png").string(), flat(160, 100, {0, 255, 255}), 160, 100, 3);
  ex::RunDir run((dir / "run").string(), "test");
  ex::update_report(run);  // loss.png from metrics.csv, then the page
  const std::string html = read_file(dir / "run" / "report.html");
  CHECK(html.find("<script") == std::string::npos);
  CHECK(html.find("http") == std::string::npos);  // nothing from the network
  CHECK(html.find("src=\"loss.png\"") != std::string::npos);
  CHECK(html.find("final_loss") != std::string::npos);
  const fs::path shot = dir / "shot.png";
  run_status(dir, std::string(chromium) +
                      " --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1280,2400 --screenshot=" +
                      shot.string() + " file://" + fs::absolute(dir / "run" / "report.html").string());
  REQUIRE(fs::exists(shot));
  const Picture p = read_png(shot);
  const int magenta = count_near(p, {255, 0, 255}, 2), cyan = count_near(p, {0, 255, 255}, 2);
  CHECK(magenta >= 200 * 120);
  CHECK(magenta <= 200 * 120 + 50);
  CHECK(cyan >= 160 * 100);
  CHECK(cyan <= 160 * 100 + 50);
  CHECK(count_near(p, kBlue, 3) > 200);  // the loss curve's line (the page itself has no blue)
  fs::remove_all(dir);
}

TEST_CASE("image_flow --conditional --samples 120: every class in the grid, validation loss, grids during training",
          "[examples][plot]") {
  const fs::path dir = temp_dir("watch");
  write_tiny_mnist(dir / "data");
  const fs::path out = dir / "run";
  run(dir, image_flow("mnist") + " --data " + (dir / "data").string() + " --out " + out.string() +
               " --conditional --steps 4 --batch 4 --base 8 --samples 120 --solver euler --nfe 1 --threads 1"
               " --val-every 2 --sample-every 2");
  // 120 samples in class blocks of 12: the first 100 would hold classes 0..8 only. One row
  // per class: the title, then 10 rows of 2x enlarged 28-pixel images.
  const Picture grid = read_png(out / "samples.png");
  CHECK(grid.height == 34 + 10 * (56 + 4));
  // metrics.csv: val_loss finite in rows 0, 2 and the last (3), empty in row 1.
  std::ifstream csv(out / "metrics.csv");
  std::string line;
  std::getline(csv, line);
  REQUIRE(line == "step,loss,lr,time,val_loss");
  std::map<int, std::string> val;
  while (std::getline(csv, line)) val[std::stoi(line)] = line.substr(line.rfind(',') + 1);
  REQUIRE(val.size() == 4);
  CHECK(val[1].empty());
  for (int step : {0, 2, 3}) {
    INFO("step " << step);
    REQUIRE(!val[step].empty());
    CHECK(std::isfinite(std::stod(val[step])));
    CHECK(std::stod(val[step]) > 0);
  }
  // Grids after 2 and 4 steps, none at other steps; the report lists them.
  CHECK(read_png(out / "samples_step2.png").height == 34 + 10 * (56 + 4));  // 4 per class, a row per class
  CHECK(fs::exists(out / "samples_step4.png"));
  CHECK(!fs::exists(out / "samples_step1.png"));
  CHECK(!fs::exists(out / "samples_step3.png"));
  CHECK(read_png(out / "loss.png").width == 640);
  const std::string report = read_file(out / "report.html");
  CHECK(report.find("samples_step2.png") < report.find("samples_step4.png"));
  fs::remove_all(dir);
}

TEST_CASE("toy2d: flow.gif animates the samples along the flow, --sample-every draws samples_stepN.png",
          "[examples][plot]") {
  const fs::path dir = temp_dir("toy_gif");
  const fs::path out = dir / "run";
  run(dir, rill::test::program("toy2d") + " --out " + out.string() +
               " --steps 20 --batch 32 --width 16 --samples 64 --nfe 8 --threads 1 --sample-every 10");
  int error = 0;
  GifFileType* gif = DGifOpenFileName((out / "flow.gif").string().c_str(), &error);
  REQUIRE(gif != nullptr);
  REQUIRE(DGifSlurp(gif) == GIF_OK);
  CHECK(gif->SWidth == 360);
  CHECK(gif->SHeight == 360);
  CHECK(gif->ImageCount == 9);  // one frame per saved time: t = 0, 1/8, ..., 1 (8 Euler steps)
  DGifCloseFile(gif, &error);
  for (const char* f : {"samples_step10.png", "samples_step20.png", "samples.png", "trajectories.png", "loss.png"})
    CHECK(read_png(out / f).width > 0);
  CHECK(!fs::exists(out / "samples_step5.png"));
  fs::remove_all(dir);
}

TEST_CASE("fm_diffusion --plot-format svg: the figures are SVG files and the report shows them", "[examples][plot]") {
  const fs::path dir = temp_dir("svg");
  const fs::path out = dir / "run";
  run(dir, rill::test::program("fm_diffusion") + " --threads 1 --steps 20 --eval-points 32 --plot-format svg --out " +
               out.string());
  for (const char* f : {"diffusion_ode.svg", "diffusion_sde.svg", "loss.svg"}) {
    INFO(f);
    CHECK(read_file(out / f).find("<svg") != std::string::npos);
  }
  CHECK(!fs::exists(out / "diffusion_ode.png"));
  CHECK(read_file(out / "report.html").find("src=\"loss.svg\"") != std::string::npos);
  // A format it does not know is refused before any work.
  CHECK(run_status(dir, rill::test::program("fm_diffusion") + " --plot-format jpeg --out " + (dir / "bad").string())
            .status == 1);
  CHECK(!fs::exists(dir / "bad"));
  fs::remove_all(dir);
}
