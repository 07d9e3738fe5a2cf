// Datasets in their real formats: readers on good and corrupt files written here, the
// loader, and the 2-D generators' statistics.
#include <zlib.h>

#include <filesystem>
#include <fstream>

#include "helpers.h"
#include "nn/data/images.h"
#include "nn/data/toy2d.h"
#include "nn/io.h"

using namespace rill;
using namespace rill::nn::data;
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

void write(const fs::path& p, const std::string& bytes) { std::ofstream(p, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size())); }

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

// A .npy file from its header text and data: version major.0 (1: u16 length, 2 and 3: u32).
std::string npy_bytes(const std::string& header, const std::string& data, int major = 1) {
  std::string s = "\x93NUMPY";
  s += static_cast<char>(major), s += '\0';
  const uint32_t n = static_cast<uint32_t>(header.size());
  for (int i = 0; i < (major == 1 ? 2 : 4); ++i) s += static_cast<char>(n >> (8 * i) & 0xff);
  return s + header + data;
}

template <typename T>
std::string raw(const std::vector<T>& v) {
  return std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
}

}  // namespace

TEST_CASE("IDX reader: raw and gzip files, every pixel and label", "[nn][data]") {
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

TEST_CASE("IDX reader: wrong magic, truncation and count mismatches are reported", "[nn][data]") {
  const fs::path dir = rill::test::temp_dir("idx_bad");
  const std::string good = idx_bytes({2, 2, 2}, {1, 2, 3, 4, 5, 6, 7, 8});
  write(dir / "bad_magic", std::string("\0\0\x0d\x03", 4) + good.substr(4));
  REQUIRE_ERROR(read_idx((dir / "bad_magic").string()), "has magic number 0x00000d03, not an unsigned-byte IDX file");
  write(dir / "truncated", good.substr(0, good.size() - 3));
  REQUIRE_ERROR(read_idx((dir / "truncated").string()), "should hold 8 data bytes for sizes [2, 2, 2] but has 5 (truncated or corrupt)");
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

TEST_CASE("IDX reader: a .gz file must be whole, with nothing after it", "[nn][data]") {
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
  REQUIRE_ERROR(load_idx_folder((dir / "nowhere").string()), "has no train-images-idx3-ubyte (or train-images-idx3-ubyte.gz)");
  fs::remove_all(dir);
}

TEST_CASE("the real Fashion-MNIST from Debian's dataset-fashion-mnist reads as 60000 + 10000 images", "[nn][data]") {
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

TEST_CASE("CIFAR-10 reader: exactly 10000 records per file, labels, truncation", "[nn][data]") {
  const fs::path dir = rill::test::temp_dir("cifar");
  // One real-sized batch file (30.7 MB), hard-linked as the five training batches.
  write(dir / "full.bin", cifar_records(kCifar10BatchRecords, 1));
  for (int i = 1; i <= 5; ++i) fs::create_hard_link(dir / "full.bin", dir / ("data_batch_" + std::to_string(i) + ".bin"));
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
  refused(cifar_records(9999, 0), "read_cifar10_batch: " + test_batch + " is 30726927 bytes, expected 10000 records of 3073 bytes = 30730000");
  refused(cifar_records(2, 0) + "abc", "is 6149 bytes, expected 10000 records");
  refused("", "is 0 bytes");
  std::string bad = cifar_records(kCifar10BatchRecords, 0);
  bad[5 * kCifar10Record] = 11;
  refused(bad, "record 5 has label 11, outside 0..9");
  fs::remove(dir / "test_batch.bin");
  fs::create_directory(dir / "test_batch.bin");
  REQUIRE_ERROR(load_cifar10_folder(dir.string(), "test"), "read_cifar10_batch: " + test_batch + " is a directory, not a file");
  fs::remove(dir / "data_batch_3.bin");
  REQUIRE_ERROR(load_cifar10_folder(dir.string(), "train"), "has no data_batch_3.bin");
  // Other record counts only through the in-memory reader (tests, the fuzzer).
  ImageDataset small;
  parse_cifar10_batch(cifar_records(2, 7), "mem", small, 2);
  CHECK(small.labels == std::vector<int64_t>{7, 8});
  fs::remove_all(dir);
}

TEST_CASE("the loader scales to [-1, 1], shuffles per epoch, drops the last batch, flips", "[nn][data]") {
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

TEST_CASE("2-D generators follow their definitions", "[nn][data]") {
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

TEST_CASE(".npy and PNG output", "[nn][data]") {
  const fs::path dir = rill::test::temp_dir("io");
  const Tensor a = ops::reshape(arange(6, DType::Float64), {2, 3});
  nn::save_npy((dir / "a.npy").string(), a);
  const Tensor back = nn::load_npy((dir / "a.npy").string());
  CHECK(back.shape() == Shape{2, 3});
  CHECK(rill::test::values(back) == rill::test::values(a));
  std::string bytes;
  {
    std::ifstream in(dir / "a.npy", std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  CHECK(bytes.substr(0, 6) == "\x93NUMPY");
  CHECK((bytes.size() - 48) % 64 == 0);  // header padded to 64 bytes; 48 data bytes
  CHECK(bytes.find("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }") != std::string::npos);
  std::string wrong = bytes;
  wrong.replace(wrong.find("<f8"), 3, "<i4");
  {
    std::ofstream(dir / "i4.npy", std::ios::binary).write(wrong.data(), static_cast<std::streamsize>(wrong.size()));
  }
  REQUIRE_ERROR(nn::load_npy((dir / "i4.npy").string()), "dtype '<i4' is not supported");
  nn::save_npy((dir / "v.npy").string(), tensor(std::vector<int64_t>{4, 5}));
  CHECK(nn::load_npy((dir / "v.npy").string()).to_vector<int64_t>() == std::vector<int64_t>{4, 5});
  nn::save_image_grid((dir / "g.png").string(), ops::sub(ops::mul(rand({5, 3, 4, 4}), 2.0), 1.0), 3);
  std::string png;
  {
    std::ifstream in(dir / "g.png", std::ios::binary);
    png.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  CHECK(png.substr(1, 3) == "PNG");
  // IHDR: width 3 * (4 + 2) + 2 = 20, height 2 * (4 + 2) + 2 = 14, big-endian at bytes 16..23.
  auto be32 = [&](size_t at) { return (uint8_t(png[at]) << 24) | (uint8_t(png[at + 1]) << 16) | (uint8_t(png[at + 2]) << 8) | uint8_t(png[at + 3]); };
  CHECK(be32(16) == 20);
  CHECK(be32(20) == 14);
  fs::remove_all(dir);
}

TEST_CASE(".npy reader: a real parser of the header dict, versions, byte order, Fortran order", "[nn][data]") {
  const std::string f4 = raw(std::vector<float>{1.5f, -2.f});
  const auto shape_of = [](const std::string& header, const std::string& data, int major = 1) {
    return nn::parse_npy(npy_bytes(header, data, major), "a.npy").shape();
  };
  CHECK(shape_of("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }          \n", f4) == Shape{2});
  // Keys in any order, either quote, no trailing comma, whitespace anywhere.
  CHECK(shape_of("{\"shape\":(1,2),\"fortran_order\":False,\"descr\":\"<f4\"}", f4) == Shape{1, 2});
  CHECK(shape_of("{ 'shape' : ( 2 , 1 , ) ,\n 'descr':'<f4',\t'fortran_order' :False}\n", f4) == Shape{2, 1});
  CHECK(shape_of("{'descr': '<f8', 'fortran_order': False, 'shape': ()}", raw(std::vector<double>{3})) == Shape{});
  CHECK(shape_of("{'descr': '<f4', 'fortran_order': False, 'shape': (0, 5)}", "") == Shape{0, 5});
  // Versions 2.0 and 3.0 have a 4-byte header length.
  CHECK(shape_of("{'descr': '<f4', 'fortran_order': False, 'shape': (2,)}", f4, 2) == Shape{2});
  CHECK(shape_of("{'descr': '<f4', 'fortran_order': False, 'shape': (2,)}", f4, 3) == Shape{2});
  CHECK(values(nn::parse_npy(npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2,)}", f4))) == std::vector<double>{1.5, -2});

  // Big-endian data is byte-swapped.
  const auto big_endian = [](std::string bytes, size_t k) {
    for (size_t i = 0; i < bytes.size(); i += k) std::reverse(bytes.begin() + static_cast<std::ptrdiff_t>(i), bytes.begin() + static_cast<std::ptrdiff_t>(i + k));
    return bytes;
  };
  CHECK(values(nn::parse_npy(npy_bytes("{'descr': '>f4', 'fortran_order': False, 'shape': (2,)}", big_endian(f4, 4)))) ==
        std::vector<double>{1.5, -2});
  const Tensor i8 = nn::parse_npy(npy_bytes("{'descr': '>i8', 'fortran_order': False, 'shape': (2,)}",
                                            big_endian(raw(std::vector<int64_t>{-3, int64_t{1} << 40}), 8)));
  CHECK(i8.to_vector<int64_t>() == std::vector<int64_t>{-3, int64_t{1} << 40});
  // Fortran order: [[1, 2, 3], [4, 5, 6]] is stored column by column.
  const Tensor fortran = nn::parse_npy(
      npy_bytes("{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3)}", raw(std::vector<double>{1, 4, 2, 5, 3, 6})));
  CHECK(fortran.shape() == Shape{2, 3});
  CHECK(fortran.is_contiguous());
  CHECK(values(fortran) == std::vector<double>{1, 2, 3, 4, 5, 6});

  // What a regular expression used to misread, and other malformed headers.
  const auto refused = [&](const std::string& header, const std::string& data, const std::string& message, int major = 1) {
    REQUIRE_ERROR(nn::parse_npy(npy_bytes(header, data, major), "a.npy"), message);
  };
  const std::string f6 = raw(std::vector<float>(6, 0.f));
  refused("{'descr': '<f4', 'fortran_order': False, 'shape': (-6,)}", f6, "load_npy: a.npy: malformed header at character 51: negative size in the shape");
  refused("{'descr': '<f4', 'fortran_order': False, 'shape': (2.5,)}", f6, "expected ',' or ')' after a size in the shape");
  refused("{'descr': '<f4', 'fortran_order': False, 'shape': (6)}", f6, "a one-element tuple needs a trailing comma");
  refused("{'descr': '<f4', 'fortran_order': False, 'shape': (06,)}", f6, "a size with a leading zero");
  refused("{'descr': '<f4', 'fortran_order': False, 'shape': [6]}", f6, "expected a tuple '(...)' for the shape");
  refused("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,)}", "", "size in the shape out of range");
  refused("{'descr': '<f8', 'fortran_order': False, 'shape': (2305843009213693952,)}", "", "shape [2305843009213693952] is too large");
  refused("{'descr': '<f4', 'fortran_order': 0, 'shape': (6,)}", f6, "expected True or False");
  refused("{'descr': '<f4', 'shape': (6,)}", f6, "missing key 'fortran_order'");
  refused("{'descr': '<f4', 'fortran_order': False, 'shape': (6,), 'shape': (6,)}", f6, "key 'shape' appears twice");
  refused("{'descr': '<f4', 'fortran_order': False, 'shape': (6,), 'extra': 1}", f6, "unknown key 'extra'");
  refused("{'descr': '<f4', 'fortran_order': False, 'shape': (6,)} x", f6, "unexpected text after the closing '}'");
  refused("{'descr': '<f4', 'fortran_order': False, 'shape': (6,)", f6, "expected '}'");
  refused("{'descr' '<f4', 'fortran_order': False, 'shape': (6,)}", f6, "malformed header at character 9: expected ':'");
  refused("{'descr': '<f4', 'fortran_order': False, 'shape': (6,),,}", f6, "expected a quoted string");
  refused("{'descr': '|u1', 'fortran_order': False, 'shape': (6,)}", f6, "dtype '|u1' is not supported");
  refused("{'descr': '<f4', 'fortran_order': False, 'shape': (7,)}", f6, "28 data bytes for shape [7] float32 but the file has 24");
  refused("{'descr': '<f4', 'fortran_order': False, 'shape': (6,)}", f6, "format version 4.0 is not supported", 4);
  REQUIRE_ERROR(nn::parse_npy(npy_bytes("{}", "").substr(0, 8) + "\xff\x7f{}", "a.npy"), "the 32767-byte header runs past the end of the file");
  REQUIRE_ERROR(nn::parse_npy("\x93NUMPY\x01", "a.npy"), "a.npy is 7 bytes, too short");
  REQUIRE_ERROR(nn::parse_npy("PK\x03\x04 zip archive", "a.npy"), "a.npy is not a .npy file (bad magic)");
  const fs::path dir = rill::test::temp_dir("npy_dir");
  REQUIRE_ERROR(nn::load_npy(dir.string()), "load_npy: " + dir.string() + " is a directory, not a file");
  REQUIRE_ERROR(nn::load_npy((dir / "none.npy").string()), "load_npy: cannot open");
  fs::remove_all(dir);
}
