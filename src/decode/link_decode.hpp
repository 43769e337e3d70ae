#pragma once
// Link layers and the ethertype walk (VLAN stacks, ARP) down to the IP decoders.
#include <cstdint>

#include "riptide/core/byte_order.hpp"
#include "decode/ip_decode.hpp"
#include "riptide/decode/decoder.hpp"

namespace riptide::decode_detail {

inline constexpr std::uint16_t kEtherIpv4 = 0x0800;
inline constexpr std::uint16_t kEtherArp = 0x0806;
inline constexpr std::uint16_t kEtherIpv6 = 0x86dd;
inline constexpr std::uint16_t kMinEthertype = 0x0600;  // smaller values are 802.3 lengths
inline constexpr std::uint16_t kEtherPppoeSession = 0x8864;
inline constexpr std::uint16_t kEtherMpls = 0x8847;
inline constexpr std::uint16_t kEtherMplsMc = 0x8848;

// Out of line (encap_link.cpp): rarer layers between the link and IP.
DecodeError decode_pppoe(const Frame& f, std::uint32_t off, PacketMeta& m, DecodeStats& st) noexcept;
DecodeError decode_ppp(const Frame& f, std::uint32_t off, PacketMeta& m, DecodeStats& st) noexcept;
DecodeError decode_mpls(const Frame& f, std::uint32_t off, PacketMeta& m, DecodeStats& st) noexcept;
DecodeError decode_chdlc(const Frame& f, PacketMeta& m, DecodeStats& st) noexcept;
DecodeError decode_nflog(const Frame& f, PacketMeta& m, DecodeStats& st) noexcept;

inline bool is_vlan_tpid(std::uint16_t t) noexcept { return t == 0x8100 || t == 0x88a8 || t == 0x9100; }

inline void note_vlan(PacketMeta& m, int index, std::uint16_t tci) noexcept {
  if (index < PacketMeta::kMaxVlans) m.vlan_ids[static_cast<std::size_t>(index)] = tci & 0x0fffu;
}

inline DecodeError decode_arp(const Frame& f, std::uint32_t off, PacketMeta& m, DecodeStats& st) noexcept {
  const std::uint32_t avail = f.caplen - off;
  m.l3_off = static_cast<std::uint16_t>(off);
  m.flags |= kMetaArp;
  ++st.arp;
  if (avail < 8) return DecodeError::truncated_arp;
  const std::uint8_t* h = f.d + off;
  const std::uint32_t hln = h[4], pln = h[5];
  if (avail < 8 + 2 * (hln + pln)) return DecodeError::truncated_arp;
  // Sender and target protocol addresses, when they are IPv4, double as the flow endpoints.
  if (pln == 4 && load_be16(h + 2) == kEtherIpv4) {
    m.src = IpAddr::from_v4(h + 8 + hln);
    m.dst = IpAddr::from_v4(h + 8 + 2 * hln + 4);
  }
  return DecodeError::none;
}

// Dispatch on the innermost ethertype found at `off`. This and the VLAN walk are inlined into
// each link decoder, so the Ethernet one (nearly every packet) runs down to TCP/UDP without a call.
[[gnu::always_inline]] inline DecodeError decode_l3(const Frame& f, std::uint32_t off, std::uint16_t et, PacketMeta& m,
                             DecodeStats& st) noexcept {
  switch (et) {
    case kEtherIpv4: m.ethertype = et; return decode_ipv4_inline(f, off, m, st);
    case kEtherIpv6: m.ethertype = et; return decode_ipv6(f, off, m, st);
    case kEtherArp: m.ethertype = et; return decode_arp(f, off, m, st);
    case kEtherPppoeSession: return decode_pppoe(f, off, m, st);
    case kEtherMpls:
    case kEtherMplsMc: return decode_mpls(f, off, m, st);
    default:
      // LLC (802.3 length) and protocols we do not decode: valid frames without an L3 view.
      m.ethertype = et >= kMinEthertype ? et : 0;
      ++st.other_l3;
      return DecodeError::none;
  }
}

// Walks stacked tags starting with ethertype `et` at `off`. `seen` tags were already
// counted (a kernel-stripped one). Stops with an error beyond kMaxVlanWalk tags.
[[gnu::always_inline]] inline DecodeError decode_vlans_then_l3(const Frame& f, std::uint32_t off, std::uint16_t et, int seen,
                                        PacketMeta& m, DecodeStats& st) noexcept {
  while (is_vlan_tpid(et)) {
    if (seen == kMaxVlanWalk) return DecodeError::too_many_vlans;
    if (f.caplen - off < 4) return DecodeError::truncated_vlan;
    note_vlan(m, seen, load_be16(f.d + off));
    et = load_be16(f.d + off + 2);
    off += 4;
    m.vlan_count = static_cast<std::uint8_t>(++seen);
  }
  return decode_l3(f, off, et, m, st);
}

inline int note_stripped_tag(const PacketView& pkt, PacketMeta& m) noexcept {
  if (pkt.vlan_tpid == 0) return 0;
  note_vlan(m, 0, pkt.vlan_tci);
  m.vlan_count = 1;
  return 1;
}

[[gnu::always_inline]] inline DecodeError decode_ethernet(const Frame& f, const PacketView& pkt, PacketMeta& m, DecodeStats& st) noexcept {
  if (f.caplen < 14) return DecodeError::truncated_l2;
  return decode_vlans_then_l3(f, 14, load_be16(f.d + 12), note_stripped_tag(pkt, m), m, st);
}

inline constexpr std::uint16_t kArphrdNetlink = 824;  // SLL protocol field is a netlink family

inline DecodeError decode_sll_proto(const Frame& f, const PacketView& pkt, std::uint32_t off, std::uint16_t proto,
                                    std::uint16_t hatype, PacketMeta& m, DecodeStats& st) noexcept {
  if (hatype == kArphrdNetlink) {
    ++st.other_l3;
    return DecodeError::none;
  }
  return decode_vlans_then_l3(f, off, proto, note_stripped_tag(pkt, m), m, st);
}

// Linux cooked v1: type(2) ARPHRD(2) addr len(2) addr(8) protocol(2).
inline DecodeError decode_sll(const Frame& f, const PacketView& pkt, PacketMeta& m, DecodeStats& st) noexcept {
  if (f.caplen < 16) return DecodeError::truncated_l2;
  return decode_sll_proto(f, pkt, 16, load_be16(f.d + 14), load_be16(f.d + 2), m, st);
}

// Linux cooked v2: protocol(2) reserved(2) ifindex(4) ARPHRD(2) type(1) addr len(1) addr(8).
inline DecodeError decode_sll2(const Frame& f, const PacketView& pkt, PacketMeta& m, DecodeStats& st) noexcept {
  if (f.caplen < 20) return DecodeError::truncated_l2;
  return decode_sll_proto(f, pkt, 20, load_be16(f.d), load_be16(f.d + 8), m, st);
}

inline DecodeError decode_by_version(const Frame& f, std::uint32_t off, PacketMeta& m, DecodeStats& st) noexcept {
  const std::uint8_t v = f.d[off] >> 4;
  if (v == 6) {
    m.ethertype = kEtherIpv6;
    return decode_ipv6(f, off, m, st);
  }
  // Anything else is reported against IPv4, the version raw links default to.
  m.ethertype = kEtherIpv4;
  return decode_ipv4(f, off, m, st);
}

// Loopback address families: AF_INET is 2 everywhere, AF_INET6 differs by OS (Linux 10 is
// not used by these link types; BSDs use 24, 28 or 30).
inline DecodeError decode_loopback(const Frame& f, std::uint32_t af, PacketMeta& m, DecodeStats& st) noexcept {
  if (af == 2) {
    m.ethertype = kEtherIpv4;
    return decode_ipv4(f, 4, m, st);
  }
  if (af == 24 || af == 28 || af == 30) {
    m.ethertype = kEtherIpv6;
    return decode_ipv6(f, 4, m, st);
  }
  ++st.other_l3;
  return DecodeError::none;
}

inline constexpr std::uint32_t kMaxIeee8023Len = 1500;

inline DecodeError decode_null_bsd(const Frame& f, PacketMeta& m, DecodeStats& st) noexcept {
  if (f.caplen < 4) return DecodeError::truncated_l2;
  std::uint32_t af = load_native<std::uint32_t>(f.d);
  // Host order of the capturing machine, which may not be ours: a family never exceeds 16 bits.
  if (af > 0xffffu) af = __builtin_bswap32(af);
  // Some writers put an ethertype in this header instead of a family (e.g. "0f 00 08 00"
  // for IPv4); families are small, so a value above the 802.3 length limit is an ethertype,
  // which is also how Wireshark reads such files.
  if (af > kMaxIeee8023Len) return decode_vlans_then_l3(f, 4, static_cast<std::uint16_t>(af), 0, m, st);
  return decode_loopback(f, af, m, st);
}

inline DecodeError decode_loop(const Frame& f, PacketMeta& m, DecodeStats& st) noexcept {
  if (f.caplen < 4) return DecodeError::truncated_l2;
  return decode_loopback(f, load_be32(f.d), m, st);
}

}  // namespace riptide::decode_detail
