#include "nn/checkpoint.h"

#include <cmath>
#include <limits>

#include "tensor/ops.h"

namespace rill::nn {
namespace {

constexpr const char* kFormat = "rill-training-checkpoint-1";
const char* const kParts[] = {"model.", "ema.", "optimizer."};

void append_prefixed(StateDict& out, const std::string& prefix, const StateDict& part) {
  for (const auto& [name, t] : part) out.emplace_back(prefix + name, t);
}

// The index of the first NaN or infinity in a tensor, or -1 (integer tensors have none).
int64_t first_non_finite(const Tensor& t) {
  if (!is_floating(t.dtype())) return -1;
  const Tensor host = ops::contiguous(ops::to(t, Device::cpu()));
  return dispatch_float(host.dtype(), "first_non_finite", [&]<typename T>() -> int64_t {
    const T* p = host.data<T>();
    for (int64_t i = 0; i < host.numel(); ++i)
      if (!std::isfinite(p[i])) return i;
    return -1;
  });
}

// Throws naming the first tensor that holds a NaN or an infinity; `part` is "model", "ema"
// or "optimizer" (the prefix of the names in a file), or "" for names already prefixed.
void require_finite(const std::string& part, const StateDict& tensors) {
  for (const auto& [name, t] : tensors) {
    const int64_t at = first_non_finite(t);
    RILL_CHECK(at < 0, "tensor '{}{}' holds {} at element {} (a diverged run?)", part.empty() ? "" : part + ".", name,
               t.to_vector<double>()[at], at);
  }
}

// The entries of the file whose names start with prefix, read, with the prefix removed.
StateDict read_part(const io::safetensors::Reader& file, const std::string& prefix) {
  StateDict out;
  for (const io::safetensors::Entry& e : file.entries())
    if (e.name.rfind(prefix, 0) == 0) out.emplace_back(e.name.substr(prefix.size()), file.read(e));
  return out;
}

// A decimal integer in [0, max] from the metadata (the whole string must be digits).
uint64_t parse_uint(const std::string& file, const io::safetensors::Metadata& meta, const std::string& key,
                    uint64_t max) {
  auto it = meta.find(key);
  RILL_CHECK(it != meta.end(), "load_checkpoint: {} has no '{}' in its metadata (not a rill training checkpoint?)",
             file, key);
  const std::string& v = it->second;
  RILL_CHECK(!v.empty() && v.find_first_not_of("0123456789") == std::string::npos,
             "load_checkpoint: {}: metadata '{}' = '{}' is not a non-negative integer", file, key, v);
  uint64_t value = 0;
  bool overflow = false;
  for (char c : v) {
    overflow |= __builtin_mul_overflow(value, 10u, &value);
    overflow |= __builtin_add_overflow(value, static_cast<unsigned>(c - '0'), &value);
  }
  RILL_CHECK(!overflow && value <= max, "load_checkpoint: {}: metadata '{}' = '{}' is out of range (at most {})", file,
             key, v, max);
  return value;
}

}  // namespace

void save_checkpoint(const std::string& path, const TrainingState& s, const io::safetensors::Metadata& extra) {
  RILL_CHECK(s.model != nullptr, "save_checkpoint: no model given");
  RILL_CHECK(s.step >= 0, "save_checkpoint: step {} is negative", s.step);
  StateDict all;
  append_prefixed(all, "model.", s.model->state_dict());
  if (s.ema) append_prefixed(all, "ema.", s.ema->state_dict());
  if (s.optimizer) append_prefixed(all, "optimizer.", s.optimizer->state_dict());
  // A checkpoint with a NaN or an infinity would resume a broken run: refuse it before the
  // file is touched. Host copies, so io::safetensors::save copies nothing a second time.
  for (auto& [name, t] : all) t = ops::to(t, Device::cpu());
  try {
    require_finite("", all);
  } catch (const Error& e) {
    throw Error(fmt::format("save_checkpoint: refusing to write {} at step {}: {}; the file on disk is left as it was",
                            path, s.step, e.what()));
  }
  io::safetensors::Metadata meta = extra;
  meta["format"] = kFormat;
  meta["step"] = std::to_string(s.step);
  if (s.generator) {
    meta["generator.seed"] = std::to_string(s.generator->state().seed);
    meta["generator.offset"] = std::to_string(s.generator->state().offset);
  }
  io::safetensors::save(path, all, meta);
}

int64_t load_checkpoint(const std::string& path, TrainingState& s) {
  RILL_CHECK(s.model != nullptr, "load_checkpoint: no model given");
  return load_checkpoint(io::safetensors::Reader::open(path), s);
}

int64_t load_checkpoint(const io::safetensors::Reader& file, TrainingState& s) {
  RILL_CHECK(s.model != nullptr, "load_checkpoint: no model given");
  const std::string what = "load_checkpoint: " + file.name();

  // 1. Everything the header and metadata tell, before any tensor is read.
  for (const io::safetensors::Entry& e : file.entries()) {
    bool known = false;
    for (const char* prefix : kParts) known |= e.name.rfind(prefix, 0) == 0;
    RILL_CHECK(known, "{}: tensor '{}' belongs to no part of a training checkpoint (model., ema., optimizer.)", what,
               e.name);
  }
  const io::safetensors::Metadata& meta = file.metadata();
  const auto format = meta.find("format");
  RILL_CHECK(format != meta.end() && format->second == kFormat, "{}: metadata 'format' is {}, expected '{}'", what,
             format == meta.end() ? "missing" : "'" + format->second + "'", kFormat);
  const auto step = static_cast<int64_t>(parse_uint(file.name(), meta, "step", std::numeric_limits<int64_t>::max()));
  Generator::State generator{};
  if (s.generator) {
    const uint64_t any = std::numeric_limits<uint64_t>::max();  // every (seed, offset) is a valid stream position
    generator = {parse_uint(file.name(), meta, "generator.seed", any),
                 parse_uint(file.name(), meta, "generator.offset", any)};
  }

  // 2. The tensors of the parts asked for (and only those), checked against them.
  StateDict model, ema, optimizer;
  try {
    model = read_part(file, "model.");
    s.model->check_state_dict(model);
    require_finite("model", model);
    if (s.ema) {
      ema = read_part(file, "ema.");
      s.ema->check_state_dict(ema);
      require_finite("ema", ema);
    }
    if (s.optimizer) {
      optimizer = read_part(file, "optimizer.");
      s.optimizer->check_state_dict(optimizer);
      require_finite("optimizer", optimizer);
    }
  } catch (const Error& e) {
    throw Error(fmt::format("{}: {}", what, e.what()));
  }

  // 3. Only now change anything.
  s.model->load_state_dict(model);
  if (s.ema) s.ema->load_state_dict(ema);
  if (s.optimizer) s.optimizer->load_state_dict(optimizer);
  if (s.generator) s.generator->set_state(generator);
  s.step = step;
  return s.step;
}

}  // namespace rill::nn
