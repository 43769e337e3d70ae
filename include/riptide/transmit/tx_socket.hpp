#pragma once
// TxSocket: a send-only AF_PACKET socket bound to one interface. It is separate from any
// capture socket, it bypasses the qdisc by default (PACKET_QDISC_BYPASS: frames go straight
// to the driver and skip the capture taps), and it marks its frames (SO_MARK
// kRiptideTxMark) so that a capture filter rejects them when they do pass a tap.
//
// Two send methods, both one syscall per batch:
//   sendmmsg: one sendmmsg() carrying up to TxConfig::batch frames.
//   tx_ring:  PACKET_TX_RING with TPACKET_V2 slots; frames are copied into the ring and a
//             single send() kicks the kernel. On veth this has been measured slower than
//             sendmmsg (NOTES.md section 2), so both are kept and benchmarked.
//
// A frame the kernel refuses with EAGAIN/ENOBUFS (socket buffer or device queue full) is
// retried up to TxConfig::max_retries times (each retry counted in `retried`), then given up
// (counted in `failed`). Any other refusal (EMSGSIZE, ENETDOWN, ...) fails the frame at once.
// Not thread-safe: one thread sends on a TxSocket (TxThread shares it through a TxQueue).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "riptide/core/result.hpp"

namespace riptide {

enum class TxMethod : std::uint8_t { sendmmsg, tx_ring };

struct TxConfig {
  bool qdisc_bypass = true;
  TxMethod method = TxMethod::sendmmsg;
  std::uint32_t batch = 64;             // frames per syscall (1..1024)
  std::uint32_t ring_frames = 4096;     // tx_ring: slots in the ring
  // tx_ring: slot size, bounds the largest frame. 0: from the interface's MTU (MTU + 18 bytes
  // of link header and VLAN tag + the slot header, rounded up to 16).
  std::uint32_t frame_size = 0;
  std::uint32_t sndbuf = 4u << 20;      // SO_SNDBUF(FORCE) bytes; 0 keeps the kernel default
  std::uint32_t max_retries = 1000;     // EAGAIN/ENOBUFS retries per stuck batch before failing
};

struct TxStats {
  std::uint64_t queued = 0;   // frames handed to send_batch()
  std::uint64_t sent = 0;     // frames the kernel accepted
  std::uint64_t failed = 0;   // frames given up (retries exhausted, too big, device error)
  std::uint64_t retried = 0;  // EAGAIN/ENOBUFS retries
  std::uint64_t batches = 0;  // send syscalls that carried frames (kicks for tx_ring)
  std::uint64_t bytes = 0;    // bytes of the sent frames (no FCS)
};

class TxSocket {
 public:
  // Fails with not_found (no such interface), permission (no CAP_NET_RAW), unsupported
  // (kernel refused the ring/bypass option) or invalid_argument (bad config); one line each.
  static Result<TxSocket> open(const std::string& iface, const TxConfig& cfg = {});

  TxSocket(TxSocket&&) noexcept;
  TxSocket& operator=(TxSocket&&) noexcept;
  TxSocket(const TxSocket&) = delete;
  TxSocket& operator=(const TxSocket&) = delete;
  ~TxSocket();

  // Sends the frames in order, in chunks of at most config().batch. Returns how many the
  // kernel accepted; the others are counted in stats().failed. No allocation.
  std::size_t send_batch(std::span<const std::span<const std::uint8_t>> frames) noexcept;

  const TxStats& stats() const noexcept;
  const TxConfig& config() const noexcept;
  const std::string& iface() const noexcept;
  int fd() const noexcept;
  // True when every frame carries SO_MARK kRiptideTxMark, so riptide's capture sockets never
  // see it; false without CAP_NET_ADMIN (then only PACKET_QDISC_BYPASS keeps it out).
  bool marks_frames() const noexcept;
  // Largest frame this socket sends: the device MTU + link header, and for tx_ring the slot.
  std::uint32_t max_frame() const noexcept;

  struct Impl;

 private:
  explicit TxSocket(std::unique_ptr<Impl> impl) noexcept;
  std::unique_ptr<Impl> impl_;
};

}  // namespace riptide
