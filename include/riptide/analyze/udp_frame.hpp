#pragma once
// What an analyzer needs to send a datagram: the capture interface's identity, and a frame
// builder for Ethernet [+ one VLAN tag] + IPv4/IPv6 + UDP with both checksums.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "riptide/decode/ip_addr.hpp"

namespace riptide {

// The capture interface as the engine found it at start (live captures; empty on files).
struct InterfaceInfo {
  std::string name;
  std::uint32_t ifindex = 0;
  std::array<std::uint8_t, 6> mac{};
  bool has_ipv4 = false, has_ipv6 = false;
  IpAddr ipv4{};  // its first IPv4 address
  IpAddr ipv6{};  // its first global (else link-local) IPv6 address
  std::uint32_t mtu = 0;  // bytes of IP packet; the frame adds 14 (18 with a VLAN tag)
};

struct UdpEndpoint {
  std::array<std::uint8_t, 6> mac{};
  IpAddr ip{};  // IPv4-mapped for IPv4; both ends must be of the same family
  std::uint16_t port = 0;
};

struct UdpFrameOptions {
  int vlan_id = -1;  // 0..4095: one 802.1Q tag; -1: none
  std::uint8_t ttl = 64;
};

inline constexpr std::size_t kUdpFrameOverhead = 14 + 4 + 40 + 8;  // the most headers can take

// Writes the frame into `out`; returns its length, 0 when it does not fit, the families
// differ, or the payload is too long for one IP packet.
std::size_t build_udp_frame(const UdpEndpoint& src, const UdpEndpoint& dst, std::span<const std::uint8_t> payload,
                            std::span<std::uint8_t> out, const UdpFrameOptions& opt = {}) noexcept;

}  // namespace riptide
