#include "io/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "tensor/error.h"

namespace rill::io {

AtomicFile::AtomicFile(std::string path) : path_(std::move(path)), tmp_(path_ + ".tmp." + std::to_string(::getpid())) {
  fd_ = ::open(tmp_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  RILL_CHECK(fd_ >= 0, "cannot create {}: {}", tmp_, std::strerror(errno));
}

AtomicFile::~AtomicFile() {
  if (fd_ >= 0) ::close(fd_);
  if (!committed_) ::unlink(tmp_.c_str());
}

void AtomicFile::write(const void* data, size_t n) {
  const char* p = static_cast<const char*>(data);
  while (n > 0) {
    const ssize_t w = ::write(fd_, p, n);
    if (w < 0 && errno == EINTR) continue;
    RILL_CHECK(w > 0, "writing {} failed: {}", tmp_, std::strerror(errno));
    p += w, n -= static_cast<size_t>(w);
  }
}

void AtomicFile::commit() {
  RILL_CHECK(::fsync(fd_) == 0, "syncing {} failed: {}", tmp_, std::strerror(errno));
  ::close(fd_);
  fd_ = -1;
  RILL_CHECK(::rename(tmp_.c_str(), path_.c_str()) == 0, "cannot move {} to {}: {}", tmp_, path_, std::strerror(errno));
  committed_ = true;
  const std::string dir = std::filesystem::absolute(path_).parent_path().string();
  if (const int dfd = ::open(dir.c_str(), O_RDONLY); dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

void write_file_atomically(const std::string& path, const std::string& bytes) {
  AtomicFile f(path);
  f.write(bytes.data(), bytes.size());
  f.commit();
}

void write_text_file(const std::string& path, const std::string& text) { write_file_atomically(path, text); }

}  // namespace rill::io
