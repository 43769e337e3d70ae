#pragma once
// Buffered writer of classic pcap files. On a write failure (disk full, /dev/full) it stops
// writing, truncates the file back to the last complete record so that what was written
// stays readable, and reports one error naming the file.
#include <cstdint>
#include <memory>
#include <string>

#include "riptide/core/packet.hpp"
#include "riptide/core/result.hpp"

namespace riptide {

struct PcapWriterStats {
  std::uint64_t packets = 0;           // records written (buffered or flushed)
  std::uint64_t bytes = 0;             // file bytes, headers included
  std::uint64_t link_mismatch = 0;     // packets skipped: link type differs from the file's
  std::uint64_t dropped_after_error = 0;  // packets not written because the writer had failed
};

class PcapWriter {
 public:
  // "-" writes to standard output. nanosecond selects the a1b23c4d magic.
  static Result<std::unique_ptr<PcapWriter>> open(const std::string& path, LinkType link,
                                                  std::uint32_t snaplen, bool nanosecond = true);
  virtual ~PcapWriter() = default;
  // Truncates to snaplen, keeps wirelen. Returns the first error once; after it, further
  // writes are counted in dropped_after_error and return ok.
  virtual Result<void> write(const PacketView& pkt) = 0;
  virtual Result<void> flush() = 0;
  virtual Result<void> close() = 0;
  virtual bool failed() const = 0;
  virtual PcapWriterStats stats() const = 0;
};

}  // namespace riptide
