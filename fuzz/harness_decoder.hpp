#pragma once
// Decoder fuzz body, shared by fuzz_decoder.cpp and the crasher-replay test.
// Input: byte 0 picks the link type (low 4 bits) and view options (high bits), the rest is
// the frame. Returns false when a decoded result breaks an invariant (offset past caplen,
// counters that do not add up); the fuzzer turns that into a crash.
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "riptide/decode/decoder.hpp"

namespace riptide::fuzz {

inline constexpr LinkType kDecoderFuzzLinks[] = {
    LinkType::ethernet, LinkType::linux_sll, LinkType::linux_sll2, LinkType::raw,
    LinkType::ipv4,     LinkType::ipv6,      LinkType::null_bsd,   LinkType::loop,
    static_cast<LinkType>(147),  // a user DLT: must count as unsupported_link
    static_cast<LinkType>(9),    // PPP
    static_cast<LinkType>(104),  // Cisco HDLC
    static_cast<LinkType>(239),  // NFLOG
    static_cast<LinkType>(51),   // PPPoE without Ethernet
};
inline constexpr std::size_t kDecoderFuzzLinkCount = sizeof(kDecoderFuzzLinks) / sizeof(kDecoderFuzzLinks[0]);

// Selector byte for a link type with no options set (used by the seed writer and tests).
inline std::uint8_t decoder_link_selector(LinkType link) {
  for (std::size_t i = 0; i < kDecoderFuzzLinkCount; ++i)
    if (kDecoderFuzzLinks[i] == link) return static_cast<std::uint8_t>(i);
  return 0;
}

inline bool decoder_offset_ok(std::uint16_t off, std::uint32_t caplen) { return off == 0xffff || off <= caplen; }

inline bool decoder_one(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return true;
  const std::uint8_t sel = data[0];
  PacketView v;
  v.link = kDecoderFuzzLinks[(sel & 0x0f) % kDecoderFuzzLinkCount];
  v.data = data + 1;
  v.caplen = static_cast<std::uint32_t>(size - 1);
  v.wirelen = v.caplen + ((sel & 0x10) ? 1000u : 0u);  // snaplen-truncated view
  if (sel & 0x20) {                                     // kernel-stripped VLAN tag
    v.vlan_tpid = 0x8100;
    v.vlan_tci = 0x0123;
  }

  PacketMeta m;
  DecodeStats st;
  const DecodeError e = decode(v, m, st);
  if (e != m.error || static_cast<std::size_t>(e) >= static_cast<std::size_t>(DecodeError::count_)) return false;
  if (to_string(e).empty() || explain(e).empty()) return false;
  if (st.packets != 1 || st.bytes != v.wirelen || st.total_errors() + st.decoded_ok != 1) return false;
  if (m.caplen != v.caplen || m.wirelen != v.wirelen) return false;
  if (!decoder_offset_ok(m.l3_off, m.caplen) || !decoder_offset_ok(m.l4_off, m.caplen) ||
      !decoder_offset_ok(m.payload_off, m.caplen))
    return false;
  if (m.vlan_count > kMaxVlanWalk) return false;
  if (m.has(kMetaHasL3) && m.ip_version != 4 && m.ip_version != 6) return false;
  if (m.has(kMetaIsFragment) && m.frag_offset != 0 && m.has(kMetaHasL4)) return false;
  if (m.tunnel_depth > kMaxTunnelDepth || (m.tunnel_depth == 0) != (m.tunnel_type == TunnelType::none)) return false;
  if (m.tunnel_type != TunnelType::none && !decoder_offset_ok(m.outer_l3_off, m.caplen)) return false;
  // The label stack a flow record reads back: within the frame, at most what was asked, 20 bits each.
  std::uint32_t labels[kMaxRecordedMplsLabels + 1] = {};
  const std::size_t nl = mpls_labels(m, v.data, labels, kMaxRecordedMplsLabels);
  if (nl > kMaxRecordedMplsLabels || (nl != 0 && !m.has(kMetaMpls)) || labels[kMaxRecordedMplsLabels] != 0) return false;
  for (std::size_t i = 0; i < nl; ++i)
    if (labels[i] >= (1u << 20)) return false;
  // The batch entry point inlines its own copy of the Ethernet path: it must decode the same.
  PacketMeta mb[2];
  DecodeStats sb;
  const PacketView vb[2] = {v, v};
  decode_batch(vb, mb, 2, sb);
  for (const PacketMeta& b : mb)
    if (std::memcmp(&b, &m, sizeof m) != 0) return false;
  if (sb.packets != 2 || sb.bytes != 2 * st.bytes || sb.decoded_ok != 2 * st.decoded_ok ||
      sb.errors[static_cast<std::size_t>(e)] != 2 || sb.length_beyond_wire != 2 * st.length_beyond_wire)
    return false;
  return true;
}

}  // namespace riptide::fuzz
