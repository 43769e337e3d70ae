#pragma once
// The flat result of decoding one packet: offsets into the packet plus the fields flow
// keys and analyzers need. Plain data, no pointers, so it can be copied into worker rings.
#include <array>
#include <cstdint>

#include "riptide/decode/ip_addr.hpp"

namespace riptide {

// Why decoding stopped early. Each value has a counter in DecodeStats.
enum class DecodeError : std::uint8_t {
  none = 0,
  unsupported_link,        // link type we do not decode
  truncated_l2,            // shorter than the link header (Ethernet, SLL, SLL2, loopback)
  truncated_vlan,          // VLAN tag cut by caplen
  too_many_vlans,          // more stacked tags than kMaxVlanWalk
  truncated_arp,
  truncated_ipv4,          // fewer than 20 bytes, or fewer than IHL*4
  bad_ipv4_version,        // version nibble != 4 where IPv4 was announced
  bad_ipv4_header_len,     // IHL < 5
  bad_ipv4_total_len,      // total length < header length
  truncated_ipv6,
  bad_ipv6_version,
  too_many_ext_headers,    // extension-header chain longer than kMaxIpv6ExtHeaders
  truncated_ext_header,
  truncated_tcp,
  bad_tcp_header_len,      // data offset < 5
  truncated_udp,
  bad_udp_len,             // UDP length < 8
  truncated_icmp,
  // Encapsulations (appended so earlier values keep their numbers).
  truncated_pppoe,         // PPPoE session or PPP header cut short
  truncated_mpls,          // label stack runs past the frame
  too_many_mpls_labels,    // more labels than kMaxMplsLabels without bottom-of-stack
  truncated_gre,           // GRE header (with its optional fields) or ERSPAN header cut short
  bad_gre_version,         // GRE version other than 0 and 1 (PPTP)
  truncated_vxlan,
  truncated_geneve,        // Geneve header or its options cut short
  truncated_gtp,           // GTP-U header or extension headers cut short
  too_many_tunnels,        // more nested encapsulations than kMaxTunnelDepth
  truncated_nflog,         // NFLOG header or TLV cut short
  count_                   // number of values; keep last
};

enum : std::uint16_t {
  kMetaHasL3 = 1u << 0,
  kMetaHasL4 = 1u << 1,       // sport/dport (or ICMP type/code) are valid
  kMetaIsFragment = 1u << 2,  // IPv4 MF/offset or IPv6 fragment header present
  kMetaFirstFragment = 1u << 3,
  kMetaArp = 1u << 4,
  kMetaTruncated = 1u << 5,   // caplen < wirelen (snaplen): still counted with wirelen
  kMetaIpOptions = 1u << 6,   // IPv4 options or IPv6 extension headers present
  kMetaOuterOnly = 1u << 7,   // decoded with DecodeOptions::decap off: tunnels not entered
  kMetaMoreFragments = 1u << 8,  // a fragment with MF (IPv4) / M (IPv6) set: not its datagram's last
  kMetaMpls = 1u << 9,        // an MPLS label stack starts at mpls_off (see mpls_labels())
};

// The encapsulation the flow key's packet was found in (the outermost one when nested).
enum class TunnelType : std::uint8_t {
  none = 0,
  ipip,    // IPv4 or IPv6 directly inside IPv4 or IPv6 (protocols 4 and 41)
  gre,     // GRE, ERSPAN and PPTP included
  vxlan,   // UDP 4789
  geneve,  // UDP 6081
  gtpu,    // UDP 2152
  lisp,    // UDP 4341 (LISP data plane)
  count_
};

struct PacketMeta {
  static constexpr int kMaxVlans = 2;  // tags kept for the flow key; more are walked but not kept

  std::uint32_t wirelen = 0;
  std::uint32_t caplen = 0;
  std::uint16_t flags = 0;
  DecodeError error = DecodeError::none;

  // Offsets from the start of the captured bytes; 0xffff = absent.
  std::uint16_t l3_off = 0xffff;
  std::uint16_t l4_off = 0xffff;
  std::uint16_t payload_off = 0xffff;

  std::uint16_t ethertype = 0;   // innermost ethertype (after VLAN tags)
  std::uint8_t vlan_count = 0;   // tags seen (stripped tag included), capped at 255
  std::array<std::uint16_t, kMaxVlans> vlan_ids{};  // outermost first, 12-bit VID

  std::uint8_t ip_version = 0;   // 0, 4 or 6
  std::uint8_t ip_proto = 0;     // transport protocol (after the IPv6 extension-header walk)
  std::uint8_t ttl = 0;
  std::uint8_t tcp_flags = 0;    // FIN=0x01 SYN=0x02 RST=0x04 PSH=0x08 ACK=0x10 URG=0x20 ECE=0x40 CWR=0x80
  std::uint32_t ip_len = 0;      // IPv4 total length / IPv6 payload length + 40, from the header
  std::uint32_t frag_id = 0;     // IPv4 identification or IPv6 fragment identification
  std::uint16_t frag_offset = 0; // in bytes
  IpAddr src{};
  IpAddr dst{};
  std::uint16_t sport = 0;       // for ICMP/ICMPv6: type in sport, code in dport
  std::uint16_t dport = 0;
  std::uint32_t l4_payload_len = 0;  // from headers, not caplen

  // Encapsulation. The fields above describe the innermost IP packet (the one flows are keyed
  // by); these say what it was carried in.
  std::uint32_t tunnel_id = 0;        // VXLAN/Geneve VNI, GTP-U TEID, GRE key; 0: none
  std::uint16_t outer_l3_off = 0xffff;  // outermost IP header carrying a tunnel
  TunnelType tunnel_type = TunnelType::none;  // outermost tunnel
  std::uint8_t tunnel_depth = 0;      // tunnels nested around the innermost packet
  // Outermost tunnel's IP endpoints. Not reset per packet (decode() writes the fields above
  // only): valid when tunnel_type != none.
  std::uint8_t outer_ip_version = 0;
  IpAddr outer_src;
  IpAddr outer_dst;
  // Where the outermost MPLS label stack starts, valid with kMetaMpls only (not reset per
  // packet either). One byte so the layout stays as plugins know it: a stack starting past
  // byte 255 is not noted.
  std::uint8_t mpls_off = 0;
  // The struct's tail, named: whole-struct copies and comparisons (the decoder fuzzer's
  // decode() against decode_batch(), plugins' memcmp) see no indeterminate padding bytes.
  std::array<std::uint8_t, 2> reserved_{};

  bool has(std::uint16_t f) const noexcept { return (flags & f) != 0; }
};

}  // namespace riptide
