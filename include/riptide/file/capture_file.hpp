#pragma once
// Reading pcap (micro/nano, either byte order) and pcapng (any number of sections and
// interfaces, per-interface link type and timestamp resolution) files through the common
// PacketSource pull API. Packets are handed out in place, valid until the next next() call:
// both formats are read front to back through one reused window, from a file or a pipe alike
// (a pipe's records come out as they arrive; memory stays bounded: the window grows only to
// hold one record or pcapng block, at most 16 MiB, and pcapng blocks riptide does not read
// are read through whatever their size).
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "riptide/core/packet.hpp"
#include "riptide/core/result.hpp"
#include "riptide/core/source.hpp"

namespace riptide {

enum class FileFormat : std::uint8_t { pcap, pcapng };

struct FileStats {
  std::uint64_t records = 0;            // packet records delivered
  std::uint64_t bytes_read = 0;         // file bytes consumed so far
  std::uint64_t oversized_records = 0;  // caplen > the file's snaplen (accepted up to kMaxRecordBytes)
  std::uint64_t skipped_blocks = 0;     // pcapng blocks of unknown or uninteresting type
};

class CaptureFile : public PacketSource {
 public:
  static constexpr std::uint32_t kMaxRecordBytes = 262144;  // larger records are a format error

  virtual FileFormat format() const = 0;
  // Link type and snaplen of the first interface (pcap: the file header).
  virtual LinkType link_type() const = 0;
  virtual std::uint32_t snaplen() const = 0;
  virtual const std::string& path() const = 0;
  virtual FileStats file_stats() const = 0;
};

// Opens `path` ("-" reads standard input). Fails with a one-line error naming
// the file when it cannot be opened or is not a capture file. A fault found later in the
// file is returned by next() only after every complete packet before it has been delivered;
// its message names the file and the byte offset.
Result<std::unique_ptr<CaptureFile>> open_capture_file(const std::string& path);

// The same reader over bytes already in memory (fuzzer inputs, tests). `path` "-" above reads
// standard input as a stream.
// `name` stands for the file in path(), describe() and error messages.
Result<std::unique_ptr<CaptureFile>> open_capture_buffer(std::string name, std::vector<std::uint8_t> bytes);

}  // namespace riptide
