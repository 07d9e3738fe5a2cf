#include <filesystem>
#include <fstream>

#include "data/cifar10.h"
#include "data/idx.h"
#include "data/loader.h"
#include "helpers.h"
#include "io/npy.h"
#include "io/png.h"
#include "nn/checkpoint.h"

using namespace rill;
using rill::test::values;
namespace fs = std::filesystem;

namespace {

std::string read_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_bytes(const fs::path& p, const std::string& bytes) {
  std::ofstream out(p, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// A safetensors file from a header text and data bytes.
std::string make_file(const std::string& header, const std::string& data) {
  const uint64_t n = header.size();
  return std::string(reinterpret_cast<const char*>(&n), 8) + header + data;
}

}  // namespace

TEST_CASE("a resumed run reaches the same weights as an uninterrupted one", "[nn][checkpoint]") {
  const fs::path dir = rill::test::temp_dir("resume");
  const std::string ckpt = (dir / "train.safetensors").string();
  // A small MLP regression where every step draws its batch from the run's generator.
  auto train = [&](nn::MLP& model, nn::AdamW& opt, nn::EMA& ema, Generator& gen, int64_t from, int64_t to,
                   bool save_at_end) {
    for (int64_t step = from; step < to; ++step) {
      const Tensor x = randn({32, 2}, {}, &gen), t = rand({32}, {}, &gen);
      opt.zero_grad();
      autograd::backward(mse_loss(model(t, x), ops::sin(x)));
      opt.step();
      ema.update(model);
    }
    if (save_at_end) nn::save_checkpoint(ckpt, {&model, &opt, &ema, &gen, to});
  };
  manual_seed(11);
  nn::MLP a(2, 32);
  nn::AdamW opt_a(a.named_parameters(), {0.01});
  nn::EMA ema_a(a, 0.9);
  Generator gen_a(99);
  train(a, opt_a, ema_a, gen_a, 0, 6, true);    // interrupted here (checkpoint written) ...
  train(a, opt_a, ema_a, gen_a, 6, 12, false);  // ... but this run goes on

  manual_seed(12);  // a fresh process: different initial weights, fresh generator
  nn::MLP b(2, 32);
  nn::AdamW opt_b(b.named_parameters(), {0.01});
  nn::EMA ema_b(b, 0.9);
  Generator gen_b(0);
  nn::TrainingState state{&b, &opt_b, &ema_b, &gen_b};
  CHECK(nn::load_checkpoint(ckpt, state) == 6);
  train(b, opt_b, ema_b, gen_b, 6, 12, false);
  for (size_t i = 0; i < a.parameters().size(); ++i) CHECK(values(a.parameters()[i]) == values(b.parameters()[i]));
  for (size_t i = 0; i < ema_a.state_dict().size(); ++i)
    CHECK(values(ema_a.state_dict()[i].second) == values(ema_b.state_dict()[i].second));
  REQUIRE_ERROR(nn::load_checkpoint((dir / "none.safetensors").string(), state), "cannot open");
  fs::remove_all(dir);
}

namespace {

// A small training run: a linear layer, Adam, an EMA and a generator, after `steps` steps.
struct SmallRun {
  nn::Linear model{3, 2};
  nn::Adam opt{model.named_parameters(), {0.01}};
  nn::EMA ema{model, 0.9};
  Generator gen{5};
  int64_t step = 0;

  explicit SmallRun(int steps) {
    for (int k = 0; k < steps; ++k) {
      opt.zero_grad();
      autograd::backward(mse_loss(model(randn({4, 3}, {}, &gen)), zeros({4, 2})));
      opt.step();
      ema.update(model);
      ++step;
    }
  }
  nn::TrainingState state() { return {&model, &opt, &ema, &gen, step}; }
  // Everything load_checkpoint may change, as numbers.
  std::vector<double> snapshot() {
    std::vector<double> out;
    const auto add = [&](const nn::StateDict& dict) {
      for (const auto& [name, t] : dict)
        for (double v : values(t)) out.push_back(v);
    };
    add(model.state_dict());
    add(ema.state_dict());
    add(opt.state_dict());
    out.push_back(static_cast<double>(gen.state().seed));
    out.push_back(static_cast<double>(gen.state().offset));
    out.push_back(static_cast<double>(step));
    return out;
  }
};

// The tensors and metadata of a checkpoint file, to be altered and written back.
io::safetensors::Contents read_all(const std::string& path) { return io::safetensors::load(path); }

Tensor& find(nn::StateDict& dict, const std::string& name) {
  const auto it = std::find_if(dict.begin(), dict.end(), [&](const nn::NamedTensor& t) { return t.first == name; });
  INFO("no tensor " << name);
  REQUIRE(it != dict.end());
  return it->second;
}

}  // namespace

TEST_CASE("load_checkpoint validates the whole file before it changes anything", "[nn][checkpoint]") {
  const fs::path dir = rill::test::temp_dir("validate");
  const std::string good = (dir / "good.safetensors").string(), bad = (dir / "bad.safetensors").string();
  manual_seed(3);
  SmallRun a(3);
  nn::save_checkpoint(good, a.state());
  manual_seed(4);
  SmallRun b(1);  // loads into this run must leave it exactly as it is
  const std::vector<double> before = b.snapshot();

  // Writes `good` with one change (through the plain safetensors writer, which does not
  // refuse NaN) and checks that loading it fails with `message` and changes nothing.
  const auto refused = [&](const std::function<void(io::safetensors::Contents&)>& change, const std::string& message) {
    io::safetensors::Contents c = read_all(good);
    change(c);
    io::safetensors::save(bad, c.tensors, c.metadata);
    nn::TrainingState state = b.state();
    REQUIRE_ERROR(nn::load_checkpoint(bad, state), message);
    CHECK(state.step == b.step);
    CHECK(b.snapshot() == before);
  };
  const auto set = [](const std::string& name, Tensor value) {
    return [=](io::safetensors::Contents& c) { find(c.tensors, name) = value; };
  };
  using C = io::safetensors::Contents&;
  refused(set("model.weight", tensor({1.f, 2.f, NAN, 4.f, 5.f, 6.f}, {2, 3})),
          "load_checkpoint: " + bad + ": tensor 'model.weight' holds nan at element 2");
  refused(set("ema.bias", tensor({INFINITY, 0.f})), "tensor 'ema.bias' holds inf at element 0");
  refused(set("optimizer.exp_avg.bias", tensor({0.f, -INFINITY})), "tensor 'optimizer.exp_avg.bias' holds -inf");
  // A missing Adam moment: the optimizer would silently restart it from zero.
  refused(
      [](C c) {
        std::erase_if(c.tensors, [](const nn::NamedTensor& t) { return t.first == "optimizer.exp_avg_sq.weight"; });
      },
      "'exp_avg_sq.weight' is missing (parameter 'weight' has other state)");
  refused([](C c) { std::erase_if(c.tensors, [](const nn::NamedTensor& t) { return t.first == "optimizer.step"; }); },
          "the state has no 'step' entry");
  refused([](C c) { std::erase_if(c.tensors, [](const nn::NamedTensor& t) { return t.first == "ema.weight"; }); },
          "EMA::load_state_dict: 'weight' is missing");
  refused([](C c) { c.tensors.emplace_back("extra.weight", zeros({1})); },
          "tensor 'extra.weight' belongs to no part of a training checkpoint");
  refused(
      [](C c) {
        c.tensors.emplace_back("optimizer.momentum.weight", zeros({2, 3}));
      },
      "'momentum.weight' is state this optimizer does not keep");
  // A valid model with a bad optimizer part: the model used to be overwritten first.
  refused(set("optimizer.exp_avg.weight", zeros({3, 2})),
          "'exp_avg.weight' is float32 [3, 2], the parameter is float32 [2, 3]");
  refused(set("optimizer.step.weight", zeros({2}, DType::Float64)),
          "'step.weight' is float64 [2], expected a float64 scalar");
  refused(set("optimizer.step.weight", full({}, 7.0, DType::Float64)),
          "a parameter's step count (7) exceeds the optimizer's step (3)");
  refused(set("optimizer.step.weight", full({}, 1.5, DType::Float64)),
          "'step.weight' = 1.5 is not a whole number of steps");
  refused(set("optimizer.step", tensor(std::vector<int64_t>{-1})), "'step' is -1, negative");
  refused(set("model.weight", zeros({2, 3}, DType::Float64)),
          "shape or dtype mismatches: [weight (checkpoint float64 [2, 3], model float32 [2, 3])]");
  refused(set("ema.weight", zeros({2, 3}, DType::Int64)),
          "EMA::load_state_dict: 'weight' is int64 [2, 3], expected float32 [2, 3]");
  // Metadata ranges: a step of 2^63 or more used to wrap to a negative step.
  refused([](C c) { c.metadata["step"] = "9223372036854775808"; },
          "metadata 'step' = '9223372036854775808' is out of range");
  refused([](C c) { c.metadata["step"] = "99999999999999999999999"; }, "is out of range");
  refused([](C c) { c.metadata["step"] = "-1"; }, "metadata 'step' = '-1' is not a non-negative integer");
  refused([](C c) { c.metadata["generator.offset"] = "18446744073709551616"; },
          "metadata 'generator.offset' = '18446744073709551616' is out of range");
  refused([](C c) { c.metadata.erase("generator.seed"); }, "has no 'generator.seed' in its metadata");
  refused([](C c) { c.metadata.erase("format"); },
          "metadata 'format' is missing, expected 'rill-training-checkpoint-1'");

  // The largest values are accepted, and a good file loads.
  {
    io::safetensors::Contents c = read_all(good);
    c.metadata["step"] = "9223372036854775807", c.metadata["generator.offset"] = "18446744073709551615";
    io::safetensors::save(bad, c.tensors, c.metadata);
    nn::TrainingState state = b.state();
    CHECK(nn::load_checkpoint(bad, state) == INT64_MAX);
    CHECK(b.gen.state().offset == UINT64_MAX);
  }
  nn::TrainingState state = b.state();
  CHECK(nn::load_checkpoint(good, state) == 3);
  CHECK(b.snapshot() != before);
  CHECK(values(b.model.weight) == values(a.model.weight));
  fs::remove_all(dir);
}

TEST_CASE("load_checkpoint: a huge optimizer tensor of 0 bytes is an error, not a crash", "[nn][checkpoint]") {
  // The reviewer's file: a good checkpoint whose optimizer.step.<name> tensor claims shape
  // [2^61] float64 (2^64 bytes, wrapping to 0) with offsets [k, k]. Optimizer step counts
  // used to skip the shape check, and cloning the tensor segfaulted.
  const fs::path dir = rill::test::temp_dir("huge");
  const std::string p = (dir / "huge.safetensors").string();
  manual_seed(8);
  SmallRun run(1);
  nn::save_checkpoint(p, run.state());
  io::safetensors::Contents c = io::safetensors::load(p);
  find(c.tensors, "optimizer.step.weight") = zeros({0}, DType::Float64);
  io::safetensors::save(p, c.tensors, c.metadata);
  const std::string bytes = read_bytes(p);
  uint64_t n = 0;
  std::memcpy(&n, bytes.data(), 8);
  std::string header = bytes.substr(8, n);
  const std::string from = R"("optimizer.step.weight":{"dtype":"F64","shape":[0])";
  REQUIRE(header.find(from) != std::string::npos);
  header.replace(header.find(from), from.size(),
                 R"("optimizer.step.weight":{"dtype":"F64","shape":[2305843009213693952])");
  write_bytes(p, make_file(header, bytes.substr(8 + n)));
  nn::TrainingState state = run.state();
  REQUIRE_ERROR(nn::load_checkpoint(p, state),
                "tensor 'optimizer.step.weight': shape [2305843009213693952] is too large");
  fs::remove_all(dir);
}

TEST_CASE("load_checkpoint reads only the parts it is given", "[nn][checkpoint]") {
  const fs::path dir = rill::test::temp_dir("partial");
  const std::string p = (dir / "c.safetensors").string();
  manual_seed(5);
  SmallRun a(2);
  nn::save_checkpoint(p, a.state());
  // Sampling needs the model (and maybe the EMA), not the optimizer.
  manual_seed(6);
  SmallRun b(0);
  nn::TrainingState model_only{&b.model};
  const auto file = io::safetensors::Reader::open(p);
  CHECK(nn::load_checkpoint(file, model_only) == 2);
  CHECK(file.bytes_read() == (2 * 3 + 2) * 4);  // model.weight and model.bias, nothing else
  CHECK(values(b.model.weight) == values(a.model.weight));
  nn::TrainingState with_ema{&b.model, nullptr, &b.ema};
  const auto again = io::safetensors::Reader::open(p);
  nn::load_checkpoint(again, with_ema);
  CHECK(again.bytes_read() == 2 * (2 * 3 + 2) * 4);
  CHECK(values(b.ema.state_dict()[0].second) == values(a.ema.state_dict()[0].second));
  CHECK(b.opt.steps_taken() == 0);  // untouched
  // So a damaged optimizer part does not stop sampling, while resuming refuses it.
  io::safetensors::Contents c = io::safetensors::load(p);
  find(c.tensors, "optimizer.exp_avg.bias") = tensor({NAN, 0.f});
  io::safetensors::save(p, c.tensors, c.metadata);
  CHECK(nn::load_checkpoint(p, model_only) == 2);
  nn::TrainingState full = b.state();
  REQUIRE_ERROR(nn::load_checkpoint(p, full), "tensor 'optimizer.exp_avg.bias' holds nan");
  // Unknown names are refused even when their part is not read.
  c.tensors.emplace_back("scratch.x", zeros({1}));
  io::safetensors::save(p, c.tensors, c.metadata);
  REQUIRE_ERROR(nn::load_checkpoint(p, model_only), "tensor 'scratch.x' belongs to no part");
  fs::remove_all(dir);
}

TEST_CASE("save_checkpoint refuses NaN and infinity and leaves the file on disk alone", "[nn][checkpoint]") {
  const fs::path dir = rill::test::temp_dir("save_nan");
  const std::string p = (dir / "c.safetensors").string();
  manual_seed(7);
  SmallRun run(2);
  nn::save_checkpoint(p, run.state());
  const std::string bytes = read_bytes(p);
  const Tensor weight = detach(run.model.weight);
  const Tensor kept = ops::clone(weight);
  ops::fill_(weight, NAN);
  REQUIRE_ERROR(
      nn::save_checkpoint(p, run.state()),
      "save_checkpoint: refusing to write " + p + " at step " + std::to_string(run.state().step) +
          ": tensor 'model.weight' holds nan at element 0 (a diverged run?); the file on disk is left as it was");
  CHECK(read_bytes(p) == bytes);
  ops::copy_(weight, kept);
  ops::fill_(detach(run.ema.state_dict()[1].second), INFINITY);
  REQUIRE_ERROR(nn::save_checkpoint(p, run.state()), "tensor 'ema.bias' holds inf");
  CHECK(read_bytes(p) == bytes);
  for (const auto& entry : fs::directory_iterator(dir)) CHECK(entry.path().filename() == "c.safetensors");
  fs::remove_all(dir);
}

TEST_CASE("the fuzzers' seeds are valid files, and their past findings are refused", "[nn][checkpoint][fuzz]") {
  // fuzz/corpus/ (written by fuzz/make_corpus.cpp): a seed that no longer loads would
  // leave a fuzzer exploring error paths only.
  const fs::path corpus = fs::path(rill::test::source_dir()) / "fuzz" / "corpus";
  manual_seed(1);
  nn::Linear model(3, 2);  // the state fuzz/fuzz_safetensors.cpp loads into
  nn::Adam opt(model.named_parameters(), {0.01});
  nn::EMA ema(model, 0.9);
  Generator gen(1);
  nn::TrainingState state{&model, &opt, &ema, &gen};
  CHECK(nn::load_checkpoint((corpus / "safetensors" / "checkpoint.safetensors").string(), state) == 1);
  CHECK(opt.steps_taken() == 1);
  int files = 0;
  for (const auto& entry : fs::recursive_directory_iterator(corpus)) {
    if (!entry.is_regular_file()) continue;
    const std::string path = entry.path().string(), format = entry.path().parent_path().filename().string();
    const bool finding = entry.path().filename().string().rfind("finding-", 0) == 0;
    const auto load = [&] {
      if (format == "safetensors") io::safetensors::load(path);
      if (format == "npy") io::load_npy(path);
      if (format == "idx") data::read_idx(path);
      if (format == "cifar10") {
        data::ImageDataset ds;
        data::parse_cifar10_batch(read_bytes(path), path, ds, fs::file_size(path) / data::kCifar10Record);
      }
    };
    INFO(path);
    if (finding)
      CHECK_THROWS_AS(load(), Error);
    else
      CHECK_NOTHROW(load());
    ++files;
  }
  CHECK(files >= 19);
}
