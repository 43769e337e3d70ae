// Encapsulations: the carrier is decoded first (as any packet), then the packet it carries
// replaces it in PacketMeta, so flows are keyed by the innermost IP header as tshark's
// conversations and Suricata key them. Out of line: plain traffic only pays for the port and
// protocol tests that lead here.
#include <cstdint>

#include "decode/link_decode.hpp"
#include "riptide/core/byte_order.hpp"

namespace riptide::decode_detail {

namespace {

inline constexpr std::uint16_t kEtherTeb = 0x6558;     // transparent Ethernet bridging
inline constexpr std::uint16_t kEtherErspan2 = 0x88be;  // ERSPAN type I/II
inline constexpr std::uint16_t kEtherErspan3 = 0x22eb;
inline constexpr std::uint16_t kEtherPpp = 0x880b;      // PPTP's enhanced GRE carries PPP
inline constexpr int kMaxGreRoutes = 16;
inline constexpr int kMaxGtpExtensions = 8;

enum class Inner : std::uint8_t { none, ethernet, ipv4, ipv6, by_version, ppp, mpls };

// Starts a tunnel level; false when the carried packet must not be decoded (decap off, the
// carrier is a fragment whose rest is elsewhere, or too deep: `err` then says so).
bool enter(PacketMeta& m, DecodeStats& st, TunnelType t, std::uint32_t id, DecodeError& err) noexcept {
  if (m.flags & (kMetaOuterOnly | kMetaIsFragment)) return false;
  if (m.tunnel_depth >= kMaxTunnelDepth) {
    err = DecodeError::too_many_tunnels;
    return false;
  }
  if (m.tunnel_depth == 0) {
    m.tunnel_type = t;
    m.tunnel_id = id;
    m.outer_l3_off = m.l3_off;
    m.outer_ip_version = m.ip_version;
    m.outer_src = m.src;
    m.outer_dst = m.dst;
    ++st.tunnels[static_cast<std::size_t>(t)];
  }
  ++m.tunnel_depth;
  return true;
}

// Decodes what the carrier carries at `off` (up to `end`) into `m`. A carried packet that
// turns out not to be IP (ARP, a bad inner frame) leaves the carrier as the flow packet, as
// tshark's innermost IP layer is then the carrier's.
DecodeError decode_inner(const std::uint8_t* d, std::uint32_t off, std::uint32_t end, Inner kind, PacketMeta& m,
                         DecodeStats& st) noexcept {
  const PacketMeta carrier = m;
  m.flags &= static_cast<std::uint16_t>(~(kMetaHasL3 | kMetaHasL4 | kMetaIsFragment | kMetaFirstFragment |
                                          kMetaIpOptions | kMetaArp));
  m.l4_off = m.payload_off = 0xffff;
  m.sport = m.dport = 0;
  m.tcp_flags = 0;
  m.frag_id = 0;
  m.frag_offset = 0;
  m.l4_payload_len = 0;
  const Frame f{d, end, end};
  DecodeError e = DecodeError::none;
  if (off >= end && kind != Inner::none) {
    e = kind == Inner::ethernet ? DecodeError::truncated_l2 : DecodeError::truncated_ipv4;
  } else {
    switch (kind) {
      case Inner::none: break;
      case Inner::ethernet:
        if (end - off < 14) e = DecodeError::truncated_l2;
        else e = decode_vlans_then_l3(f, off + 14, load_be16(d + off + 12), m.vlan_count, m, st);
        break;
      case Inner::ipv4: m.ethertype = kEtherIpv4; e = decode_ipv4(f, off, m, st); break;
      case Inner::ipv6: m.ethertype = kEtherIpv6; e = decode_ipv6(f, off, m, st); break;
      case Inner::by_version: {
        const std::uint8_t v = d[off] >> 4;
        if (v == 4 || v == 6) e = decode_by_version(f, off, m, st);
        break;
      }
      case Inner::ppp: e = decode_ppp(f, off, m, st); break;
      case Inner::mpls: e = decode_mpls(f, off, m, st); break;
    }
  }
  if (!m.has(kMetaHasL3)) m = carrier;
  return e;
}

Inner inner_of_ethertype(std::uint16_t et) noexcept {
  switch (et) {
    case kEtherIpv4: return Inner::ipv4;
    case kEtherIpv6: return Inner::ipv6;
    case kEtherTeb: return Inner::ethernet;
    case kEtherPpp: return Inner::ppp;
    case kEtherMpls: case kEtherMplsMc: return Inner::mpls;
    default: return Inner::none;
  }
}

DecodeError decode_gre(const std::uint8_t* d, L4Span s, PacketMeta& m, DecodeStats& st) noexcept {
  const std::uint32_t avail = avail_at(s.off, s.end);
  if (avail < 4) return DecodeError::truncated_gre;
  const std::uint8_t* g = d + s.off;
  const std::uint16_t flags = load_be16(g);
  const std::uint16_t ptype = load_be16(g + 2);
  const unsigned version = flags & 7u;
  std::uint32_t hl = 4, key = 0;
  if (version == 0) {
    if (flags & 0xc000u) hl += 4;  // checksum and offset, present with C or R
    if (flags & 0x2000u) {
      if (avail < hl + 4) return DecodeError::truncated_gre;
      key = load_be32(g + hl);
      hl += 4;
    }
    if (flags & 0x1000u) hl += 4;  // sequence number
    if (flags & 0x4000u) {         // RFC 1701 source routes, ended by an empty one
      for (int i = 0;; ++i) {
        if (i == kMaxGreRoutes || avail < hl + 4) return DecodeError::truncated_gre;
        const std::uint32_t len = g[hl + 3];
        const bool last = load_be16(g + hl) == 0 && len == 0;
        hl += 4 + len;
        if (last) break;
      }
    }
  } else if (version == 1) {  // PPTP: payload length and call id, then optional sequence and ack
    hl = 8 + ((flags & 0x1000u) ? 4 : 0) + ((flags & 0x0080u) ? 4 : 0);
  } else {
    return DecodeError::bad_gre_version;
  }
  if (avail < hl) return DecodeError::truncated_gre;
  Inner kind = inner_of_ethertype(ptype);
  if (ptype == kEtherErspan2) {
    // Type II has a sequence number and an 8-byte header; type I has neither.
    if (flags & 0x1000u) hl += 8;
    kind = Inner::ethernet;
  } else if (ptype == kEtherErspan3) {
    if (avail < hl + 12) return DecodeError::truncated_gre;
    const bool subheader = (g[hl + 11] & 1u) != 0;  // O bit: 8-byte platform-specific subheader
    hl += 12 + (subheader ? 8 : 0);
    kind = Inner::ethernet;
  }
  if (avail < hl) return DecodeError::truncated_gre;
  if (kind == Inner::none) return DecodeError::none;
  DecodeError err = DecodeError::none;
  if (!enter(m, st, TunnelType::gre, key, err)) return err;
  st.erspan += (ptype == kEtherErspan2 || ptype == kEtherErspan3);
  return decode_inner(d, s.off + hl, s.end, kind, m, st);
}

DecodeError decode_gtpu(const std::uint8_t* d, std::uint32_t off, std::uint32_t end, PacketMeta& m,
                        DecodeStats& st) noexcept {
  const std::uint32_t avail = avail_at(off, end);
  if (avail < 8) return DecodeError::truncated_gtp;
  const std::uint8_t* g = d + off;
  // Only GTPv1 (version 1, PT 1) G-PDUs (type 255) carry user packets; echo and error
  // indications stay UDP.
  if ((g[0] >> 5) != 1 || (g[0] & 0x10u) == 0 || g[1] != 0xff) return DecodeError::none;
  std::uint32_t hl = 8;
  if (g[0] & 0x07u) {  // E, S or PN: sequence, N-PDU and next-extension fields follow
    if (avail < 12) return DecodeError::truncated_gtp;
    std::uint8_t next = g[11];
    hl = 12;
    for (int i = 0; next != 0; ++i) {
      if (i == kMaxGtpExtensions || avail < hl + 1) return DecodeError::truncated_gtp;
      const std::uint32_t len = g[hl] * 4u;
      if (len == 0 || avail < hl + len) return DecodeError::truncated_gtp;
      next = g[hl + len - 1];
      hl += len;
    }
  }
  DecodeError err = DecodeError::none;
  if (!enter(m, st, TunnelType::gtpu, load_be32(g + 4), err)) return err;
  return decode_inner(d, off + hl, end, Inner::by_version, m, st);
}

}  // namespace

DecodeError decode_ip_tunnel(const std::uint8_t* d, L4Span s, std::uint8_t proto, PacketMeta& m,
                             DecodeStats& st) noexcept {
  if (proto == kProtoGre) return decode_gre(d, s, m, st);
  DecodeError err = DecodeError::none;
  if (!enter(m, st, TunnelType::ipip, 0, err)) return err;
  return decode_inner(d, s.off, s.end, proto == kProtoIpip ? Inner::ipv4 : Inner::ipv6, m, st);
}

DecodeError decode_ipv4_ah(const std::uint8_t* d, L4Span s, PacketMeta& m, DecodeStats& st) noexcept {
  const std::uint32_t avail = avail_at(s.off, s.end);
  const std::uint32_t len = avail >= 12 ? (d[s.off + 1] + 2u) * 4u : 0;
  if (len == 0 || avail < len || d[s.off] == kProtoAh) {  // cut short or stacked: left as the payload
    if (s.off <= s.end) m.payload_off = static_cast<std::uint16_t>(s.off);
    m.l4_payload_len = s.l4_len;
    ++st.other_l4;
    return DecodeError::none;
  }
  m.flags |= kMetaIpOptions;
  m.ip_proto = d[s.off];
  return decode_l4(d, L4Span{s.off + len, s.end, s.l4_len > len ? s.l4_len - len : 0}, m.ip_proto, m, st);
}

DecodeError decode_udp_tunnel(const std::uint8_t* d, L4Span s, PacketMeta& m, DecodeStats& st) noexcept {
  const std::uint32_t off = s.off + 8;
  const std::uint32_t end = std::min(s.end, s.off + 8 + m.l4_payload_len);
  const std::uint32_t avail = avail_at(off, end);
  DecodeError err = DecodeError::none;
  switch (m.dport) {
    case 4789: {
      if (avail < 8) return DecodeError::truncated_vxlan;
      if (!enter(m, st, TunnelType::vxlan, load_be32(d + off + 4) >> 8, err)) return err;
      return decode_inner(d, off + 8, end, Inner::ethernet, m, st);
    }
    case 6081: {
      if (avail < 8) return DecodeError::truncated_geneve;
      const std::uint32_t hl = 8 + (d[off] & 0x3fu) * 4u;
      if (avail < hl) return DecodeError::truncated_geneve;
      const std::uint16_t ptype = load_be16(d + off + 2);
      const Inner kind = ptype == kEtherTeb ? Inner::ethernet : inner_of_ethertype(ptype);
      if (kind == Inner::none) return DecodeError::none;
      if (!enter(m, st, TunnelType::geneve, load_be32(d + off + 4) >> 8, err)) return err;
      return decode_inner(d, off + hl, end, kind, m, st);
    }
    case 2152: return decode_gtpu(d, off, end, m, st);
    case 4342: {  // LISP control: only an Encapsulated Control Message (type 8) carries a packet
      if (avail < 4 || (d[off] >> 4) != 8) return DecodeError::none;
      if (!enter(m, st, TunnelType::lisp, 0, err)) return err;
      return decode_inner(d, off + 4, end, Inner::by_version, m, st);
    }
    case 4341: {  // LISP data: an 8-byte header, then the IP packet
      if (avail < 8) return DecodeError::none;
      if (!enter(m, st, TunnelType::lisp, 0, err)) return err;
      return decode_inner(d, off + 8, end, Inner::by_version, m, st);
    }
    default:  // GTP-U answered from 2152, or another port sharing the quick test's bit
      return m.sport == 2152 ? decode_gtpu(d, off, end, m, st) : DecodeError::none;
  }
}

}  // namespace riptide::decode_detail
