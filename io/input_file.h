// rill io — reading files that may be damaged, with errors that name them.
//
// Every loader (safetensors, .npy, IDX, CIFAR-10) reads through InputFile: it knows the
// file's size before anything is read, so a loader can compare the sizes a header claims
// with the bytes actually present before it allocates anything, and reads exactly the
// bytes asked for or throws. Errors start with the caller's name for itself (`who`) and
// name the file: "load_npy: cannot open runs/x.npy: No such file or directory",
// "read_cifar10_batch: data/ is a directory, not a file".
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace rill::io {

class InputFile {
 public:
  InputFile(std::string path, std::string who);
  ~InputFile();
  InputFile(const InputFile&) = delete;
  InputFile& operator=(const InputFile&) = delete;

  const std::string& path() const { return path_; }
  uint64_t size() const { return size_; }
  // Exactly n bytes from `offset` into dst; a short read (the file shrank) is an error.
  void read(uint64_t offset, void* dst, size_t n) const;
  std::string read_all() const;

 private:
  std::string path_, who_;
  int fd_ = -1;
  uint64_t size_ = 0;
};

// The whole file, or an Error naming `who` and the path.
std::string read_file(const std::string& path, const std::string& who);

}  // namespace rill::io
