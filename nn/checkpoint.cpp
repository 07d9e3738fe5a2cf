#include "nn/checkpoint.h"

namespace rill::nn {
namespace {

void append_prefixed(StateDict& out, const std::string& prefix, const StateDict& part) {
  for (const auto& [name, t] : part) out.emplace_back(prefix + name, t);
}

// The entries of `all` whose names start with prefix, with the prefix removed.
StateDict part(const StateDict& all, const std::string& prefix) {
  StateDict out;
  for (const auto& [name, t] : all)
    if (name.rfind(prefix, 0) == 0) out.emplace_back(name.substr(prefix.size()), t);
  return out;
}

// A non-negative decimal integer from the metadata (the whole string must be digits).
uint64_t parse_uint(const std::string& path, const safetensors::Metadata& meta, const std::string& key) {
  auto it = meta.find(key);
  RILL_CHECK(it != meta.end(), "load_checkpoint: {} has no '{}' in its metadata (not a rill training checkpoint?)", path, key);
  const std::string& v = it->second;
  RILL_CHECK(!v.empty() && v.size() <= 20 && v.find_first_not_of("0123456789") == std::string::npos,
             "load_checkpoint: {}: metadata '{}' = '{}' is not a non-negative integer", path, key, v);
  try {
    return std::stoull(v);
  } catch (const std::exception&) {
    throw Error(fmt::format("load_checkpoint: {}: metadata '{}' = '{}' is out of range", path, key, v));
  }
}

}  // namespace

void save_checkpoint(const std::string& path, const TrainingState& s, const safetensors::Metadata& extra) {
  RILL_CHECK(s.model != nullptr, "save_checkpoint: no model given");
  StateDict all;
  append_prefixed(all, "model.", s.model->state_dict());
  if (s.ema) append_prefixed(all, "ema.", s.ema->state_dict());
  if (s.optimizer) append_prefixed(all, "optimizer.", s.optimizer->state_dict());
  safetensors::Metadata meta = extra;
  meta["format"] = "rill-training-checkpoint-1";
  meta["step"] = std::to_string(s.step);
  if (s.generator) {
    meta["generator.seed"] = std::to_string(s.generator->state().seed);
    meta["generator.offset"] = std::to_string(s.generator->state().offset);
  }
  safetensors::save(path, all, meta);
}

int64_t load_checkpoint(const std::string& path, TrainingState& s) {
  RILL_CHECK(s.model != nullptr, "load_checkpoint: no model given");
  const safetensors::Contents file = safetensors::load(path);
  s.model->load_state_dict(part(file.tensors, "model."));
  if (s.ema) s.ema->load_state_dict(part(file.tensors, "ema."));
  if (s.optimizer) s.optimizer->load_state_dict(part(file.tensors, "optimizer."));
  if (s.generator)
    s.generator->set_state({parse_uint(path, file.metadata, "generator.seed"), parse_uint(path, file.metadata, "generator.offset")});
  s.step = static_cast<int64_t>(parse_uint(path, file.metadata, "step"));
  return s.step;
}

}  // namespace rill::nn
