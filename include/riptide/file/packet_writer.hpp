#pragma once
// Writers of capture files: classic pcap and pcapng, one file or a rotating series.
//
// pcap holds one link type: a packet of another is not written and counted (link_mismatch),
// as before. pcapng writes one interface block per (interface, link type) pair met, so a
// file of mixed link types is written whole; its timestamps are in nanoseconds (if_tsresol 9)
// and each packet keeps its original length.
//
// On a write failure (disk full, /dev/full, a closed pipe) a writer stops writing, cuts the
// file back to its last complete record so that what was written stays readable, and
// reports one error naming the file; later packets are counted, not written.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "riptide/core/packet.hpp"
#include "riptide/core/result.hpp"
#include "riptide/core/rotation.hpp"

namespace riptide {

enum class CaptureFormat : std::uint8_t { pcap, pcapng };

// tcpdump's largest snapshot length: a larger request is clamped to it (with a note).
constexpr std::uint32_t kMaxSnaplen = 262144;

struct PacketWriterOptions {
  CaptureFormat format = CaptureFormat::pcap;
  LinkType link = LinkType::ethernet;  // pcap: the file's link type (pcapng: per packet)
  std::uint32_t snaplen = kMaxSnaplen;  // 0 or above kMaxSnaplen: kMaxSnaplen
  bool nanosecond = false;              // pcap: a1b23c4d magic (tcpdump writes microseconds)
  RotationPolicy rotation;              // -C/-G/-W; inactive: one file
};

struct PacketWriterStats {
  std::uint64_t packets = 0;              // records written (buffered or flushed), all files
  std::uint64_t bytes = 0;                // file bytes, headers included, all files
  std::uint64_t link_mismatch = 0;        // pcap: packets skipped, link type differs from the file's
  std::uint64_t dropped_after_error = 0;  // packets not written because the writer had failed
  std::uint64_t beyond_last_file = 0;     // -G with -W: packets after the last file was closed
  std::uint64_t files = 0;                // files opened
};

class PacketWriter {
 public:
  virtual ~PacketWriter() = default;
  // Cuts to the snaplen, keeps the original length. Returns the first error once; after it,
  // further writes are counted in dropped_after_error and return ok.
  virtual Result<void> write(const PacketView& pkt) = 0;
  virtual Result<void> flush() = 0;
  virtual Result<void> close() = 0;
  // Closes the current file and opens it again under its name (SIGHUP after logrotate moved
  // it away): the new file starts with its own headers.
  virtual Result<void> reopen() = 0;
  virtual bool failed() const = 0;
  // -G with -W: the last file is done; the caller may stop the run.
  virtual bool ended() const { return false; }
  virtual PacketWriterStats stats() const = 0;
};

// The format a file name asks for: ".pcapng" (any case) is pcapng, anything else pcap.
CaptureFormat format_for_path(const std::string& path) noexcept;

// Opens `path` ("-": standard output). With a rotation policy the name is a pattern (see
// rotation.hpp); under -G the first file is named from `start_ns`, the time of the first
// packet or of the start of a live capture, and without it from the first packet written.
Result<std::unique_ptr<PacketWriter>> open_packet_writer(const std::string& path, const PacketWriterOptions& opt,
                                                         std::optional<TimestampNs> start_ns = std::nullopt);

}  // namespace riptide
