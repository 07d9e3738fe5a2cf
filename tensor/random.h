// rill — random number generators.
//
// A Generator is (seed, offset): the Philox key and the number of Philox blocks
// already consumed (see philox.h). Drawing n numbers reserves a range of blocks
// and advances the offset, so a generator's whole state is two integers: easy to
// save in a checkpoint and restore for an exact resume.
//
// The default generator is the one piece of global state in the tensor layer
// (besides the thread count): `manual_seed(s)` resets it. Every function that
// draws takes an optional Generator* to use instead.
#pragma once

#include <cstdint>

namespace rill {

class Generator {
 public:
  explicit Generator(uint64_t seed = 0) : seed_(seed) {}

  uint64_t seed() const { return seed_; }
  uint64_t offset() const { return offset_; }
  void manual_seed(uint64_t seed) { seed_ = seed, offset_ = 0; }

  // State for checkpoints: restoring (seed, offset) replays the same stream.
  struct State {
    uint64_t seed, offset;
  };
  State state() const { return {seed_, offset_}; }
  void set_state(State s) { seed_ = s.seed, offset_ = s.offset; }

  // Reserves `blocks` Philox blocks; returns the first block's number.
  uint64_t reserve(uint64_t blocks) {
    const uint64_t first = offset_;
    offset_ += blocks;
    return first;
  }

 private:
  uint64_t seed_ = 0;
  uint64_t offset_ = 0;
};

// The process-wide default generator (seed 0 at start).
Generator& default_generator();
// Reseeds the default generator.
void manual_seed(uint64_t seed);

}  // namespace rill
