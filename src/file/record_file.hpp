#pragma once
// The buffered file under the capture-file writers: records (file headers, interface blocks,
// packets) are appended whole into a 1 MiB buffer written with one write() loop. When the
// device refuses the rest, the file is cut back to the last record boundary that reached
// it, so it stays a valid capture, and the packets that did not make it are counted.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "riptide/core/fd.hpp"
#include "riptide/core/result.hpp"

namespace riptide::file_detail {

class RecordFile {
 public:
  // Creates or truncates `path`; "-" is standard output (never closed or truncated).
  static Result<std::unique_ptr<RecordFile>> open(const std::string& path);
  ~RecordFile() { (void)close(); }

  // Room for one record of `n` bytes (n <= 1 MiB), flushing first when the buffer is full;
  // nullptr once the file has failed (error() says why). end_record() commits what was
  // written there.
  std::uint8_t* begin_record(std::size_t n);
  void end_record(std::size_t n, bool packet);

  Result<void> flush();
  Result<void> close();
  bool failed() const noexcept { return error_.has_value(); }
  const std::optional<Error>& error() const noexcept { return error_; }

  const std::string& name() const noexcept { return name_; }
  std::uint64_t bytes() const noexcept { return file_bytes_ + used_; }
  std::uint64_t packets() const noexcept { return packets_; }           // in the file or buffered
  std::uint64_t lost_packets() const noexcept { return lost_packets_; }  // cut back after a failure

 private:
  RecordFile(std::string name, int fd, bool owns, bool regular);
  Result<void> fail_after(std::size_t done, const std::string& why);

  std::string name_;
  int fd_;
  UniqueFd owned_;
  bool regular_;
  std::vector<std::uint8_t> buf_;
  std::size_t used_ = 0;
  // Where each buffered record ends, shifted left once, low bit set for a packet.
  std::vector<std::uint32_t> ends_;
  std::uint64_t file_bytes_ = 0;  // bytes known to be in the file
  std::uint64_t packets_ = 0;
  std::uint64_t lost_packets_ = 0;
  bool closed_ = false;
  std::optional<Error> error_;
};

}  // namespace riptide::file_detail
