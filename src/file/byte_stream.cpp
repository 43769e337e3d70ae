#include "file/byte_stream.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <sys/stat.h>
#include <unistd.h>

#include "riptide/core/fd.hpp"

namespace riptide::file_detail {

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

Result<std::vector<std::uint8_t>> ByteStream::take_rest() {
  while (!eof_) {
    if (auto r = fill_to(std::max<std::size_t>(2 * buf_.size(), 65536)); !r) return r.error();
  }
  // Hand over the buffer itself rather than a copy: bytes given in memory stay where the
  // caller put them (views into them are then views into the caller's input).
  buf_.resize(end_);
  if (pos_ > 0) buf_.erase(buf_.begin(), buf_.begin() + static_cast<std::ptrdiff_t>(pos_));
  base_ += pos_;
  pos_ = end_ = 0;
  std::vector<std::uint8_t> out = std::move(buf_);
  buf_.clear();
  return out;
}

}  // namespace riptide::file_detail
