#include "io/input_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "tensor/error.h"

namespace rill::io {

InputFile::InputFile(std::string path, std::string who) : path_(std::move(path)), who_(std::move(who)) {
  fd_ = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  RILL_CHECK(fd_ >= 0, "{}: cannot open {}: {}", who_, path_, std::strerror(errno));
  // The size comes from the file system, so it is known before anything is read. Only
  // regular files: a directory would "open" and then read as 0 bytes.
  struct stat st {};
  const int stat_rc = ::fstat(fd_, &st);
  const int stat_errno = errno;
  if (stat_rc != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd_);
    fd_ = -1;
    RILL_CHECK(stat_rc == 0, "{}: cannot stat {}: {}", who_, path_, std::strerror(stat_errno));
    RILL_CHECK(!S_ISDIR(st.st_mode), "{}: {} is a directory, not a file", who_, path_);
    throw Error(fmt::format("{}: {} is not a regular file", who_, path_));
  }
  size_ = static_cast<uint64_t>(st.st_size);
}

InputFile::~InputFile() {
  if (fd_ >= 0) ::close(fd_);
}

void InputFile::read(uint64_t offset, void* dst, size_t n) const {
  RILL_CHECK(offset <= size_ && n <= size_ - offset, "{}: {}: reading bytes [{}, {}) of a {}-byte file", who_, path_,
             offset, offset + n, size_);
  char* p = static_cast<char*>(dst);
  while (n > 0) {
    const ssize_t got = ::pread(fd_, p, n, static_cast<off_t>(offset));
    if (got < 0 && errno == EINTR) continue;
    RILL_CHECK(got >= 0, "{}: reading {} failed: {}", who_, path_, std::strerror(errno));
    RILL_CHECK(got > 0, "{}: {} ended early (it shrank while being read?)", who_, path_);
    p += got, offset += static_cast<uint64_t>(got), n -= static_cast<size_t>(got);
  }
}

std::string InputFile::read_all() const {
  std::string bytes(static_cast<size_t>(size_), '\0');
  read(0, bytes.data(), bytes.size());
  return bytes;
}

std::string read_file(const std::string& path, const std::string& who) { return InputFile(path, who).read_all(); }

}  // namespace rill::io
