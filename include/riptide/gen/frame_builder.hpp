#pragma once
// FrameBuilder: Ethernet [+ 802.1Q] + IPv4 or IPv6 + UDP + GenPayload frames for N flows.
//
// Flow f differs from flow 0 only in its source: port src_port_base + f % ports, and the
// source address plus f / ports (ports = 65536 - src_port_base), so flows are deterministic
// and distinct up to 2^32. Every flow's headers are built once (a template) with the partial
// checksum of its constant fields; write() copies the template and patches only the lengths,
// the IPv4 header checksum, the payload header and, for IPv6, the UDP checksum (mandatory
// there; the IPv4 UDP checksum is left 0, "not computed", as RFC 768 allows).
//
// Sizes are frame bytes as handed to the NIC, without the 4-byte FCS (so the classic IMIX
// 64/594/1518 is written as 60/590/1514).
#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "riptide/core/result.hpp"
#include "riptide/gen/gen_payload.hpp"

namespace riptide::gen {

struct FrameSpec {
  std::array<std::uint8_t, 6> src_mac{0x02, 0x52, 0x54, 0x00, 0x00, 0x01};  // locally administered
  std::array<std::uint8_t, 6> dst_mac{0x02, 0x52, 0x54, 0x00, 0x00, 0x02};
  int vlan = -1;  // 802.1Q VLAN id 0..4094; -1: untagged
  bool ipv6 = false;
  std::array<std::uint8_t, 4> src4{198, 18, 0, 1};  // RFC 2544 benchmarking range
  std::array<std::uint8_t, 4> dst4{198, 19, 0, 1};
  std::array<std::uint8_t, 16> src6{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  std::array<std::uint8_t, 16> dst6{0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  std::uint16_t src_port_base = 1024;
  std::uint16_t dst_port = 9;  // discard
  std::uint32_t flows = 1;
  std::uint8_t ttl = 64;
};

class FrameBuilder {
 public:
  static constexpr std::uint32_t kMaxFrame = 9018;  // 9000 B jumbo + header + tag
  static constexpr std::uint32_t kMaxFlows = 1u << 24;

  // Fails (invalid_argument) on flows 0 or > kMaxFlows, or a VLAN id > 4094.
  static Result<FrameBuilder> create(const FrameSpec& spec);

  std::uint32_t header_len() const noexcept { return hdr_len_; }  // L2 + L3 + UDP
  // Smallest frame carrying the 16-byte short payload header, and the full 24-byte one.
  std::uint32_t min_frame() const noexcept { return hdr_len_ + std::uint32_t(kGenPayloadMinBytes); }
  std::uint32_t full_payload_frame() const noexcept { return hdr_len_ + std::uint32_t(kGenPayloadBytes); }
  std::uint32_t flows() const noexcept { return spec_.flows; }
  const FrameSpec& spec() const noexcept { return spec_; }

  // Writes a frame of `size` bytes into out[0..size). Precondition: out.size() >= size and
  // the bytes after the payload header are zero (the generator zero-fills its buffers once
  // and never writes there), because the IPv6 UDP checksum covers them as zeros.
  // Returns size, or 0 when size < min_frame(), size > kMaxFrame or flow >= flows().
  std::uint32_t write(std::uint32_t flow, std::uint64_t seq, std::int64_t ts_ns, std::uint32_t size,
                      std::span<std::uint8_t> out) const noexcept;

 private:
  explicit FrameBuilder(const FrameSpec& spec);
  FrameSpec spec_;
  std::uint32_t l2_len_ = 14, hdr_len_ = 42;
  std::vector<std::uint8_t> templates_;  // flows * hdr_len_
  std::vector<std::uint32_t> partial_;   // per flow: unfolded one's-complement sum of constant fields
};

// Full checksums computed from scratch, for verification (partial sums: riptide/core/checksum.hpp).
std::uint16_t ipv4_header_checksum(std::span<const std::uint8_t> ip_header) noexcept;  // 0 when valid
std::uint16_t udp6_checksum(std::span<const std::uint8_t> ip6_packet) noexcept;  // over pseudo header + UDP; 0 when valid

}  // namespace riptide::gen
