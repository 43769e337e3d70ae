#pragma once
// File descriptors: a move-only owner that closes, an EINTR retry for system calls, and
// read/write loops that finish the job across short transfers and signals.
//
// **Example**
//   #include <fcntl.h>
//   #include <riptide/core/fd.hpp>
//   riptide::UniqueFd fd{riptide::retry_eintr([&] { return ::open("out.bin", O_WRONLY | O_CREAT | O_CLOEXEC, 0644); })};
//   if (!fd) return riptide::make_error(riptide::Errc::io, std::string("out.bin: ") + std::strerror(errno));
//   const std::uint8_t bytes[] = {1, 2, 3};
//   if (auto r = riptide::write_all(fd.get(), bytes); !r) return riptide::make_error(r.error().code, "out.bin: " + r.error().message);
//   return fd.close();  // reports a failed write-back; the destructor would close silently
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>

#include "riptide/core/result.hpp"

namespace riptide {

// Owns one file descriptor (or none: -1) and closes it on destruction.
class UniqueFd {
 public:
  UniqueFd() noexcept = default;
  explicit UniqueFd(int fd) noexcept : fd_(fd) {}
  UniqueFd(UniqueFd&& o) noexcept : fd_(o.release()) {}
  UniqueFd& operator=(UniqueFd&& o) noexcept {
    if (this != &o) reset(o.release());
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }

  int get() const noexcept { return fd_; }
  bool valid() const noexcept { return fd_ >= 0; }
  explicit operator bool() const noexcept { return valid(); }

  // Gives up ownership without closing; the caller now closes the descriptor.
  [[nodiscard]] int release() noexcept { return std::exchange(fd_, -1); }

  // Closes the current descriptor (ignoring close's error) and owns `fd` instead.
  void reset(int fd = -1) noexcept;

  // Closes now and reports close(2)'s error, the last chance to hear of a failed write-back.
  // The descriptor is gone either way (Linux frees it even when close fails), so this never
  // retries: a retry could close a descriptor another thread has just been given.
  Result<void> close();

 private:
  int fd_ = -1;
};

// Calls `call` until it does not fail with EINTR, for the -1-and-errno convention of most
// system calls (read, write, open, poll, waitpid, ...). Returns the last result; errno holds
// the error when that is -1.
template <class F>
auto retry_eintr(F&& call) noexcept(noexcept(call())) -> decltype(call()) {
  for (;;) {
    auto r = call();
    if (!(r == -1 && errno == EINTR)) return r;
  }
}

// Writes every byte, looping over short writes and EINTR. On failure the Error is Errc::io
// with strerror's text as message (callers prefix the object's name), and *written, when
// given, says how many bytes reached the descriptor before it.
Result<void> write_all(int fd, std::span<const std::uint8_t> data, std::size_t* written = nullptr);

// Reads until `buf` is full or end of file, looping over short reads and EINTR. Returns the
// number of bytes read (less than buf.size() only at end of file). Errors as write_all.
Result<std::size_t> read_all(int fd, std::span<std::uint8_t> buf);

}  // namespace riptide
