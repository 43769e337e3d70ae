#pragma once
// The one pull API every packet source implements: live rings, libpcap, files.
#include <chrono>
#include <cstdint>
#include <string>

#include "riptide/core/packet.hpp"
#include "riptide/core/result.hpp"

namespace riptide {

// Per-source counters every backend can report; backend-specific detail lives in
// the backend's own stats struct. All 64-bit and cumulative since open.
struct SourceStats {
  std::uint64_t packets = 0;        // delivered to the caller
  std::uint64_t bytes = 0;          // wire bytes delivered
  std::uint64_t kernel_packets = 0; // kernel's count of packets that passed the filter (live only)
  std::uint64_t kernel_drops = 0;   // ring full: the reader was too slow or the ring too small
  std::uint64_t freeze_count = 0;   // TPACKET_V3 queue freezes
  std::uint64_t filtered_out = 0;   // rejected by a user-space filter (files)
};

enum class PollStatus : std::uint8_t {
  packets,      // batch holds >= 1 packet
  timeout,      // nothing arrived in time; call again
  end_of_input, // file finished, or stop() was called
};

class PacketSource {
 public:
  virtual ~PacketSource() = default;

  // Fills `out` (cleared first) with up to PacketBatch::kCapacity packets, waiting at most
  // `timeout`. Views returned by the previous call become invalid when this is called.
  // An Error is fatal for a file and means "interface lost" (Errc::interface_down) for live.
  virtual Result<PollStatus> next(PacketBatch& out, std::chrono::milliseconds timeout) = 0;

  // Thread-safe: ask a blocked next() to return end_of_input soon.
  virtual void stop() noexcept = 0;

  virtual SourceStats stats() const = 0;
  virtual std::string describe() const = 0;  // e.g. "afpacket:eth0#2", "file:x.pcap"
};

}  // namespace riptide
