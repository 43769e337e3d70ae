// Malformed input: one hand-built packet per DecodeError value, truncation at every offset,
// empty and huge frames, and the error names/explanations.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "decode/decode_test_util.hpp"

namespace riptide::test {
namespace {

struct Case {
  DecodeError want;
  Bytes frame;
  LinkType link = LinkType::ethernet;
};

Bytes cut(Bytes b, std::size_t n) {
  b.resize(n);
  return b;
}

Bytes patched(Bytes b, std::size_t off, std::uint8_t v) {
  b[off] = v;
  return b;
}

std::vector<Case> malformed_cases() {
  const Bytes tcp4 = PacketBuilder().eth().ipv4("10.0.0.1", "10.0.0.2").tcp(1, 2).payload(10).build();
  const Bytes udp4 = PacketBuilder().eth().ipv4("10.0.0.1", "10.0.0.2").udp(1, 2).payload(10).build();
  const Bytes icmp4 = PacketBuilder().eth().ipv4("10.0.0.1", "10.0.0.2").icmp(8, 0).build();
  const Bytes v6 = PacketBuilder().eth().ipv6("::1", "::2").ext6(0).udp(1, 2).build();
  const Bytes arp = PacketBuilder().eth().arp(1, "1.1.1.1", "2.2.2.2").build();
  const Bytes vlan = PacketBuilder().eth().vlan(1).ipv4("1.1.1.1", "2.2.2.2").udp(1, 2).build();
  PacketBuilder deep;
  deep.eth().ipv6("::1", "::2");
  for (int i = 0; i < kMaxIpv6ExtHeaders + 1; ++i) deep.ext6(43);
  PacketBuilder tags;
  tags.eth();
  for (int i = 0; i < kMaxVlanWalk + 1; ++i) tags.vlan(1);

  Ipv4Opts ipip;
  ipip.proto = 4;
  PacketBuilder nested;
  nested.eth();
  for (int i = 0; i < kMaxTunnelDepth + 1; ++i) nested.ipv4("10.0.0.1", "10.0.0.2", ipip);
  nested.ipv4("10.0.0.3", "10.0.0.4").udp(1, 2);
  const Bytes labels(4 * (kMaxMplsLabels + 1), 0);

  return {
      {DecodeError::none, tcp4},
      {DecodeError::unsupported_link, tcp4, static_cast<LinkType>(147)},  // USER0: private use
      {DecodeError::truncated_l2, cut(tcp4, 13)},
      {DecodeError::truncated_vlan, cut(vlan, 16)},
      {DecodeError::too_many_vlans, tags.ipv4("1.1.1.1", "2.2.2.2").build()},
      {DecodeError::truncated_arp, cut(arp, 14 + 20)},
      {DecodeError::truncated_ipv4, cut(tcp4, 14 + 19)},
      {DecodeError::bad_ipv4_version, patched(tcp4, 14, 0x55)},
      {DecodeError::bad_ipv4_header_len, patched(tcp4, 14, 0x44)},
      {DecodeError::bad_ipv4_total_len, patched(patched(tcp4, 16, 0), 17, 19)},
      {DecodeError::truncated_ipv6, cut(v6, 14 + 39)},
      {DecodeError::bad_ipv6_version, patched(v6, 14, 0x40)},
      {DecodeError::too_many_ext_headers, deep.build()},
      {DecodeError::truncated_ext_header, cut(v6, 14 + 40 + 7)},
      {DecodeError::truncated_tcp, cut(tcp4, 14 + 20 + 19)},
      {DecodeError::bad_tcp_header_len, patched(tcp4, 14 + 20 + 12, 0x40)},
      {DecodeError::truncated_udp, cut(udp4, 14 + 20 + 7)},
      {DecodeError::bad_udp_len, patched(patched(udp4, 14 + 20 + 4, 0), 14 + 20 + 5, 7)},
      {DecodeError::truncated_icmp, cut(icmp4, 14 + 20 + 7)},
      {DecodeError::truncated_pppoe, PacketBuilder().eth().raw({0x11, 0, 0, 1, 0}, 0, 0x8864).build()},
      {DecodeError::truncated_mpls, PacketBuilder().eth().raw({0, 0, 0x10}, 0, 0x8847).build()},
      {DecodeError::too_many_mpls_labels, PacketBuilder().eth().raw(labels, 0, 0x8847).build()},
      {DecodeError::truncated_gre, PacketBuilder().eth().ipv4("1.1.1.1", "2.2.2.2").raw({0x20, 0, 8, 0}, 47).build()},
      {DecodeError::bad_gre_version, PacketBuilder().eth().ipv4("1.1.1.1", "2.2.2.2").raw({0, 2, 8, 0}, 47).build()},
      {DecodeError::truncated_vxlan, PacketBuilder().eth().ipv4("1.1.1.1", "2.2.2.2").udp(1, 4789).payload(4).build()},
      {DecodeError::truncated_geneve,
       PacketBuilder().eth().ipv4("1.1.1.1", "2.2.2.2").udp(1, 6081).raw({2, 0, 0x65, 0x58, 0, 0, 1, 0}).build()},
      {DecodeError::truncated_gtp,
       PacketBuilder().eth().ipv4("1.1.1.1", "2.2.2.2").udp(2152, 2152).raw({0x34, 0xff, 0, 4, 0, 0, 0, 1}).build()},
      {DecodeError::too_many_tunnels, nested.build()},
      {DecodeError::truncated_nflog, Bytes{2, 0, 0, 0, 8, 0}, static_cast<LinkType>(239)},
  };
}

TEST(DecoderErrors, EveryErrorValueHasAMalformedPacket) {
  std::set<DecodeError> covered;
  for (const Case& c : malformed_cases()) {
    const Decoded d = decode_bytes(c.frame, c.link);
    EXPECT_EQ(d.e, c.want) << "want " << to_string(c.want) << " got " << to_string(d.e);
    EXPECT_EQ(d.m.error, c.want);
    EXPECT_EQ(d.st.error_count(c.want), 1u) << to_string(c.want);
    EXPECT_EQ(d.st.total_errors(), c.want == DecodeError::none ? 0u : 1u);
    EXPECT_EQ(d.st.decoded_ok, c.want == DecodeError::none ? 1u : 0u);
    covered.insert(c.want);
  }
  EXPECT_EQ(covered.size(), static_cast<std::size_t>(DecodeError::count_));
}

TEST(DecoderErrors, NamesAndExplanationsAreDistinct) {
  std::set<std::string> names, texts;
  for (std::size_t i = 0; i < static_cast<std::size_t>(DecodeError::count_); ++i) {
    const auto e = static_cast<DecodeError>(i);
    const std::string name(to_string(e)), text(explain(e));
    EXPECT_NE(name, "unknown") << i;
    EXPECT_EQ(name.find(' '), std::string::npos) << name;
    EXPECT_GT(text.size(), 15u) << name;
    EXPECT_EQ(text.find('\n'), std::string::npos) << name;
    names.insert(name);
    texts.insert(text);
  }
  EXPECT_EQ(names.size(), static_cast<std::size_t>(DecodeError::count_));
  EXPECT_EQ(texts.size(), static_cast<std::size_t>(DecodeError::count_));
  EXPECT_EQ(to_string(DecodeError::truncated_ipv4), "truncated_ipv4");
  EXPECT_EQ(explain(DecodeError::truncated_ipv4), "IPv4 header cut short by the capture length or a short frame");
}

TEST(DecoderErrors, KeepsFieldsDecodedBeforeTheCut) {
  const Bytes f = PacketBuilder().eth().ipv4("10.9.8.7", "10.6.5.4").tcp(3333, 4444).payload(50).build();
  // snaplen 38: IP header and the TCP ports, but not the rest of the TCP header.
  const Decoded d = decode_bytes(cut(f, 38), LinkType::ethernet, static_cast<std::uint32_t>(f.size()));
  EXPECT_EQ(d.e, DecodeError::truncated_tcp);
  EXPECT_TRUE(d.m.has(kMetaTruncated));
  EXPECT_TRUE(d.m.has(kMetaHasL3));
  EXPECT_EQ(d.m.src, addr("10.9.8.7"));
  EXPECT_EQ(d.m.sport, 3333);
  EXPECT_EQ(d.m.dport, 4444);
  EXPECT_EQ(d.m.ip_len, f.size() - 14);
  EXPECT_EQ(d.m.wirelen, f.size());
  EXPECT_EQ(d.st.snaplen_truncated, 1u);
  EXPECT_EQ(d.st.bytes, f.size());
}

TEST(DecoderErrors, SnaplenCutAfterHeadersIsNotAnError) {
  const Bytes f = PacketBuilder().eth().ipv4("10.0.0.1", "10.0.0.2").tcp(1, 2).payload(1000).build();
  const Decoded d = decode_bytes(cut(f, 54), LinkType::ethernet, static_cast<std::uint32_t>(f.size()));
  EXPECT_EQ(d.e, DecodeError::none);
  EXPECT_TRUE(d.m.has(kMetaTruncated));
  EXPECT_EQ(d.m.l4_payload_len, 1000u);  // from the headers, not caplen
  EXPECT_EQ(d.st.snaplen_truncated, 1u);
  EXPECT_EQ(d.st.decoded_ok, 1u);
}

// Which error a cut at `n` bytes must give, for eth/vlan/IPv6/hop-by-hop/TCP with options.
DecodeError expected_cut_error(std::size_t n) {
  if (n < 14) return DecodeError::truncated_l2;
  if (n < 18) return DecodeError::truncated_vlan;
  if (n < 18 + 40) return DecodeError::truncated_ipv6;
  if (n < 18 + 40 + 16) return DecodeError::truncated_ext_header;
  if (n < 18 + 40 + 16 + 28) return DecodeError::truncated_tcp;
  return DecodeError::none;
}

TEST(DecoderErrors, TruncationAtEveryOffsetOfTcpOverIpv6) {
  const Bytes full =
      PacketBuilder().eth().vlan(9).ipv6("2001:db8::1", "2001:db8::2").ext6(0, 16).tcp(5000, 80, kTcpSyn, 8).payload(30).build();
  DecodeStats total;
  for (std::size_t n = 0; n <= full.size(); ++n) {
    // A heap copy of exactly n bytes, so ASan flags any read past caplen.
    const Bytes part(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
    for (bool snaplen : {true, false}) {
      PacketView v = view_of(part, LinkType::ethernet, snaplen ? static_cast<std::uint32_t>(full.size()) : 0);
      if (n == 0) v.data = nullptr;
      PacketMeta m;
      const DecodeError e = decode(v, m, total);
      EXPECT_EQ(e, expected_cut_error(n)) << "cut at " << n << ": " << to_string(e);
      EXPECT_EQ(m.has(kMetaHasL3), n >= 58) << n;
      EXPECT_EQ(m.has(kMetaHasL4), n >= 78) << n;
      if (n >= 58) {
        EXPECT_EQ(m.src, addr("2001:db8::1")) << n;
      }
    }
  }
  EXPECT_EQ(total.packets, 2 * (full.size() + 1));
  EXPECT_EQ(total.snaplen_truncated, full.size());  // every snaplen view except the full one
  EXPECT_EQ(total.decoded_ok, 2 * (full.size() - 102 + 1));  // cuts inside the payload are fine
  EXPECT_EQ(total.error_count(DecodeError::truncated_tcp), 2u * 28);
}

TEST(DecoderErrors, TruncationAtEveryOffsetOfEveryLink) {
  const std::pair<LinkType, Bytes> frames[] = {
      {LinkType::linux_sll, PacketBuilder().sll().ipv4("1.1.1.1", "2.2.2.2").udp(1, 2).build()},
      {LinkType::linux_sll2, PacketBuilder().sll2().arp(1, "1.1.1.1", "2.2.2.2").build()},
      {LinkType::null_bsd, PacketBuilder().null_bsd(2).ipv4("1.1.1.1", "2.2.2.2").icmp(0, 0).build()},
      {LinkType::loop, PacketBuilder().loop(30).ipv6("::1", "::2").ah6(12).frag6(0, true).udp(1, 2).build()},
      {LinkType::raw, PacketBuilder().ipv6("::1", "::2").icmpv6(1, 4).build()},
  };
  for (const auto& [link, full] : frames) {
    for (std::size_t n = 0; n < full.size(); ++n) {
      const Bytes part(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
      const Decoded d = decode_bytes(part, link);
      EXPECT_NE(d.e, DecodeError::none) << "link " << int(link) << " cut at " << n;
      EXPECT_EQ(to_string(d.e).substr(0, 10), "truncated_") << "link " << int(link) << " cut at " << n;
    }
    EXPECT_EQ(decode_bytes(full, link).e, DecodeError::none) << int(link);
  }
}

TEST(DecoderErrors, ZeroLengthPacket) {
  for (LinkType link : {LinkType::ethernet, LinkType::raw, LinkType::ipv4, LinkType::ipv6, LinkType::linux_sll,
                        LinkType::linux_sll2, LinkType::null_bsd, LinkType::loop}) {
    PacketView v;
    v.link = link;
    const Decoded d = decode_view(v);
    EXPECT_EQ(d.e, DecodeError::truncated_l2) << int(link);
    EXPECT_EQ(d.st.packets, 1u);
    EXPECT_EQ(d.st.bytes, 0u);
  }
  // Zero bytes captured of a 60-byte frame: a truncated capture, counted with its wire length.
  PacketView v;
  v.wirelen = 60;
  const Decoded d = decode_view(v);
  EXPECT_EQ(d.e, DecodeError::truncated_l2);
  EXPECT_TRUE(d.m.has(kMetaTruncated));
  EXPECT_EQ(d.st.bytes, 60u);
}

TEST(DecoderErrors, HugeFrame) {
  const std::size_t size = 256 * 1024;
  Bytes f = PacketBuilder().eth().ipv4("1.1.1.1", "2.2.2.2").udp(9, 9).build();
  f.resize(size, 0x5a);  // IP lengths say 28 bytes: the rest is trailer
  Decoded d = decode_bytes(f);
  EXPECT_EQ(d.e, DecodeError::none);
  EXPECT_EQ(d.m.caplen, size);
  EXPECT_EQ(d.st.bytes, size);

  // An IPv6 jumbo-style frame whose payload length is 0: length taken from the wire.
  Bytes j = PacketBuilder().eth().ipv6("::1", "::2").tcp(1, 2).payload(size - 14 - 60).build();
  j[18] = j[19] = 0;
  d = decode_bytes(j);
  EXPECT_EQ(d.e, DecodeError::none);
  EXPECT_EQ(d.m.ip_len, size - 14);
  EXPECT_EQ(d.m.l4_payload_len, size - 14 - 60);
}

TEST(DecoderErrors, WirelenBelowCaplenIsRaised) {
  const Bytes f = PacketBuilder().eth().ipv4("1.1.1.1", "2.2.2.2").udp(9, 9).build();
  const Decoded d = decode_view(PacketView{f.data(), static_cast<std::uint32_t>(f.size()), 10});
  EXPECT_EQ(d.m.wirelen, f.size());
  EXPECT_FALSE(d.m.has(kMetaTruncated));
  EXPECT_EQ(d.st.bytes, f.size());
}

TEST(DecoderStats, MergeAndTotals) {
  DecodeStats a, b;
  PacketMeta m;
  const Bytes ok = PacketBuilder().eth().ipv4("1.1.1.1", "2.2.2.2").tcp(1, 2).build();
  const Bytes bad = cut(ok, 20);
  decode(view_of(ok), m, a);
  decode(view_of(bad), m, b);
  decode(view_of(bad), m, b);
  a.merge(b);
  EXPECT_EQ(a.packets, 3u);
  EXPECT_EQ(a.decoded_ok, 1u);
  EXPECT_EQ(a.total_errors(), 2u);
  EXPECT_EQ(a.error_count(DecodeError::truncated_ipv4), 2u);
  EXPECT_EQ(a.tcp, 1u);
  EXPECT_EQ(a.ipv4, 1u);
  EXPECT_EQ(a.bytes, ok.size() + 2 * bad.size());
}

}  // namespace
}  // namespace riptide::test
