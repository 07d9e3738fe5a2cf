#include "io/gzip.h"

#include <zlib.h>

#include <algorithm>
#include <climits>

#include "tensor/error.h"

namespace rill::io {

namespace {

// Decompresses until the end of the data or until `stop_at` bytes are out (then returns the
// first stop_at); more than max_bytes is an error.
std::string inflate_gzip(std::string_view in, const std::string& file, const std::string& who, size_t stop_at,
                         size_t max_bytes) {
  z_stream z{};
  RILL_CHECK(inflateInit2(&z, 16 + MAX_WBITS) == Z_OK, "{}: {}: zlib could not start", who, file);
  struct End {
    z_stream* z;
    ~End() { inflateEnd(z); }
  } end{&z};
  std::string out;
  size_t fed = 0;  // input bytes handed to zlib so far (avail_in is 32 bits: feed in pieces)
  unsigned char buffer[1 << 16];
  for (;;) {
    if (z.avail_in == 0 && fed < in.size()) {
      z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data() + fed));
      z.avail_in = static_cast<uInt>(std::min<size_t>(in.size() - fed, UINT_MAX));
      fed += z.avail_in;
    }
    z.next_out = buffer;
    z.avail_out = sizeof(buffer);
    const int rc = inflate(&z, Z_NO_FLUSH);
    const size_t produced = sizeof(buffer) - z.avail_out;
    RILL_CHECK(produced <= max_bytes - out.size(),  // out.size() <= max_bytes holds here
               "{}: {}: the gzip data decompresses to more than the {} bytes expected (corrupt, or crafted to "
               "exhaust memory?)",
               who, file, max_bytes);
    out.append(reinterpret_cast<const char*>(buffer), produced);
    if (out.size() >= stop_at) {
      out.resize(stop_at);
      return out;
    }
    if (rc == Z_OK) continue;
    if (rc == Z_STREAM_END) {
      const size_t rest = in.size() - (fed - z.avail_in);
      if (rest == 0) return out;
      const auto* next = reinterpret_cast<const unsigned char*>(in.data() + (in.size() - rest));
      RILL_CHECK(rest >= 2 && next[0] == 0x1f && next[1] == 0x8b,
                 "{}: {}: {} bytes of junk follow the end of the gzip data (corrupt file?)", who, file, rest);
      RILL_CHECK(inflateReset(&z) == Z_OK, "{}: {}: zlib could not restart", who, file);
      continue;  // the next member
    }
    RILL_CHECK(!(rc == Z_BUF_ERROR && z.avail_in == 0 && fed == in.size()),
               "{}: {}: the gzip data ends early (truncated file?)", who, file);
    throw Error(fmt::format("{}: {} is corrupt ({})", who, file,
                            z.msg != nullptr ? z.msg : "zlib error " + std::to_string(rc)));
  }
}

}  // namespace

std::string gunzip(std::string_view in, const std::string& file, const std::string& who, size_t max_bytes) {
  return inflate_gzip(in, file, who, static_cast<size_t>(-1), max_bytes);
}

std::string gunzip_head(std::string_view in, size_t bytes, const std::string& file, const std::string& who) {
  return inflate_gzip(in, file, who, bytes, static_cast<size_t>(-1));
}

}  // namespace rill::io
