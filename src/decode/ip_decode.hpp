#pragma once
// IPv4 and IPv6 (with the extension-header walk). Addresses, TTL and lengths are stored as
// soon as the fixed header is present, so a later error still leaves a usable flow key.
#include <algorithm>
#include <cstdint>

#include "riptide/core/byte_order.hpp"
#include "decode/l4_decode.hpp"
#include "riptide/decode/decoder.hpp"

namespace riptide::decode_detail {

struct Frame {
  const std::uint8_t* d;
  std::uint32_t caplen;
  std::uint32_t wirelen;  // >= caplen
};

// Inlined where Ethernet meets IPv4 (nearly every packet); the other links call decode_ipv4().
[[gnu::always_inline]] inline DecodeError decode_ipv4_inline(const Frame& f, std::uint32_t off, PacketMeta& m,
                                                             DecodeStats& st) noexcept {
  const std::uint8_t* d = f.d;
  const std::uint32_t avail = f.caplen - off;
  m.l3_off = static_cast<std::uint16_t>(off);
  if (avail < 1) return DecodeError::truncated_ipv4;
  if ((d[off] >> 4) != 4) return DecodeError::bad_ipv4_version;
  m.ip_version = 4;
  if (avail < 20) return DecodeError::truncated_ipv4;
  const std::uint32_t ihl = (d[off] & 0x0fu) * 4u;
  if (ihl < 20) return DecodeError::bad_ipv4_header_len;

  const std::uint8_t* h = d + off;
  m.flags |= kMetaHasL3;
  m.ttl = h[8];
  m.ip_proto = h[9];
  m.frag_id = load_be16(h + 4);
  m.src = IpAddr::from_v4(h + 12);
  m.dst = IpAddr::from_v4(h + 16);
  ++st.ipv4;

  std::uint32_t total = load_be16(h + 2);
  // Captures taken above a segmentation-offloading NIC carry total length 0: the real length
  // is whatever reached the wire after this header.
  if (total == 0) total = f.wirelen - off;
  m.ip_len = total;
  if (total < ihl) return DecodeError::bad_ipv4_total_len;
  if (ihl > 20) m.flags |= kMetaIpOptions;
  if (avail < ihl) return DecodeError::truncated_ipv4;

  const std::uint32_t l4_off = off + ihl;
  const std::uint16_t frag = load_be16(h + 6);
  const std::uint16_t frag_bytes = static_cast<std::uint16_t>((frag & 0x1fffu) * 8u);
  if ((frag & 0x3fffu) != 0) {  // MF set or non-zero offset
    m.flags |= (frag & 0x2000u) ? kMetaIsFragment | kMetaMoreFragments : kMetaIsFragment;
    m.frag_offset = frag_bytes;
    ++st.fragments;
    if (frag_bytes != 0) {
      // Later fragments carry payload only: their first bytes are not a transport header.
      m.payload_off = static_cast<std::uint16_t>(l4_off);
      m.l4_payload_len = total - ihl;
      return DecodeError::none;
    }
    m.flags |= kMetaFirstFragment;
  }
  const std::uint32_t end = std::min(f.caplen, off + total);
  return decode_l4(d, L4Span{l4_off, end, total - ihl}, m.ip_proto, m, st);
}

inline DecodeError decode_ipv4(const Frame& f, std::uint32_t off, PacketMeta& m, DecodeStats& st) noexcept {
  return decode_ipv4_inline(f, off, m, st);
}

// Extension headers whose length byte counts 8-octet units beyond the first 8.
inline bool is_generic_ext(std::uint8_t nh) noexcept {
  return nh == 0 || nh == 43 || nh == 60 || nh == 135 || nh == 139 || nh == 140;
}

inline constexpr std::uint8_t kExtFragment = 44;
inline constexpr std::uint8_t kExtAuth = 51;

inline DecodeError decode_ipv6(const Frame& f, std::uint32_t off, PacketMeta& m, DecodeStats& st) noexcept {
  const std::uint8_t* d = f.d;
  const std::uint32_t avail = f.caplen - off;
  m.l3_off = static_cast<std::uint16_t>(off);
  if (avail < 1) return DecodeError::truncated_ipv6;
  if ((d[off] >> 4) != 6) return DecodeError::bad_ipv6_version;
  m.ip_version = 6;
  if (avail < 40) return DecodeError::truncated_ipv6;

  const std::uint8_t* h = d + off;
  m.flags |= kMetaHasL3;
  m.ttl = h[7];
  m.src = IpAddr::from_v6(h + 8);
  m.dst = IpAddr::from_v6(h + 24);
  ++st.ipv6;

  std::uint8_t nh = h[6];
  const std::uint32_t plen = load_be16(h + 4);
  // Payload length 0 with a next header is a jumbogram or an offloaded super-packet.
  const std::uint32_t ip_len = (plen == 0 && nh != 59) ? f.wirelen - off : plen + 40;
  m.ip_len = ip_len;
  m.ip_proto = nh;
  const std::uint32_t end = std::min(f.caplen, off + ip_len);

  std::uint32_t cur = off + 40;
  for (int walked = 0;; ++walked) {
    const bool generic = is_generic_ext(nh);
    if (!generic && nh != kExtFragment && nh != kExtAuth) break;
    if (walked == kMaxIpv6ExtHeaders) return DecodeError::too_many_ext_headers;
    m.flags |= kMetaIpOptions;
    const std::uint32_t left = avail_at(cur, end);
    if (left < 8) return DecodeError::truncated_ext_header;
    const std::uint32_t len = generic ? (d[cur + 1] + 1u) * 8u
                              : nh == kExtAuth ? (d[cur + 1] + 2u) * 4u  // AH counts 4-octet units
                                               : 8u;
    if (left < len) return DecodeError::truncated_ext_header;
    if (nh == kExtFragment) {
      const std::uint16_t fo = load_be16(d + cur + 2);
      m.flags |= (fo & 1u) ? kMetaIsFragment | kMetaMoreFragments : kMetaIsFragment;
      m.frag_offset = static_cast<std::uint16_t>(fo & 0xfff8u);
      m.frag_id = load_be32(d + cur + 4);
      ++st.fragments;
      if (m.frag_offset != 0) {
        m.ip_proto = d[cur];
        m.payload_off = static_cast<std::uint16_t>(cur + 8);
        m.l4_payload_len = ip_len > cur + 8 - off ? ip_len - (cur + 8 - off) : 0;
        return DecodeError::none;
      }
      m.flags |= kMetaFirstFragment;
    }
    nh = d[cur];
    m.ip_proto = nh;
    cur += len;
  }
  const std::uint32_t hdrs = cur - off;
  return decode_l4(d, L4Span{cur, end, ip_len > hdrs ? ip_len - hdrs : 0}, nh, m, st);
}

}  // namespace riptide::decode_detail
