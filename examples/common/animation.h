// rill examples — animated GIFs (giflib): the samples of a 2-D flow moving from the
// source at t = 0 to the data at t = 1.
//
// GIF holds at most 256 colours per frame, so every frame is mapped to one fixed palette
// (a 6x6x6 colour cube plus 40 greys): the plots are a few flat colours on white, and
// their antialiased edges land on nearby cube colours. A fixed palette also keeps the
// frames comparable (no colour flicker between frames with palettes of their own).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "examples/common/plot.h"

namespace rill::examples {

// Frames of 8-bit RGB [height, width, 3], each shown for delays_cs[i] hundredths of a
// second, as a GIF89a that loops forever (the NETSCAPE2.0 extension); written atomically.
void save_gif(const std::string& path, const std::vector<std::vector<uint8_t>>& frames, int width, int height,
              const std::vector<int>& delays_cs);

// The palette index of an RGB colour (the nearest of the cube and the greys), and the
// palette as 256 RGB triples.
uint8_t palette_index(uint8_t r, uint8_t g, uint8_t b);
std::vector<uint8_t> gif_palette();

// flow.gif of a 2-D ODE solution: `data` in grey under the points of states[k] in blue,
// at up to `max_frames` of the saved times (first and last included), titled with t.
void save_flow_gif(const std::string& path, const Tensor& data, const std::vector<Tensor>& states,
                   const std::vector<double>& times, int size = 360, int max_frames = 40);

}  // namespace rill::examples
