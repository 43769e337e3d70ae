#include "file/byte_stream.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
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

ByteStream::ByteStream(std::vector<std::uint8_t> bytes) noexcept : buf_(std::move(bytes)), end_(buf_.size()) {}

ByteStream::ByteStream(int fd, bool owned, std::string name, std::size_t window)
    : buf_(window), fd_(fd), owned_(owned), eof_(false), name_(std::move(name)) {
  struct stat st {};
  may_wait_ = ::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode);
}

ByteStream::ByteStream(ByteStream&& o) noexcept
    : buf_(std::move(o.buf_)), pos_(o.pos_), end_(o.end_), base_(o.base_), fd_(o.fd_), owned_(o.owned_),
      eof_(o.eof_), may_wait_(o.may_wait_), name_(std::move(o.name_)) {
  o.fd_ = -1;
  o.owned_ = false;
  o.pos_ = o.end_ = 0;
  o.eof_ = true;
}

ByteStream::~ByteStream() {
  if (owned_ && fd_ >= 0) ::close(fd_);
}

Result<void> ByteStream::fill_to(std::size_t want) {
  if (avail() >= want || eof_) return {};
  if (pos_ > 0) {
    std::memmove(buf_.data(), buf_.data() + pos_, avail());
    base_ += pos_;
    end_ -= pos_;
    pos_ = 0;
  }
  if (buf_.size() < want) buf_.resize(want);
  while (end_ < want) {
    const ssize_t n = retry_eintr([&] { return ::read(fd_, buf_.data() + end_, buf_.size() - end_); });
    if (n < 0) {
      const int e = errno;
      return make_error(Errc::io, name_ + ": read failed at offset " + std::to_string(base_ + end_) + ": " +
                                      std::strerror(e));
    }
    if (n == 0) {
      eof_ = true;
      break;
    }
    end_ += static_cast<std::size_t>(n);
  }
  return {};
}

Result<ByteStream> ByteStream::open(const std::string& path) {
  UniqueFd fd{retry_eintr([&] { return ::open(path.c_str(), O_RDONLY | O_CLOEXEC); })};
  if (!fd) return errno_error(path, "cannot open", errno);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return errno_error(path, "cannot stat", errno);
  if (S_ISDIR(st.st_mode)) return make_error(Errc::invalid_argument, path + ": is a directory, not a capture file");
  return ByteStream(fd.release(), true, path);
}

}  // namespace riptide::file_detail
