#include "file/file_bytes.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "riptide/core/fd.hpp"

namespace riptide::file_detail {
namespace {

Errc errc_for_errno(int e) {
  switch (e) {
    case ENOENT:
    case ENOTDIR:
      return Errc::not_found;
    case EACCES:
    case EPERM:
      return Errc::permission;
    default:
      return Errc::io;
  }
}

Error errno_error(const std::string& name, const char* what, int e) {
  return make_error(errc_for_errno(e), name + ": " + what + ": " + std::strerror(e));
}

}  // namespace

FileBytes::FileBytes(FileBytes&& o) noexcept
    : map_(o.map_), map_len_(o.map_len_), owned_(std::move(o.owned_)) {
  o.map_ = nullptr;
  o.map_len_ = 0;
}

FileBytes& FileBytes::operator=(FileBytes&& o) noexcept {
  if (this != &o) {
    release();
    map_ = o.map_;
    map_len_ = o.map_len_;
    owned_ = std::move(o.owned_);
    o.map_ = nullptr;
    o.map_len_ = 0;
  }
  return *this;
}

FileBytes::~FileBytes() { release(); }

void FileBytes::release() noexcept {
  if (map_ != nullptr) munmap(map_, map_len_);
  map_ = nullptr;
  map_len_ = 0;
}

Result<int> open_for_reading(const std::string& path) {
  UniqueFd fd{retry_eintr([&] { return ::open(path.c_str(), O_RDONLY | O_CLOEXEC); })};
  if (!fd) return errno_error(path, "cannot open", errno);
  struct stat st {};
  if (fstat(fd.get(), &st) != 0) return errno_error(path, "cannot stat", errno);
  if (S_ISDIR(st.st_mode)) return make_error(Errc::invalid_argument, path + ": is a directory, not a capture file");
  return fd.release();
}

Result<FileBytes> FileBytes::map(int fd, const std::string& name) {
  struct stat st {};
  if (fstat(fd, &st) != 0) return errno_error(name, "cannot stat", errno);
  if (!S_ISREG(st.st_mode) || st.st_size == 0) {
    return make_error(Errc::invalid_argument, name + ": not a regular, non-empty file: cannot map it");
  }
  const auto len = static_cast<std::size_t>(st.st_size);
  void* m = mmap(nullptr, len, PROT_READ, MAP_PRIVATE, fd, 0);
  if (m == MAP_FAILED) return errno_error(name, "cannot map", errno);
  // Files are read front to back once: let the kernel read ahead aggressively.
  madvise(m, len, MADV_SEQUENTIAL);
  FileBytes fb;
  fb.map_ = m;
  fb.map_len_ = len;
  return fb;
}

}  // namespace riptide::file_detail
