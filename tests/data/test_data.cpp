// Datasets in their real formats: readers on good and corrupt files written here, the
// loader, and the 2-D generators' statistics.
#include <zlib.h>

#include <filesystem>
#include <fstream>

#include "data/cifar10.h"
#include "data/idx.h"
#include "data/image_dataset.h"
#include "data/loader.h"
#include "data/toy2d.h"
#include "helpers.h"
#include "io/gzip.h"

using namespace rill;
using namespace rill::data;
using rill::test::values;
namespace fs = std::filesystem;

namespace {

void put_u32(std::string& s, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) s += static_cast<char>((v >> shift) & 0xff);
}

// An IDX file: magic 0x0000080N, big-endian sizes, bytes.
std::string idx_bytes(const std::vector<uint32_t>& dims, const std::vector<uint8_t>& data) {
  std::string s("\0\0\x08", 3);
  s += static_cast<char>(dims.size());
  for (uint32_t d : dims) put_u32(s, d);
  s.append(data.begin(), data.end());
  return s;
}

void write(const fs::path& p, const std::string& bytes) {
  std::ofstream(p, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

void write_gz(const fs::path& p, const std::string& bytes) {
  gzFile f = gzopen(p.c_str(), "wb");
  gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size()));
  gzclose(f);
}

// n images of 4x3 whose pixel (y, x) of image i is 10 i + 3 y + x; labels i % 10.
void write_mnist_like(const fs::path& dir, const std::string& prefix, uint32_t n, bool gz) {
  std::vector<uint8_t> pixels, labels;
  for (uint32_t i = 0; i < n; ++i) {
    for (uint32_t k = 0; k < 12; ++k) pixels.push_back(static_cast<uint8_t>(10 * i + k));
    labels.push_back(static_cast<uint8_t>(i % 10));
  }
  const auto w = gz ? write_gz : write;
  w(dir / (prefix + "-images-idx3-ubyte" + (gz ? ".gz" : "")), idx_bytes({n, 4, 3}, pixels));
  w(dir / (prefix + "-labels-idx1-ubyte" + (gz ? ".gz" : "")), idx_bytes({n}, labels));
}

// gzip data (one member) in memory.
std::string gzip(const std::string& in) {
  z_stream z{};
  REQUIRE(deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) == Z_OK);
  std::string out(deflateBound(&z, static_cast<uLong>(in.size())), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  REQUIRE(deflate(&z, Z_FINISH) == Z_STREAM_END);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

// CIFAR-10 records: label (first_label + r) % 10, pixel k = (r + k) % 256.
std::string cifar_records(size_t n, int first_label) {
  std::string s(n * kCifar10Record, '\0');
  for (size_t r = 0; r < n; ++r) {
    char* rec = s.data() + r * kCifar10Record;
    rec[0] = static_cast<char>((first_label + r) % 10);
    for (size_t k = 0; k < 3072; ++k) rec[1 + k] = static_cast<char>((r + k) % 256);
  }
  return s;
}

}  // namespace

TEST_CASE("IDX reader: raw and gzip files, every pixel and label", "[data]") {
  const fs::path dir = rill::test::temp_dir("idx");
  write_mnist_like(dir, "train", 5, true);
  write_mnist_like(dir, "t10k", 3, false);
  const ImageDataset train = load_idx_folder(dir.string(), "train");
  CHECK(train.count == 5);
  CHECK((train.channels == 1 && train.height == 4 && train.width == 3));
  CHECK(train.pixels[2 * 12 + 7] == 27);  // image 2, pixel 7
  CHECK(train.labels == std::vector<int64_t>{0, 1, 2, 3, 4});
  CHECK(load_idx_folder(dir.string(), "test").count == 3);
  REQUIRE_ERROR(load_idx_folder(dir.string(), "val"), "load_idx_folder: split must be 'train' or 'test', got 'val'");
  fs::remove_all(dir);
}

