// Writes the seed corpora in fuzz/corpus/<harness>/: small valid files in each format,
// made with rill's own writers (and zlib), from which the fuzzers start mutating.
//   make_fuzz_corpus fuzz/corpus
// The files are committed; rerun this only when a format changes.
#include <zlib.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "autograd/autograd.h"
#include "data/cifar10.h"
#include "data/idx.h"
#include "data/loader.h"
#include "io/npy.h"
#include "io/png.h"
#include "nn/checkpoint.h"
#include "nn/linear.h"
#include "tensor/ops.h"

using namespace rill;
namespace fs = std::filesystem;

namespace {

void write(const fs::path& p, const std::string& bytes) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string gzip(const std::string& in) {
  z_stream z{};
  deflateInit2(&z, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&z, static_cast<uLong>(in.size())), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

std::string idx(const std::vector<uint32_t>& dims, uint8_t first) {
  std::string s("\0\0\x08", 3);
  s += static_cast<char>(dims.size());
  size_t n = 1;
  for (uint32_t d : dims) {
    for (int shift = 24; shift >= 0; shift -= 8) s += static_cast<char>((d >> shift) & 0xff);
    n *= d;
  }
  for (size_t i = 0; i < n; ++i) s += static_cast<char>((first + i) % 10);
  return s;
}

std::string npy(const std::string& header, const std::string& data, int major = 1) {
  std::string s = "\x93NUMPY";
  s += static_cast<char>(major), s += '\0';
  const auto n = static_cast<uint32_t>(header.size());
  for (int i = 0; i < (major == 1 ? 2 : 4); ++i) s += static_cast<char>(n >> (8 * i) & 0xff);
  return s + header + data;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s CORPUS_DIR (fuzz/corpus)\n", argv[0]);
    return 2;
  }
  const fs::path out = argv[1];
  const fs::path tmp = fs::temp_directory_path() / "rill_make_corpus";
  fs::create_directories(tmp);

  // safetensors: the training state fuzz_safetensors.cpp loads into, after one step.
  manual_seed(1);
  nn::Linear model(3, 2);
  nn::Adam opt(model.named_parameters(), {0.01});
  nn::EMA ema(model, 0.9);
  Generator gen(1);
  opt.zero_grad();
  autograd::backward(mse_loss(model(randn({2, 3}, {}, &gen)), zeros({2, 2})));
  opt.step();
  ema.update(model);
  nn::save_checkpoint((tmp / "a").string(), {&model, &opt, &ema, &gen, 1});
  write(out / "safetensors" / "checkpoint.safetensors", read(tmp / "a"));
  nn::save_checkpoint((tmp / "a").string(), {&model, nullptr, nullptr, nullptr, 0});
  write(out / "safetensors" / "model_only.safetensors", read(tmp / "a"));
  io::safetensors::save((tmp / "a").string(),
                        {{"f", tensor({1.f, 2.f})},
                         {"d", scalar_tensor(3.0, DType::Float64)},
                         {"i", tensor(std::vector<int64_t>{4, 5})},
                         {"e", zeros({0, 2})}},
                        {{"note", "seed"}});
  write(out / "safetensors" / "dtypes.safetensors", read(tmp / "a"));

  // IDX, raw and gzip (one member and two).
  const std::string images = idx({2, 2, 3}, 0), labels = idx({3}, 7);
  write(out / "idx" / "images-idx3-ubyte", images);
  write(out / "idx" / "labels-idx1-ubyte", labels);
  write(out / "idx" / "images-idx3-ubyte.gz", gzip(images));
  write(out / "idx" / "labels-idx1-ubyte.gz", gzip(labels.substr(0, 6)) + gzip(labels.substr(6)));

  // CIFAR-10: one and two records.
  std::string records;
  for (int r = 0; r < 2; ++r) {
    records += static_cast<char>(r + 3);
    for (int k = 0; k < 3072; ++k) records += static_cast<char>((r * 7 + k) % 256);
  }
  write(out / "cifar10" / "one_record.bin", records.substr(0, data::kCifar10Record));
  write(out / "cifar10" / "two_records.bin", records);

  // .npy: what save_npy writes, and the other forms the reader accepts.
  io::save_npy((tmp / "a").string(), tensor({1.f, 2.f, 3.f}));
  write(out / "npy" / "f4.npy", read(tmp / "a"));
  io::save_npy((tmp / "a").string(), ops::reshape(arange(6, DType::Float64), {2, 3}));
  write(out / "npy" / "f8_2d.npy", read(tmp / "a"));
  io::save_npy((tmp / "a").string(), scalar_tensor(7.0, DType::Int64));
  write(out / "npy" / "i8_scalar.npy", read(tmp / "a"));
  const std::string two(8, '\x01');
  write(out / "npy" / "v2_big_endian.npy",
        npy("{\"descr\": \">f4\", \"shape\": (2,), \"fortran_order\": False}\n", two, 2));
  write(out / "npy" / "v3_fortran.npy",
        npy("{'descr': '<i8', 'fortran_order': True, 'shape': (1, 1, 1, ), }\n", two, 3));

  // Past findings (of the review that led to these harnesses), kept as regression inputs.
  std::string header = R"({"__metadata__":{"format":"rill-training-checkpoint-1","step":"1"},)"
                       R"("optimizer.step.weight":{"dtype":"F64","shape":[2305843009213693952],"data_offsets":[0,0]}})";
  const uint64_t length = header.size();
  write(out / "safetensors" / "finding-size-wraps-to-zero.safetensors",
        std::string(reinterpret_cast<const char*>(&length), 8) + header);
  write(out / "npy" / "finding-negative-size.npy",
        npy("{'descr': '<f4', 'fortran_order': False, 'shape': (-6,)}", two + "abcdefghijklmnop"));
  write(out / "npy" / "finding-float-size.npy", npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2.5,)}",
                                                    std::string(40, '\x01')));  // read as [2, 5] by a regex
  write(out / "idx" / "finding-gzip-junk-after.gz", gzip(labels) + "junk");
  write(out / "idx" / "finding-gzip-no-trailer.gz", gzip(labels).substr(0, gzip(labels).size() - 8));
  fs::remove_all(tmp);
  return 0;
}
