// rill io — files that appear whole or not at all.
//
// AtomicFile writes to "<path>.tmp.<pid>" in the same folder; commit() syncs it to disk
// and renames it over <path> (rename is atomic on POSIX file systems), then syncs the
// folder so the rename itself is durable. If commit() is never reached (an exception, a
// crash), the target is untouched and the temporary file is removed (or, after a crash,
// left as a *.tmp.* file that nothing reads).
#pragma once

#include <cstddef>
#include <string>

namespace rill::io {

class AtomicFile {
 public:
  explicit AtomicFile(std::string path);
  ~AtomicFile();  // removes the temporary file unless committed
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  void write(const void* data, size_t n);
  void commit();

 private:
  std::string path_, tmp_;
  int fd_ = -1;
  bool committed_ = false;
};

// The whole of `bytes` to `path`, atomically.
void write_file_atomically(const std::string& path, const std::string& bytes);

// Writes text to path atomically (temporary file + rename).
void write_text_file(const std::string& path, const std::string& text);

}  // namespace rill::io
