#include "riptide/core/fd.hpp"

#include <unistd.h>

#include <cstring>

namespace riptide {

void UniqueFd::reset(int fd) noexcept {
  if (fd_ >= 0 && fd_ != fd) ::close(fd_);
  fd_ = fd;
}

Result<void> UniqueFd::close() {
  if (fd_ < 0) return {};
  if (::close(std::exchange(fd_, -1)) != 0) return make_error(Errc::io, std::strerror(errno));
  return {};
}

Result<void> write_all(int fd, std::span<const std::uint8_t> data, std::size_t* written) {
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = retry_eintr([&] { return ::write(fd, data.data() + done, data.size() - done); });
    if (n < 0) {
      const int e = errno;
      if (written != nullptr) *written = done;
      return make_error(Errc::io, std::strerror(e));
    }
    done += static_cast<std::size_t>(n);
  }
  if (written != nullptr) *written = done;
  return {};
}

Result<std::size_t> read_all(int fd, std::span<std::uint8_t> buf) {
  std::size_t done = 0;
  while (done < buf.size()) {
    const ssize_t n = retry_eintr([&] { return ::read(fd, buf.data() + done, buf.size() - done); });
    if (n < 0) return make_error(Errc::io, std::strerror(errno));
    if (n == 0) break;
    done += static_cast<std::size_t>(n);
  }
  return done;
}

}  // namespace riptide
