#pragma once
// The packet model. A PacketView never owns its bytes: they belong to the source that
// produced the batch (a kernel ring block, an mmap'ed file, a worker's slot) and stay valid
// only until that source's next() is called again. Whoever must keep a packet longer copies it.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "riptide/core/clock.hpp"  // TimestampNs

namespace riptide {

// Link-layer header types, numbered as pcap's LINKTYPE_* values so files map 1:1.
enum class LinkType : std::uint16_t {
  null_bsd = 0,      // BSD loopback: 4-byte host-order address family
  ethernet = 1,
  raw = 101,         // raw IPv4 or IPv6, version from the first nibble
  loop = 108,        // OpenBSD loopback: 4-byte network-order address family
  linux_sll = 113,
  ipv4 = 228,
  ipv6 = 229,
  linux_sll2 = 276,
};

enum class Direction : std::uint8_t { unknown = 0, inbound = 1, outbound = 2 };

struct PacketView {
  const std::uint8_t* data = nullptr;
  std::uint32_t caplen = 0;   // bytes present at data
  std::uint32_t wirelen = 0;  // bytes on the wire (>= caplen when snaplen truncated)
  TimestampNs ts_ns = 0;
  std::uint32_t ifindex = 0;  // source-specific interface id (pcapng interface, kernel ifindex)
  // A VLAN tag the kernel stripped (TPACKET tp_vlan_tci/tpid). vlan_tpid == 0: none.
  // The decoder treats it as the outermost tag, as if it were still in the frame.
  std::uint16_t vlan_tci = 0;
  std::uint16_t vlan_tpid = 0;
  LinkType link = LinkType::ethernet;
  Direction dir = Direction::unknown;

  std::span<const std::uint8_t> bytes() const noexcept { return {data, caplen}; }
  bool truncated() const noexcept { return caplen < wirelen; }
};

// A batch of borrowed packets, filled by a PacketSource. Fixed capacity: no allocation.
class PacketBatch {
 public:
  static constexpr std::size_t kCapacity = 256;

  std::size_t size() const noexcept { return n_; }
  bool empty() const noexcept { return n_ == 0; }
  bool full() const noexcept { return n_ == kCapacity; }
  void clear() noexcept { n_ = 0; }
  // Keeps the first n packets (n <= size()): a filter that compacts in place ends with this.
  void truncate(std::size_t n) noexcept { n_ = n < n_ ? n : n_; }
  // Caller checks full() first; sources never overfill.
  void push(const PacketView& p) noexcept { pkts_[n_++] = p; }
  const PacketView& operator[](std::size_t i) const noexcept { return pkts_[i]; }
  PacketView& operator[](std::size_t i) noexcept { return pkts_[i]; }
  const PacketView* begin() const noexcept { return pkts_.data(); }
  const PacketView* end() const noexcept { return pkts_.data() + n_; }

 private:
  std::array<PacketView, kCapacity> pkts_{};
  std::size_t n_ = 0;
};

}  // namespace riptide
