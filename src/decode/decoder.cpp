// decode(): link-type dispatch plus the per-packet accounting every path shares.
#include "riptide/decode/decoder.hpp"

#include <cstddef>
#include <cstring>
#include <type_traits>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "decode/link_decode.hpp"

namespace riptide {

namespace {

using namespace decode_detail;

constexpr std::uint16_t kDltRaw = 12;
// Link types not in LinkType (core names only what capture sources produce); files carry them.
constexpr std::uint16_t kLinkPpp = 9;
constexpr std::uint16_t kLinkPppHdlc = 50;
constexpr std::uint16_t kLinkPppEther = 51;
constexpr std::uint16_t kLinkCiscoHdlc = 104;
constexpr std::uint16_t kLinkNflog = 239;
constexpr std::uint16_t kLinkNetlink = 253;

// The links other than Ethernet, out of line: decode_one() inlines the Ethernet path itself.
[[gnu::noinline]] DecodeError decode_link(const Frame& f, const PacketView& pkt, PacketMeta& m, DecodeStats& st) noexcept {
  if (f.caplen == 0) return DecodeError::truncated_l2;
  switch (pkt.link) {
    case LinkType::ethernet: return decode_ethernet(f, pkt, m, st);
    case LinkType::linux_sll: return decode_sll(f, pkt, m, st);
    case LinkType::linux_sll2: return decode_sll2(f, pkt, m, st);
    case LinkType::raw: return decode_by_version(f, 0, m, st);
    case LinkType::ipv4: m.ethertype = kEtherIpv4; return decode_ipv4(f, 0, m, st);
    case LinkType::ipv6: m.ethertype = kEtherIpv6; return decode_ipv6(f, 0, m, st);
    case LinkType::null_bsd: return decode_null_bsd(f, m, st);
    case LinkType::loop: return decode_loop(f, m, st);
  }
  // Files written with the platform's DLT_RAW value (12 on most systems) instead of
  // LINKTYPE_RAW (101): libpcap on Linux and Wireshark both read them as raw IP.
  switch (static_cast<std::uint16_t>(pkt.link)) {
    case kDltRaw: return decode_by_version(f, 0, m, st);
    case kLinkPpp:
    case kLinkPppHdlc: return decode_ppp(f, 0, m, st);
    case kLinkPppEther: return decode_pppoe(f, 0, m, st);
    case kLinkCiscoHdlc: return decode_chdlc(f, m, st);
    case kLinkNflog: return decode_nflog(f, m, st);
    case kLinkNetlink: ++st.other_l3; return DecodeError::none;  // netlink messages: no IP
    default: return DecodeError::unsupported_link;
  }
}

constexpr PacketMeta kBlankMeta{};

// Resetting `meta` with `meta = PacketMeta{}` makes GCC emit `rep stos`, whose start-up cost
// was half the decode time of a plain TCP packet. Straight-line 16-byte copies avoid it.
void reset_meta(PacketMeta& meta) noexcept {
  static_assert(std::is_trivially_copyable_v<PacketMeta>);
  auto* dst = reinterpret_cast<unsigned char*>(&meta);
  const auto* src = reinterpret_cast<const unsigned char*>(&kBlankMeta);
#if defined(__SSE2__)
  // The outer addresses are valid only with a tunnel_type and are left as they were.
  constexpr std::size_t n = offsetof(PacketMeta, outer_ip_version);
  static_assert(n >= 64 && n <= 96);
  const __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src));
  const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + 16));
  const __m128i c = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + 32));
  const __m128i d = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + 48));
  const __m128i e = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + n - 32));
  const __m128i f = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + n - 16));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(dst), a);
  _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + 16), b);
  _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + 32), c);
  _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + 48), d);
  _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + n - 32), e);
  _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + n - 16), f);
#else
  std::memcpy(dst, src, offsetof(PacketMeta, outer_ip_version));
#endif
}

[[gnu::always_inline]] inline DecodeError decode_one(const PacketView& pkt, PacketMeta& meta, DecodeStats& stats,
                                                    std::uint16_t initial_flags = 0) noexcept {
  reset_meta(meta);
  if (initial_flags != 0) meta.flags = initial_flags;
  const std::uint32_t caplen = pkt.data != nullptr ? pkt.caplen : 0;
  // Some sources leave wirelen unset; the wire never carried fewer bytes than were captured.
  const std::uint32_t wirelen = pkt.wirelen > caplen ? pkt.wirelen : caplen;
  meta.caplen = caplen;
  meta.wirelen = wirelen;
  ++stats.packets;
  stats.bytes += wirelen;
  if (caplen < wirelen) {
    meta.flags |= kMetaTruncated;
    ++stats.snaplen_truncated;
  }
  const Frame frame{pkt.data, caplen, wirelen};
  const DecodeError e = pkt.link == LinkType::ethernet && caplen != 0 ? decode_ethernet(frame, pkt, meta, stats)
                                                                      : decode_link(frame, pkt, meta, stats);
  if (meta.ip_version != 0 && meta.l3_off != 0xffff) {
    // A header claiming more bytes than the wire carried (a runt, a forged length): the packet
    // is still decoded as far as its bytes go and metered, but counted apart. A first
    // fragment's UDP length covers the whole datagram, so fragments are left out of that test.
    const std::uint64_t ip_end = std::uint64_t(meta.l3_off) + meta.ip_len;
    bool beyond = ip_end > wirelen;
    if (!beyond && meta.ip_proto == 17 && meta.payload_off != 0xffff && !meta.has(kMetaIsFragment))
      beyond = std::uint64_t(meta.payload_off) + meta.l4_payload_len > std::min<std::uint64_t>(ip_end, wirelen);
    stats.length_beyond_wire += beyond;
  }
  meta.error = e;
  ++stats.errors[static_cast<std::size_t>(e)];
  stats.decoded_ok += (e == DecodeError::none);
  return e;
}

}  // namespace

DecodeError decode(const PacketView& pkt, PacketMeta& meta, DecodeStats& stats) noexcept {
  return decode_one(pkt, meta, stats);
}

void decode_batch(const PacketView* pkts, PacketMeta* metas, std::size_t n, DecodeStats& stats) noexcept {
  for (std::size_t i = 0; i < n; ++i) decode_one(pkts[i], metas[i], stats);
}

void decode_batch(const PacketView* pkts, PacketMeta* metas, std::size_t n, DecodeStats& stats,
                  const DecodeOptions& opts) noexcept {
  const std::uint16_t flags = opts.decap ? 0 : kMetaOuterOnly;
  for (std::size_t i = 0; i < n; ++i) decode_one(pkts[i], metas[i], stats, flags);
}

}  // namespace riptide
