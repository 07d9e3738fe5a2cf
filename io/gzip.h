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
std::string gunzip(std::string_view in, const std::string& file, const std::string& who);

}  // namespace rill::io
