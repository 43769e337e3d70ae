#pragma once
// The one pull API every packet source implements: live rings, libpcap, files.
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

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

// One backend-specific counter, for reports that do not know the source's type. The views
// point at static strings; value is cumulative since open.
struct SourceCounter {
  std::string_view name;    // short, snake_case, unique within the source, e.g. "losing_blocks"
  std::string_view help;    // one line: what it counts
  std::uint64_t value = 0;
  bool is_drop = false;     // packets lost that are not already in SourceStats::kernel_drops
  std::string_view advice;  // what to do when it is not zero (empty when nothing to do)
};

// SO_MARK riptide's transmit sockets put on every frame they send; every capture socket's
// kernel filter rejects frames carrying it, so riptide never captures what it sent itself
// while the rest of the host's outgoing traffic is still seen.
inline constexpr std::uint32_t kRiptideTxMark = 0x52495054;  // "RIPT"

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

  // Thread-safe: ask a blocked next() to return end_of_input soon. What was admitted and
  // not yet returned is abandoned: use quiesce() to end a capture with exact counts.
  virtual void stop() noexcept = 0;

  // Thread-safe: make a blocked next() return soon (PollStatus::timeout when nothing came),
  // stopping nothing, so its caller can handle what another thread finished for it (an
  // analyzer's offloaded result). Sources that never block long need not override it.
  virtual void wake() noexcept {}

  // Called by the thread that calls next(): admit no new packets. next() keeps returning
  // what was already admitted, then PollStatus::end_of_input (a live source waits at most a
  // few block timeouts for the kernel to hand over a part-filled block, also under
  // continuous traffic). An Error means the source could not stop admitting: the caller
  // should stop() it and not trust exact_counts().
  virtual Result<void> quiesce() = 0;

  // True when stats().kernel_packets and kernel_drops are final and equal to packets
  // delivered + kernel_drops: after a successful quiesce() has been drained to end_of_input
  // (AF_PACKET). False when the kernel's figures may still include packets never delivered.
  virtual bool exact_counts() const { return false; }

  // Appends this backend's own counters (see SourceCounter). Off the hot path: may take a
  // lock; callable from any thread.
  virtual void counters(std::vector<SourceCounter>& out) const { (void)out; }

  // Live sources whose interface can go away and come back: after next() reported
  // Errc::interface_down, reopen() (from the capture thread) tries to capture on an interface
  // of the same name again; not_found while it is absent. Others cannot: a loss is final.
  virtual bool can_reopen() const noexcept { return false; }
  virtual Result<void> reopen() { return make_error(Errc::unsupported, describe() + ": cannot be reopened"); }

  virtual SourceStats stats() const = 0;
  virtual std::string describe() const = 0;  // e.g. "afpacket:eth0#2", "file:x.pcap"
};

}  // namespace riptide
