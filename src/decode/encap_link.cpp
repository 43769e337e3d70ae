// Layers between the link and IP that plain Ethernet rarely carries (PPPoE, PPP, MPLS) and the
// link types built on them (Cisco HDLC, PPP, NFLOG). Out of line: the Ethernet path reaches
// them only through an ethertype switch case.
#include <cstdint>

#include "decode/link_decode.hpp"
#include "riptide/core/byte_order.hpp"

namespace riptide::decode_detail {

namespace {

inline constexpr std::uint16_t kPppIpv4 = 0x0021;
inline constexpr std::uint16_t kPppIpv6 = 0x0057;
inline constexpr std::uint16_t kPppMpls = 0x0281;
inline constexpr std::uint16_t kPppMplsMc = 0x0283;
inline constexpr std::uint16_t kNflogPayload = 9;  // NFULA_PAYLOAD: the packet itself

DecodeError decode_ppp_proto(const Frame& f, std::uint32_t off, std::uint16_t proto, PacketMeta& m,
                             DecodeStats& st) noexcept {
  switch (proto) {
    case kPppIpv4: m.ethertype = kEtherIpv4; return decode_ipv4(f, off, m, st);
    case kPppIpv6: m.ethertype = kEtherIpv6; return decode_ipv6(f, off, m, st);
    case kPppMpls:
    case kPppMplsMc: return decode_mpls(f, off, m, st);
    default:  // LCP, IPCP, CCP...: control traffic, not IP
      ++st.other_l3;
      return DecodeError::none;
  }
}

}  // namespace

// PPPoE session header: ver/type(1) code(1) session(2) length(2), then a PPP frame.
DecodeError decode_pppoe(const Frame& f, std::uint32_t off, PacketMeta& m, DecodeStats& st) noexcept {
  m.ethertype = kEtherPppoeSession;
  ++st.pppoe;
  if (avail_at(off, f.caplen) < 7) return DecodeError::truncated_pppoe;
  return decode_ppp(f, off + 6, m, st);
}

// A PPP frame: optional address/control (ff 03), then a one- or two-byte protocol (a first
// byte with its low bit set is a compressed one-byte protocol, RFC 1661 section 6.5).
DecodeError decode_ppp(const Frame& f, std::uint32_t off, PacketMeta& m, DecodeStats& st) noexcept {
  if (avail_at(off, f.caplen) >= 2 && f.d[off] == 0xff && f.d[off + 1] == 0x03) off += 2;
  if (avail_at(off, f.caplen) < 1) return DecodeError::truncated_pppoe;
  if (f.d[off] & 1u) return decode_ppp_proto(f, off + 1, f.d[off], m, st);
  if (avail_at(off, f.caplen) < 2) return DecodeError::truncated_pppoe;
  return decode_ppp_proto(f, off + 2, load_be16(f.d + off), m, st);
}

// Label stack entries of 4 bytes up to the bottom-of-stack bit; what follows is not typed,
// so it is told by its first nibble as tshark does: 4 or 6 is IP, 0 a pseudowire control
// word in front of an Ethernet frame.
DecodeError decode_mpls(const Frame& f, std::uint32_t off, PacketMeta& m, DecodeStats& st) noexcept {
  m.ethertype = kEtherMpls;
  ++st.mpls;
  // The outermost stack is the one kept for the flow record, as the outermost tunnel is.
  if (!m.has(kMetaMpls) && off <= 0xffu) {
    m.flags |= kMetaMpls;
    m.mpls_off = static_cast<std::uint8_t>(off);
  }
  for (int i = 0;; ++i) {
    if (i == kMaxMplsLabels) return DecodeError::too_many_mpls_labels;
    if (avail_at(off, f.caplen) < 4) return DecodeError::truncated_mpls;
    const bool bottom = (f.d[off + 2] & 1u) != 0;
    off += 4;
    if (bottom) break;
  }
  if (avail_at(off, f.caplen) < 1) return DecodeError::truncated_mpls;
  switch (f.d[off] >> 4) {
    case 4: m.ethertype = kEtherIpv4; return decode_ipv4(f, off, m, st);
    case 6: m.ethertype = kEtherIpv6; return decode_ipv6(f, off, m, st);
    case 0:
      if (avail_at(off, f.caplen) < 4 + 14) return DecodeError::truncated_mpls;
      return decode_vlans_then_l3(f, off + 4 + 14, load_be16(f.d + off + 4 + 12), m.vlan_count, m, st);
    default: ++st.other_l3; return DecodeError::none;
  }
}

// Cisco HDLC: address(1) control(1) protocol(2, an ethertype).
DecodeError decode_chdlc(const Frame& f, PacketMeta& m, DecodeStats& st) noexcept {
  if (f.caplen < 4) return DecodeError::truncated_l2;
  return decode_vlans_then_l3(f, 4, load_be16(f.d + 2), 0, m, st);
}

// NFLOG: family(1) version(1) resource id(2), then attributes of length(2) type(2) in the
// capturing host's byte order, each padded to 4 bytes; the packet is the payload attribute.
DecodeError decode_nflog(const Frame& f, PacketMeta& m, DecodeStats& st) noexcept {
  if (f.caplen < 4) return DecodeError::truncated_nflog;
  const std::uint8_t family = f.d[0];
  std::uint32_t off = 4;
  for (;;) {
    if (avail_at(off, f.caplen) < 4) return DecodeError::truncated_nflog;
    std::uint16_t len = load_native<std::uint16_t>(f.d + off);
    std::uint16_t type = load_native<std::uint16_t>(f.d + off + 2);
    // Written big-endian by a host of the other order: lengths are small, types smaller.
    if (len > 0xff && __builtin_bswap16(len) <= 0xff) len = __builtin_bswap16(len), type = __builtin_bswap16(type);
    if (len < 4 || avail_at(off, f.caplen) < len) return DecodeError::truncated_nflog;
    if ((type & 0x7fffu) == kNflogPayload) {
      if (len == 4) return DecodeError::truncated_nflog;
      const Frame inner{f.d, off + len, f.wirelen < off + len ? off + len : f.wirelen};
      if (family == 2) return decode_ipv4(inner, off + 4, m, st);
      if (family == 10) return decode_ipv6(inner, off + 4, m, st);
      return decode_by_version(inner, off + 4, m, st);
    }
    off += (len + 3u) & ~3u;
  }
}

}  // namespace riptide::decode_detail

namespace riptide {

std::size_t mpls_labels(const PacketMeta& m, const std::uint8_t* data, std::uint32_t* out, std::size_t max) noexcept {
  if (!m.has(kMetaMpls) || data == nullptr) return 0;
  std::size_t n = 0;
  // Bounded by caplen as the decoder was: the stack it noted is within the captured bytes.
  for (std::uint32_t off = m.mpls_off; n < max && off + 4 <= m.caplen; off += 4) {
    const std::uint32_t entry = load_be32(data + off);
    out[n++] = entry >> 12;
    if (entry & 0x100u) break;  // bottom of stack
  }
  return n;
}

}  // namespace riptide
