// rill io — gzip data (RFC 1952) decompressed with zlib.
#pragma once

#include <string>
#include <string_view>

namespace rill::io {

// The contents of gzip data (RFC 1952): zlib's inflate in gzip mode (window bits 16 + 15)
// parses each member's header, checks its CRC-32 and length trailer, and reports the end
// of the member. Input that ends before that end (truncation, even of the trailer alone)
// is an error; after a member, the rest must be another whole member or nothing.
// `file` names the data in errors and `who` the caller ("read_idx: f.gz is corrupt (...)").
//
// max_bytes caps the output: data that would decompress to more is an error as soon as it
// passes the cap, before it is held in memory (deflate reaches ~1000:1, so a crafted file of
// a few megabytes could otherwise ask for gigabytes). A caller that knows the size to
// expect (a format's header) passes it.
std::string gunzip(std::string_view in, const std::string& file, const std::string& who,
                   size_t max_bytes = static_cast<size_t>(-1));

// The first `bytes` bytes of gzip data's contents (fewer if it holds fewer), without
// decompressing the rest: enough to read a header and learn the size to expect. Corrupt
// data within that prefix is an error as in gunzip; nothing after it is checked.
std::string gunzip_head(std::string_view in, size_t bytes, const std::string& file, const std::string& who);

}  // namespace rill::io
