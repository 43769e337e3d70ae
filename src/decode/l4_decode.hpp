#pragma once
// Transport headers. `end` is where the IP datagram stops inside the capture (the smaller of
// caplen and the IP length), so Ethernet padding and trailers are never parsed as headers.
// `l4_len` is the transport length the IP header announces, used for payload lengths.
#include <cstdint>
#include <initializer_list>

#include "riptide/core/byte_order.hpp"
#include "riptide/decode/decoder.hpp"

namespace riptide::decode_detail {

inline constexpr std::uint8_t kProtoIcmp = 1;
inline constexpr std::uint8_t kProtoTcp = 6;
inline constexpr std::uint8_t kProtoUdp = 17;
inline constexpr std::uint8_t kProtoIcmpv6 = 58;

struct L4Span {
  std::uint32_t off;
  std::uint32_t end;
  std::uint32_t l4_len;
};

inline std::uint32_t avail_at(std::uint32_t off, std::uint32_t end) noexcept { return end > off ? end - off : 0; }

// Encapsulations, out of line (tunnel_decode.cpp): they decode the carried packet into `m`
// in place of the carrier. `s` spans the carrier's transport header and payload.
inline constexpr std::uint8_t kProtoIpip = 4;
inline constexpr std::uint8_t kProtoIpv6 = 41;
inline constexpr std::uint8_t kProtoGre = 47;
inline constexpr std::uint8_t kProtoAh = 51;
DecodeError decode_ip_tunnel(const std::uint8_t* d, L4Span s, std::uint8_t proto, PacketMeta& m,
                             DecodeStats& st) noexcept;
// IPv4's authentication header (IPv6 walks it with its extension headers): the transport, or
// a tunnelled packet in tunnel mode, follows it.
DecodeError decode_ipv4_ah(const std::uint8_t* d, L4Span s, PacketMeta& m, DecodeStats& st) noexcept;
DecodeError decode_udp_tunnel(const std::uint8_t* d, L4Span s, PacketMeta& m, DecodeStats& st) noexcept;

// VXLAN, Geneve, GTP-U and LISP (data, and control messages that encapsulate a packet), by
// destination port: every one of them sends both directions to its port (as Suricata
// decodes them; tshark also tries the source port), and GTP-U from port 2152 as well, which
// real GTP-U peers answer from.
// The cheap test on every UDP packet: a 1024-bit set of the tunnel ports modulo 1024 (one
// in 200 other ports shares a bit); decode_udp_tunnel() makes the exact test.
struct TunnelPortBits {
  std::uint64_t w[16] = {};
  constexpr TunnelPortBits() {
    for (unsigned p : {2152u, 4341u, 4342u, 4789u, 6081u}) w[(p >> 6) & 15] |= std::uint64_t{1} << (p & 63);
  }
};
inline constexpr TunnelPortBits kTunnelPortBits{};
inline bool maybe_tunnel_port(std::uint16_t p) noexcept { return (kTunnelPortBits.w[(p >> 6) & 15] >> (p & 63)) & 1u; }

// Ports are kept as soon as the first 4 bytes are present, so a snaplen-cut packet still lands
// in the right flow; the error then says the rest of the header is missing.
inline DecodeError decode_tcp(const std::uint8_t* d, L4Span s, PacketMeta& m, DecodeStats& st) noexcept {
  const std::uint32_t avail = avail_at(s.off, s.end);
  m.l4_off = static_cast<std::uint16_t>(s.off);
  if (avail < 4) return DecodeError::truncated_tcp;
  m.sport = load_be16(d + s.off);
  m.dport = load_be16(d + s.off + 2);
  m.flags |= kMetaHasL4;
  if (avail < 20) return DecodeError::truncated_tcp;
  m.tcp_flags = d[s.off + 13];
  const std::uint32_t hl = (d[s.off + 12] >> 4) * 4u;
  if (hl < 20) return DecodeError::bad_tcp_header_len;
  if (avail < hl) return DecodeError::truncated_tcp;
  m.payload_off = static_cast<std::uint16_t>(s.off + hl);
  m.l4_payload_len = s.l4_len > hl ? s.l4_len - hl : 0;
  ++st.tcp;
  return DecodeError::none;
}

inline DecodeError decode_udp(const std::uint8_t* d, L4Span s, PacketMeta& m, DecodeStats& st) noexcept {
  const std::uint32_t avail = avail_at(s.off, s.end);
  m.l4_off = static_cast<std::uint16_t>(s.off);
  if (avail < 4) return DecodeError::truncated_udp;
  m.sport = load_be16(d + s.off);
  m.dport = load_be16(d + s.off + 2);
  m.flags |= kMetaHasL4;
  if (avail < 8) return DecodeError::truncated_udp;
  const std::uint32_t len = load_be16(d + s.off + 4);
  if (len < 8) return DecodeError::bad_udp_len;
  m.payload_off = static_cast<std::uint16_t>(s.off + 8);
  m.l4_payload_len = len - 8;
  ++st.udp;
  return DecodeError::none;
}

// ICMP and ICMPv6 share the layout: type, code, checksum, 4 message-specific bytes.
inline DecodeError decode_icmp(const std::uint8_t* d, L4Span s, PacketMeta& m, std::uint64_t& counter) noexcept {
  const std::uint32_t avail = avail_at(s.off, s.end);
  m.l4_off = static_cast<std::uint16_t>(s.off);
  if (avail < 2) return DecodeError::truncated_icmp;
  m.sport = d[s.off];
  m.dport = d[s.off + 1];
  m.flags |= kMetaHasL4;
  if (avail < 8) return DecodeError::truncated_icmp;
  m.payload_off = static_cast<std::uint16_t>(s.off + 8);
  m.l4_payload_len = s.l4_len > 8 ? s.l4_len - 8 : 0;
  ++counter;
  return DecodeError::none;
}

inline DecodeError decode_l4(const std::uint8_t* d, L4Span s, std::uint8_t proto, PacketMeta& m,
                             DecodeStats& st) noexcept {
  switch (proto) {
    case kProtoTcp: return decode_tcp(d, s, m, st);
    case kProtoUdp: {
      const DecodeError e = decode_udp(d, s, m, st);
      if (e == DecodeError::none && (maybe_tunnel_port(m.dport) || m.sport == 2152)) [[unlikely]]
        return decode_udp_tunnel(d, s, m, st);
      return e;
    }
    case kProtoIcmp: return decode_icmp(d, s, m, st.icmp);
    case kProtoIcmpv6: return decode_icmp(d, s, m, st.icmpv6);
    default:
      // Kept out of the switch so the four common cases stay a short compare chain.
      if (proto == kProtoAh) [[unlikely]] return decode_ipv4_ah(d, s, m, st);
      // Tunnels, ESP, SCTP...: the payload starts at the transport header we do not parse.
      if (s.off <= s.end) m.payload_off = static_cast<std::uint16_t>(s.off);
      m.l4_payload_len = s.l4_len;
      ++st.other_l4;
      if (proto == kProtoIpip || proto == kProtoIpv6 || proto == kProtoGre) [[unlikely]]
        return decode_ip_tunnel(d, s, proto, m, st);
      return DecodeError::none;
  }
}

}  // namespace riptide::decode_detail
