#pragma once
// Packet decoder: Ethernet / 802.1Q / 802.1ad / ARP / PPPoE / MPLS / IPv4 / IPv6 / TCP / UDP /
// ICMP / ICMPv6, over Ethernet, Linux cooked (SLL, SLL2), raw IP, loopback, Cisco HDLC, PPP and
// NFLOG links; through IP-in-IP, GRE (ERSPAN II/III, transparent bridging, PPTP), VXLAN,
// Geneve, GTP-U and LISP down to the innermost IP packet, which is what PacketMeta describes.
// No allocation, never reads past caplen, every malformed case counted by reason.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "riptide/core/packet.hpp"
#include "riptide/decode/metadata.hpp"

namespace riptide {

inline constexpr int kMaxVlanWalk = 8;        // stacked tags walked before giving up
inline constexpr int kMaxIpv6ExtHeaders = 8;  // extension headers walked before giving up
inline constexpr int kMaxTunnelDepth = 8;     // nested tunnels entered before giving up
inline constexpr int kMaxMplsLabels = 16;     // MPLS label stack entries walked before giving up
inline constexpr std::size_t kMaxRecordedMplsLabels = 3;  // labels a flow record keeps, outermost first

// Decoder choices that change what a flow is.
struct DecodeOptions {
  // false: stop at the outermost IP header, so tunnels are metered as their transport (one
  // flow per GRE/VXLAN/... tunnel) instead of by the packets they carry.
  bool decap = true;
};

struct DecodeStats {
  std::uint64_t packets = 0;
  std::uint64_t bytes = 0;            // wire bytes
  std::uint64_t decoded_ok = 0;       // error == none
  std::uint64_t snaplen_truncated = 0;  // caplen < wirelen (not an error)
  // An IP or UDP length field claims more than the frame carried on the wire; decoded as far
  // as the bytes go and still metered (tshark does the same), but a sign of runts or forgery.
  std::uint64_t length_beyond_wire = 0;
  std::uint64_t ipv4 = 0, ipv6 = 0, arp = 0, other_l3 = 0;
  std::uint64_t tcp = 0, udp = 0, icmp = 0, icmpv6 = 0, other_l4 = 0;
  std::uint64_t fragments = 0;
  std::uint64_t pppoe = 0, mpls = 0;  // packets with a PPPoE session / MPLS label stack
  // Packets with an ERSPAN (type I, II or III) header; also counted under their outermost tunnel.
  std::uint64_t erspan = 0;
  // Packets by outermost tunnel (index TunnelType); [none] stays 0.
  std::array<std::uint64_t, static_cast<std::size_t>(TunnelType::count_)> tunnels{};
  std::array<std::uint64_t, static_cast<std::size_t>(DecodeError::count_)> errors{};

  std::uint64_t error_count(DecodeError e) const noexcept { return errors[static_cast<std::size_t>(e)]; }
  std::uint64_t total_errors() const noexcept;
  void merge(const DecodeStats& o) noexcept;
};

// Packets per encapsulation, as reports name them: "pppoe", "mpls", each tunnel type of
// to_string(TunnelType) ("ipip", "gre", ...; a tunnel counts the packets it was the outermost
// of), then "erspan" (also counted under gre).
struct EncapCount {
  std::string_view name;
  std::uint64_t packets = 0;
};
inline constexpr std::size_t kEncapCounts = 2 + (static_cast<std::size_t>(TunnelType::count_) - 1) + 1;
std::array<EncapCount, kEncapCounts> encap_counts(const DecodeStats& s) noexcept;

// Stable snake_case name of an error, used in reports and JSON ("truncated_ipv4").
std::string_view to_string(DecodeError e) noexcept;
// One-line plain-language explanation for reports.
std::string_view explain(DecodeError e) noexcept;
// "none", "ipip", "gre", "vxlan", "geneve", "gtpu", "lisp": as written in EVE "tunnel.type".
std::string_view to_string(TunnelType t) noexcept;

// The labels (20-bit values) of the MPLS stack `meta` noted in `data` (the bytes `meta` was
// decoded from), outermost first, at most `max` of them; returns how many were written.
// 0 when the packet had no label stack.
std::size_t mpls_labels(const PacketMeta& meta, const std::uint8_t* data, std::uint32_t* out, std::size_t max) noexcept;

// Decodes `pkt` into `meta` (fully overwritten) and updates `stats`.
// Returns meta.error. Safe on any input.
DecodeError decode(const PacketView& pkt, PacketMeta& meta, DecodeStats& stats) noexcept;
// decode(pkts[i], metas[i], stats) for i in [0, n), without a call per packet.
void decode_batch(const PacketView* pkts, PacketMeta* metas, std::size_t n, DecodeStats& stats) noexcept;
// The same with options; decode_batch(pkts, metas, n, stats) is this with DecodeOptions{}.
void decode_batch(const PacketView* pkts, PacketMeta* metas, std::size_t n, DecodeStats& stats,
                  const DecodeOptions& opts) noexcept;

}  // namespace riptide
