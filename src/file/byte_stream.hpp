#pragma once
// A capture file read front to back through a reused window, or an input held in memory:
// the one way both readers (pcap and pcapng) get at their bytes.
//
// Why not map the file: a record header is then a cache and TLB miss on page-cache memory,
// and mapping 4.5 GB of page cache costs the kernel as much as copying it; read() into a
// window the size of L2 costs the same kernel time and leaves the bytes in cache for the
// reader and the decoder. It also makes pipes work as they arrive (`tcpdump -w - | riptide
// read -r -`) with bounded memory, instead of reading them to the end first.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "riptide/core/result.hpp"

namespace riptide::file_detail {

class ByteStream {
 public:
  static constexpr std::size_t kDefaultWindow = 512 * 1024;

  // Everything at once: fill_to() never reads.
  explicit ByteStream(std::vector<std::uint8_t> bytes) noexcept;
  // Reads `fd` (closed at destruction when `owned`); `name` labels errors.
  ByteStream(int fd, bool owned, std::string name, std::size_t window = kDefaultWindow);
  // Opens `path` read-only; a directory, a missing file or a refused permission is an error
  // naming the path.
  static Result<ByteStream> open(const std::string& path);
  ByteStream(ByteStream&& o) noexcept;
  ByteStream& operator=(ByteStream&&) = delete;
  ByteStream(const ByteStream&) = delete;
  ByteStream& operator=(const ByteStream&) = delete;
  ~ByteStream();

  const std::uint8_t* data() const noexcept { return buf_.data() + pos_; }
  std::size_t avail() const noexcept { return end_ - pos_; }
  // No byte beyond avail() will ever come.
  bool eof() const noexcept { return eof_; }
  // A read may wait for a writer (pipe, terminal, socket), as opposed to a regular file or
  // memory, where it returns at once.
  bool may_wait() const noexcept { return may_wait_; }
  // The descriptor read (-1 for bytes given in memory); still owned by the stream.
  int fd() const noexcept { return fd_; }
  // File offset of data().
  std::uint64_t offset() const noexcept { return base_ + pos_; }
  void consume(std::size_t n) noexcept { pos_ += n; }

  // Reads until at least `want` bytes are available or the input ends, and whatever more a
  // read() returns up to the window (one read() on a pipe returns what is there). May move
  // the available bytes to the front of the window: pointers taken from data() before the
  // call are then invalid. Grows the window only if `want` exceeds it.
  Result<void> fill_to(std::size_t want);

 private:
  std::vector<std::uint8_t> buf_;
  std::size_t pos_ = 0;
  std::size_t end_ = 0;
  std::uint64_t base_ = 0;  // file offset of buf_[0]
  int fd_ = -1;
  bool owned_ = false;
  bool eof_ = true;
  bool may_wait_ = false;
  std::string name_;
};

}  // namespace riptide::file_detail