TEST_CASE("IDX reader: wrong magic, truncation and count mismatches are reported", "[data]") {
  const fs::path dir = rill::test::temp_dir("idx_bad");
  const std::string good = idx_bytes({2, 2, 2}, {1, 2, 3, 4, 5, 6, 7, 8});
  write(dir / "bad_magic", std::string("\0\0\x0d\x03", 4) + good.substr(4));
  REQUIRE_ERROR(read_idx((dir / "bad_magic").string()), "has magic number 0x00000d03, not an unsigned-byte IDX file");
  write(dir / "truncated", good.substr(0, good.size() - 3));
  REQUIRE_ERROR(read_idx((dir / "truncated").string()),
                "should hold 8 data bytes for sizes [2, 2, 2] but has 5 (truncated or corrupt)");
  write(dir / "tiny", "ab");
  REQUIRE_ERROR(read_idx((dir / "tiny").string()), "is 2 bytes, too short for the IDX magic number");
  write(dir / "header", good.substr(0, 9));
  REQUIRE_ERROR(read_idx((dir / "header").string()), "ends inside its header");
  // A corrupt gzip stream.
  write_gz(dir / "z.gz", good);
  std::string z;
  {
    std::ifstream in(dir / "z.gz", std::ios::binary);
    z.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  z[z.size() / 2] ^= 0x5a;
  z.resize(z.size() - 4);
  write(dir / "z.gz", z);
  CHECK_THROWS_AS(read_idx((dir / "z.gz").string()), Error);
  fs::remove_all(dir);
}

TEST_CASE("IDX reader: a .gz file is decompressed no further than its header's sizes", "[data]") {
  // A crafted file: a valid header for 2 x 2 x 2 bytes, then 16 MiB of zeros, which deflate
  // to ~16 KB (the ratio a decompression bomb relies on). The reader must stop at the 24
  // bytes the header allows, not inflate 16 MiB (or, scaled up, gigabytes) first.
  const std::string header_and_data = idx_bytes({2, 2, 2}, {1, 2, 3, 4, 5, 6, 7, 8});
  const std::string bomb = gzip(header_and_data + std::string(16 << 20, '\0'));
  CHECK(bomb.size() < 100000);
  REQUIRE_ERROR(parse_idx(bomb, "bomb.gz"),
                "read_idx: bomb.gz: the gzip data decompresses to more than the 24 bytes expected (corrupt, or "
                "crafted to exhaust memory?)");
  // One byte too many is refused the same way; exactly the header's size reads.
  REQUIRE_ERROR(parse_idx(gzip(header_and_data + "x"), "extra.gz"), "more than the 24 bytes expected");
  CHECK(parse_idx(gzip(header_and_data), "exact.gz").data == std::vector<uint8_t>{1, 2, 3, 4, 5, 6, 7, 8});
  // Too little still reads as truncated; a bad header is reported from the first bytes.
  REQUIRE_ERROR(parse_idx(gzip(header_and_data.substr(0, 20)), "short.gz"),
                "short.gz should hold 8 data bytes for sizes [2, 2, 2] but has 4");
  REQUIRE_ERROR(parse_idx(gzip(std::string("\0\0\x0d\x03", 4) + std::string(1 << 20, '\0')), "magic.gz"),
                "has magic number 0x00000d03");
  // The two io helpers directly: the first bytes only, and a cap.
  CHECK(io::gunzip_head(bomb, 4, "b", "test") == header_and_data.substr(0, 4));
  CHECK(io::gunzip_head(gzip("abc"), 10, "b", "test") == "abc");  // fewer than asked: all of it
  CHECK(io::gunzip(gzip("abcdef"), "b", "test", 6) == "abcdef");
  REQUIRE_ERROR(io::gunzip(gzip("abcdef"), "b", "test", 5), "test: b: the gzip data decompresses to more than the 5");
}

TEST_CASE("IDX reader: a .gz file must be whole, with nothing after it", "[data]") {
  const fs::path dir = rill::test::temp_dir("idx_gz");
  const std::string good = idx_bytes({2, 2, 2}, {1, 2, 3, 4, 5, 6, 7, 8});
  const std::string z = gzip(good);
  const std::string p = (dir / "x.gz").string();
  const auto check = [&](const std::string& bytes, const std::string& message) {
    write(p, bytes);
    REQUIRE_ERROR(read_idx(p), message);
  };
  write(p, z);
  CHECK(read_idx(p).data == std::vector<uint8_t>{1, 2, 3, 4, 5, 6, 7, 8});
  check(z + "junk", "read_idx: " + p + ": 4 bytes of junk follow the end of the gzip data");
  check(z + std::string(512, '\0'), "512 bytes of junk follow");
  check(z.substr(0, z.size() - 8), "the gzip data ends early (truncated file?)");  // no CRC-32 and length trailer
  check(z.substr(0, z.size() - 1), "the gzip data ends early");
  std::string bad_crc = z, bad_length = z;
  bad_crc[z.size() - 8] ^= 1;
  bad_length[z.size() - 1] ^= 1;
  check(bad_crc, "is corrupt (incorrect data check)");
  check(bad_length, "is corrupt (incorrect length check)");
  check(z + "\x1f\x8b", "the gzip data ends early");  // the start of a second member, cut
  // Several members one after the other are one gzip file: their contents are joined.
  write(p, gzip(good.substr(0, 7)) + gzip(good.substr(7)));
  CHECK(read_idx(p).data == std::vector<uint8_t>{1, 2, 3, 4, 5, 6, 7, 8});
  CHECK(parse_idx(gzip(good), "mem").dims == std::vector<int64_t>{2, 2, 2});
  // Images and labels that disagree on the count.
  write(dir / "train-images-idx3-ubyte", good);
  write(dir / "train-labels-idx1-ubyte", idx_bytes({3}, {1, 2, 3}));
  REQUIRE_ERROR(load_idx_folder(dir.string()), "has 2 images but");
  write(dir / "train-labels-idx1-ubyte", idx_bytes({2}, {1, 12}));
  REQUIRE_ERROR(load_idx_folder(dir.string()), "holds label 12, outside 0..9");
  REQUIRE_ERROR(load_idx_folder((dir / "nowhere").string()),
                "has no train-images-idx3-ubyte (or train-images-idx3-ubyte.gz)");
  fs::remove_all(dir);
}

TEST_CASE("the real Fashion-MNIST from Debian's dataset-fashion-mnist reads as 60000 + 10000 images", "[data]") {
  const std::string folder = "/usr/share/datasets/fashion-mnist";
  if (!fs::exists(folder)) RILL_SKIP(folder << " is not installed (apt-get install dataset-fashion-mnist)");
  const ImageDataset train = load_idx_folder(folder, "train"), test = load_idx_folder(folder, "test");
  CHECK(train.count == 60000);
  CHECK(test.count == 10000);
  CHECK((train.height == 28 && train.width == 28));
  std::vector<int64_t> per_class(10, 0);
  for (int64_t l : train.labels) ++per_class[l];
  for (int64_t c : per_class) CHECK(c == 6000);  // Fashion-MNIST is balanced
}

TEST_CASE("image datasets: slice keeps a range of images, of_classes the images of some classes", "[data]") {
  // Five 1x1x2 images: pixels (10 i, 10 i + 1), labels 3, 1, 3, 0, 1.
  ImageDataset d;
  d.count = 5, d.channels = 1, d.height = 1, d.width = 2, d.num_classes = 4;
  for (uint8_t i = 0; i < 5; ++i) d.pixels.insert(d.pixels.end(), {uint8_t(10 * i), uint8_t(10 * i + 1)});
  d.labels = {3, 1, 3, 0, 1};
  const ImageDataset mid = slice(d, 1, 3);
  CHECK(mid.count == 2);
  CHECK(mid.pixels == std::vector<uint8_t>{10, 11, 20, 21});
  CHECK(mid.labels == std::vector<int64_t>{1, 3});
  CHECK(mid.num_classes == 4);
  CHECK_THROWS_WITH(slice(d, 3, 6), Catch::Contains("slice: images [3, 6) of a dataset of 5 images"));
  CHECK_THROWS_WITH(slice(d, 2, 2), Catch::Contains("slice: images [2, 2)"));
  const ImageDataset some = of_classes(d, {1, 0});  // images 1, 3, 4 in their order, labels kept
  CHECK(some.count == 3);
  CHECK(some.pixels == std::vector<uint8_t>{10, 11, 30, 31, 40, 41});
  CHECK(some.labels == std::vector<int64_t>{1, 0, 1});
  CHECK(some.num_classes == 4);
  CHECK_THROWS_WITH(of_classes(d, {4}), Catch::Contains("of_classes: class 4 of a dataset with classes 0..3"));
  CHECK_THROWS_WITH(of_classes(d, {2}), Catch::Contains("none of the 5 images has one of the classes given"));
}

TEST_CASE("CIFAR-10 reader: exactly 10000 records per file, labels, truncation", "[data]") {
  const fs::path dir = rill::test::temp_dir("cifar");
  // One real-sized batch file (30.7 MB), hard-linked as the five training batches.
  write(dir / "full.bin", cifar_records(kCifar10BatchRecords, 1));
  for (int i = 1; i <= 5; ++i)
    fs::create_hard_link(dir / "full.bin", dir / ("data_batch_" + std::to_string(i) + ".bin"));
  write(dir / "test_batch.bin", cifar_records(kCifar10BatchRecords, 0));
  const ImageDataset train = load_cifar10_folder(dir.string(), "train");
  CHECK(train.count == 50000);
  CHECK((train.channels == 3 && train.height == 32 && train.width == 32));
  CHECK(train.labels[0] == 1);
  CHECK(train.labels[10000 + 3] == 4);                   // the second file's record 3
  CHECK(train.pixels[3072 + 1024] == (1 + 1024) % 256);  // image 1, green plane, pixel 0
  CHECK(load_cifar10_folder(dir.string(), "test").count == 10000);
  const std::string test_batch = (dir / "test_batch.bin").string();
  const auto refused = [&](const std::string& bytes, const std::string& message) {
    write(test_batch, bytes);
    ImageDataset ds;
    REQUIRE_ERROR(read_cifar10_batch(test_batch, ds), message);
    CHECK((ds.count == 0 && ds.pixels.empty() && ds.labels.empty()));  // nothing added
  };
  // Cut at a record boundary: whole records, but not a whole batch.
  refused(cifar_records(9999, 0),
          "read_cifar10_batch: " + test_batch + " is 30726927 bytes, expected 10000 records of 3073 bytes = 30730000");
  refused(cifar_records(2, 0) + "abc", "is 6149 bytes, expected 10000 records");
  refused("", "is 0 bytes");
  std::string bad = cifar_records(kCifar10BatchRecords, 0);
  bad[5 * kCifar10Record] = 11;
  refused(bad, "record 5 has label 11, outside 0..9");
  fs::remove(dir / "test_batch.bin");
  fs::create_directory(dir / "test_batch.bin");
  REQUIRE_ERROR(load_cifar10_folder(dir.string(), "test"),
                "read_cifar10_batch: " + test_batch + " is a directory, not a file");
  fs::remove(dir / "data_batch_3.bin");
  REQUIRE_ERROR(load_cifar10_folder(dir.string(), "train"), "has no data_batch_3.bin");
  // Other record counts only through the in-memory reader (tests, the fuzzer).
  ImageDataset small;
  parse_cifar10_batch(cifar_records(2, 7), "mem", small, 2);
  CHECK(small.labels == std::vector<int64_t>{7, 8});
  fs::remove_all(dir);
}

TEST_CASE("the loader scales to [-1, 1], shuffles per epoch, drops the last batch, flips", "[data]") {
  ImageDataset ds;
  ds.count = 10, ds.channels = 1, ds.height = 1, ds.width = 3;
  for (int i = 0; i < 10; ++i) {
    for (int x = 0; x < 3; ++x) ds.pixels.push_back(static_cast<uint8_t>(x == 0 ? 25 * i : (x == 1 ? 0 : 255)));
    ds.labels.push_back(i);
  }
  DataLoader loader(ds, {4, true, true, false}, 1);
  CHECK(loader.batches_per_epoch() == 2);
  std::vector<int64_t> seen;
  for (int b = 0; b < 2; ++b) {
    const Batch batch = loader.next();
    CHECK(batch.images.shape() == Shape{4, 1, 1, 3});
    for (int64_t k = 0; k < 4; ++k) {
      const int64_t label = batch.labels.to_vector<int64_t>()[k];
      seen.push_back(label);
      // Pixel values map 0 -> -1, 255 -> 1, and belong to this image.
      CHECK(batch.images.at({k, 0, 0, 0}) == Approx(2.0 * 25 * label / 255 - 1));
      CHECK(batch.images.at({k, 0, 0, 1}) == -1);
      CHECK(batch.images.at({k, 0, 0, 2}) == 1);
    }
  }
  std::sort(seen.begin(), seen.end());
  CHECK(std::adjacent_find(seen.begin(), seen.end()) == seen.end());  // no repeats within an epoch
  CHECK(loader.epoch() == 0);
  loader.next();  // the 2 leftover images are dropped: a new epoch starts
  CHECK(loader.epoch() == 1);
  // Batches are a function of (seed, step): a second loader that seeks there agrees.
  DataLoader again(ds, {4, true, true, false}, 1);
  again.seek(2);
  CHECK(rill::test::values(again.next().images) == rill::test::values(loader.batch(2).images));
  // Flipping: every image comes out either as is or mirrored, both happen.
  DataLoader flips(ds, {10, false, true, true}, 2);
  int mirrored = 0;
  for (int e = 0; e < 20; ++e) {
    const Batch b = flips.next();
    for (int64_t k = 0; k < 10; ++k) mirrored += b.images.at({k, 0, 0, 2}) < 0.999;  // the 255 pixel moved left
  }
  CHECK(mirrored > 60);
  CHECK(mirrored < 140);
  REQUIRE_ERROR(DataLoader(ds, {11, true, true, false}), "DataLoader: 10 images cannot fill a batch of 11 (drop_last)");
}

TEST_CASE("2-D generators follow their definitions", "[data]") {
  Generator gen(3);
  const int64_t n = 40000;
  auto stats = [](const Tensor& x) {
    const Tensor d = ops::to(x, DType::Float64);
    return std::pair{ops::mean(d, {0}).to_vector<double>(), ops::var(d, {0}, 0).to_vector<double>()};
  };
  // moons: mean (0, 0); var x = 9 (3/4 + 0.01) (see toy2d.h for the construction).
  const auto [moon_mean, moon_var] = stats(sample_2d("moons", n, &gen));
  CHECK(moon_mean[0] == Approx(0).margin(0.05));
  CHECK(moon_mean[1] == Approx(0).margin(0.05));
  CHECK(moon_var[0] == Approx(9 * 0.76).epsilon(0.03));
  // 8gaussians: mean 0, E[x^2] = 16 / 2 + 0.16.
  const auto [g_mean, g_var] = stats(sample_2d("8gaussians", n, &gen));
  CHECK(g_mean[0] == Approx(0).margin(0.06));
  CHECK(g_var[0] == Approx(8.16).epsilon(0.03));
  // checkerboard: every point in a square with (floor(x/2) + floor(y/2)) even, inside [-4, 4]^2.
  const auto cb = sample_2d("checkerboard", 2000, &gen).to_vector<float>();
  for (size_t i = 0; i < cb.size(); i += 2) {
    CHECK(std::abs(cb[i]) <= 4);
    CHECK((static_cast<int64_t>(std::floor(cb[i] / 2)) + static_cast<int64_t>(std::floor(cb[i + 1] / 2))) % 2 == 0);
  }
  // circles: radii 2 and 4, half each.
  const auto c = sample_2d("circles", 4000, &gen).to_vector<float>();
  int inner = 0;
  for (size_t i = 0; i < c.size(); i += 2) {
    const double r = std::hypot(c[i], c[i + 1]);
    CHECK((std::abs(r - 2) < 0.6 || std::abs(r - 4) < 0.6));
    inner += r < 3;
  }
  CHECK(inner == Approx(2000).margin(150));
  for (const std::string& name : toy2d_names()) CHECK(sample_2d(name, 10, &gen).shape() == Shape{10, 2});
  REQUIRE_ERROR(sample_2d("galaxy", 3, &gen), "sample_2d: unknown dataset 'galaxy'");
}
