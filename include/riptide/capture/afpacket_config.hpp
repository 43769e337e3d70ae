#pragma once
// Configuration of a live AF_PACKET (TPACKET_V3) capture socket and the ring sizing plan
// derived from it. The plan is a pure function so the CLI can print it and tests can check it.
#include <cstdint>
#include <optional>
#include <string>

struct sock_fprog;

namespace riptide {

// Which packets of the interface to capture, as tcpdump's -Q: `in` received only, `out` sent
// only (by any program of this host), `inout` both. Frames riptide itself sends
// (kRiptideTxMark) are never captured, whatever the direction.
enum class CaptureDirection : std::uint8_t { inout, in, out };

enum class FanoutMode : std::uint8_t { hash, cpu, lb, qm, rollover };

struct FanoutConfig {
  // 0: a group id no other socket on the host uses, chosen by the kernel
  // (PACKET_FANOUT_FLAG_UNIQUEID) when the first member opens; the others join it.
  std::uint16_t group_id = 0;
  FanoutMode mode = FanoutMode::hash;
  // Reassemble IP fragments before hashing so every fragment of a datagram lands on the
  // socket of its flow. Only meaningful (and only applied) for FanoutMode::hash.
  bool defrag = true;
  // When a member's ring is full, spill to the next member instead of dropping.
  // Breaks flow affinity under overload, so it is off by default.
  bool rollover = false;
  // group_id names an existing group even when it is 0 (the kernel may hand out id 0): set
  // by open_fanout_group() and reopen() once the kernel chose the id.
  bool group_id_fixed = false;
};

struct AfPacketConfig {
  std::string iface;
  std::uint32_t snaplen = 262144;

  // Ring sizing inputs: the ring must absorb `ring_ms` of traffic at `expected_pps`
  // packets of `avg_frame_bytes` while the reader is stalled. snaplen plays no part.
  std::uint64_t expected_pps = 1'000'000;
  std::uint32_t ring_ms = 250;
  std::uint32_t avg_frame_bytes = 200;
  std::uint64_t max_ring_bytes = 256ull << 20;
  // 1 MiB blocks: large enough to hold a 64 KiB GRO/TSO super-packet 16 times over and to
  // keep the per-block cost (one poll + one status write) under 0.1% at small packets;
  // small enough that the block the reader holds is < 2% of the default ring.
  std::uint32_t block_bytes = 1u << 20;
  // A block reaches user space when full or after this long: the latency bound at low rates.
  std::uint32_t block_timeout_ms = 10;

  std::optional<FanoutConfig> fanout;
  // Classic BPF in kernel layout (e.g. BpfFilter::kernel_program()). Copied at open, so the
  // pointee only has to live until open() returns.
  const sock_fprog* bpf = nullptr;
  // `in` uses PACKET_IGNORE_OUTGOING (on kernels older than 4.20, and on the libpcap backend,
  // a BPF "inbound" test prepended to the filter); `out` a BPF "outbound" test. Either way
  // the kernel counts only what the direction admits, so the ledger stays exact.
  CaptureDirection direction = CaptureDirection::inout;
  // Prepend "mark == kRiptideTxMark -> reject" to the kernel filter: riptide's own frames
  // (TxSocket) are not captured back. Off only for tests that look at them.
  bool reject_own_tx = true;
  bool promisc = false;
  std::optional<std::uint32_t> busy_poll_us;  // SO_BUSY_POLL
};

// How the receive ring is laid out. All sizes in bytes.
struct RingPlan {
  std::uint32_t block_bytes = 0;
  std::uint32_t block_count = 0;
  std::uint32_t frame_bytes = 0;       // tp_frame_size: V3 only validates it, packets are packed
  std::uint64_t total_bytes = 0;       // block_bytes * block_count
  std::uint32_t per_packet_bytes = 0;  // ring cost of one average packet (headers + alignment)
  std::uint64_t packet_capacity = 0;   // average packets the ring holds
  double holds_ms = 0;                 // stall the ring rides out at expected_pps
  bool capped = false;                 // max_ring_bytes (or the kernel's limits) cut it short
  std::string explanation;             // one line, printed by the CLI at start
};

// Ring cost of one captured packet of `caplen` bytes in a TPACKET_V3 block: the aligned
// tpacket3_hdr + sockaddr_ll, padding so the network header is 16-aligned, the bytes,
// then 8-byte alignment to the next packet.
std::uint32_t v3_packet_cost(std::uint32_t caplen) noexcept;

RingPlan plan_ring(const AfPacketConfig& cfg);

}  // namespace riptide
