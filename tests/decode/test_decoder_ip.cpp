// IPv4 (options, fragments, lengths) and IPv6 (extension-header walk, fragments).
#include <gtest/gtest.h>

#include "decode/decode_test_util.hpp"

namespace riptide::test {
namespace {

TEST(DecoderIpv4, FieldsFromHeader) {
  Ipv4Opts o;
  o.ttl = 17;
  o.id = 0xbeef;
  o.dont_fragment = true;
  const Bytes f = PacketBuilder().eth().ipv4("172.16.0.1", "8.8.8.8", o).tcp(40000, 443).payload(100).build();
  const Decoded d = decode_bytes(f);
  EXPECT_EQ(d.e, DecodeError::none);
  EXPECT_EQ(d.m.ttl, 17);
  EXPECT_EQ(d.m.frag_id, 0xbeefu);
  EXPECT_EQ(d.m.ip_len, 140u);
  EXPECT_FALSE(d.m.has(kMetaIsFragment));  // DF alone is not a fragment
  EXPECT_FALSE(d.m.has(kMetaIpOptions));
  EXPECT_EQ(d.m.l4_payload_len, 100u);
}

TEST(DecoderIpv4, OptionsShiftTheTransportHeader) {
  Ipv4Opts o;
  o.options_len = 12;
  const Bytes f = PacketBuilder().eth().ipv4("1.2.3.4", "5.6.7.8", o).udp(1000, 2000).payload(4).build();
  const Decoded d = decode_bytes(f);
  EXPECT_EQ(d.e, DecodeError::none);
  EXPECT_TRUE(d.m.has(kMetaIpOptions));
  EXPECT_EQ(d.m.l4_off, 14 + 32);
  EXPECT_EQ(d.m.sport, 1000);
  EXPECT_EQ(d.m.l4_payload_len, 4u);
}

TEST(DecoderIpv4, FirstFragmentHasPorts) {
  Ipv4Opts o;
  o.more_fragments = true;
  o.id = 77;
  const Bytes f = PacketBuilder().eth().ipv4("1.1.1.1", "2.2.2.2", o).udp(53, 5353).payload(64).build();
  const Decoded d = decode_bytes(f);
  EXPECT_EQ(d.e, DecodeError::none);
  EXPECT_TRUE(d.m.has(kMetaIsFragment));
  EXPECT_TRUE(d.m.has(kMetaFirstFragment));
  EXPECT_TRUE(d.m.has(kMetaHasL4));
  EXPECT_EQ(d.m.sport, 53);
  EXPECT_EQ(d.m.frag_offset, 0);
  EXPECT_EQ(d.m.frag_id, 77u);
  EXPECT_TRUE(d.m.has(kMetaMoreFragments));
  EXPECT_EQ(d.st.fragments, 1u);
}

TEST(DecoderIpv4, LaterFragmentsHaveNoPorts) {
  for (bool more : {true, false}) {
    Ipv4Opts o;
    o.more_fragments = more;
    o.frag_offset_bytes = 1480;
    o.proto = 17;
    // The payload looks like a UDP header; it must not be read as one.
    const Bytes f = PacketBuilder().eth().ipv4("1.1.1.1", "2.2.2.2", o).payload(Bytes{0, 53, 0, 53, 0, 8, 0, 0}).build();
    const Decoded d = decode_bytes(f);
    EXPECT_EQ(d.e, DecodeError::none);
    EXPECT_TRUE(d.m.has(kMetaIsFragment));
    EXPECT_FALSE(d.m.has(kMetaFirstFragment));
    EXPECT_FALSE(d.m.has(kMetaHasL4));
    EXPECT_EQ(d.m.sport, 0);
    EXPECT_EQ(d.m.ip_proto, 17);
    EXPECT_EQ(d.m.frag_offset, 1480);
    EXPECT_EQ(d.m.has(kMetaMoreFragments), more);
    EXPECT_EQ(d.m.payload_off, 34);
    EXPECT_EQ(d.m.l4_payload_len, 8u);
    EXPECT_EQ(d.st.udp, 0u);
    EXPECT_EQ(d.st.fragments, 1u);
  }
}

TEST(DecoderIpv4, TsoZeroTotalLengthUsesWireLength) {
  Bytes f = PacketBuilder().eth().ipv4("1.1.1.1", "2.2.2.2").tcp(1, 2).payload(3000).build();
  f[16] = f[17] = 0;
  const Decoded d = decode_bytes(f);
  EXPECT_EQ(d.e, DecodeError::none);
  EXPECT_EQ(d.m.ip_len, f.size() - 14);
  EXPECT_EQ(d.m.l4_payload_len, 3000u);
}

TEST(DecoderIpv4, OtherProtocolCountsOtherL4) {
  Ipv4Opts o;
  o.proto = 50;  // ESP: not decoded further
  const Decoded d = decode_bytes(PacketBuilder().eth().ipv4("1.1.1.1", "2.2.2.2", o).payload(20).build());
  EXPECT_EQ(d.e, DecodeError::none);
  EXPECT_EQ(d.m.ip_proto, 50);
  EXPECT_FALSE(d.m.has(kMetaHasL4));
  EXPECT_EQ(d.m.payload_off, 34);
  EXPECT_EQ(d.m.l4_payload_len, 20u);
  EXPECT_EQ(d.st.other_l4, 1u);
}

TEST(DecoderIpv6, PlainUdp) {
  const Bytes f = PacketBuilder().eth().ipv6("2001:db8::1", "2001:db8::2", 9).udp(546, 547).payload(30).build();
  const Decoded d = decode_bytes(f);
  EXPECT_EQ(d.e, DecodeError::none);
  EXPECT_EQ(d.m.ip_version, 6);
  EXPECT_EQ(d.m.ttl, 9);
  EXPECT_EQ(d.m.src, addr("2001:db8::1"));
  EXPECT_EQ(d.m.dst, addr("2001:db8::2"));
  EXPECT_EQ(d.m.ip_len, 40u + 8 + 30);
  EXPECT_EQ(d.m.l4_off, 54);
  EXPECT_EQ(d.m.sport, 546);
  EXPECT_EQ(d.m.l4_payload_len, 30u);
  EXPECT_FALSE(d.m.has(kMetaIpOptions));
  EXPECT_EQ(d.st.ipv6, 1u);
}

TEST(DecoderIpv6, EveryGenericExtensionHeader) {
  for (std::uint8_t t : {0, 43, 60, 135, 139, 140}) {
    const Bytes f = PacketBuilder().eth().ipv6("::1", "::2").ext6(t, 24).tcp(22, 2222).build();
    const Decoded d = decode_bytes(f);
    EXPECT_EQ(d.e, DecodeError::none) << int(t);
    EXPECT_TRUE(d.m.has(kMetaIpOptions)) << int(t);
    EXPECT_EQ(d.m.ip_proto, 6) << int(t);
    EXPECT_EQ(d.m.l4_off, 14 + 40 + 24) << int(t);
    EXPECT_EQ(d.m.sport, 22) << int(t);
  }
}

TEST(DecoderIpv6, AuthHeaderLengthIsInFourOctetUnits) {
  // 20 bytes: length byte 3. Read as 8-octet units it would skip 32 bytes and miss TCP.
  const Bytes f = PacketBuilder().eth().ipv6("::1", "::2").ah6(20).tcp(1234, 80).build();
  const Decoded d = decode_bytes(f);
  EXPECT_EQ(d.e, DecodeError::none);
  EXPECT_EQ(d.m.l4_off, 14 + 40 + 20);
  EXPECT_EQ(d.m.sport, 1234);
  EXPECT_EQ(d.m.dport, 80);
}

TEST(DecoderIpv6, TwoExtHeadersThenUdp) {
  const Bytes f = PacketBuilder().eth().ipv6("::1", "::2").ext6(0, 8).ext6(60, 16).udp(10, 20).payload(5).build();
  const Decoded d = decode_bytes(f);
  EXPECT_EQ(d.e, DecodeError::none);
  EXPECT_EQ(d.m.l4_off, 14 + 40 + 24);
  EXPECT_EQ(d.m.l4_payload_len, 5u);
}

TEST(DecoderIpv6, EspAndNoNextStopWithoutL4) {
  for (std::uint8_t nh : {50, 59}) {
    Bytes f = PacketBuilder().eth().ipv6("::1", "::2").ext6(0, 8).raw(Bytes(24, 0x11), nh).build();
    const Decoded d = decode_bytes(f);
    EXPECT_EQ(d.e, DecodeError::none) << int(nh);
    EXPECT_EQ(d.m.ip_proto, nh);
    EXPECT_FALSE(d.m.has(kMetaHasL4));
    EXPECT_EQ(d.st.other_l4, 1u);
  }
}

TEST(DecoderIpv6, FirstFragmentHasPorts) {
  const Bytes f = PacketBuilder().eth().ipv6("::1", "::2").frag6(0, true, 0x1234567).udp(4000, 4001).payload(100).build();
  const Decoded d = decode_bytes(f);
  EXPECT_EQ(d.e, DecodeError::none);
  EXPECT_TRUE(d.m.has(kMetaIsFragment));
  EXPECT_TRUE(d.m.has(kMetaFirstFragment));
  EXPECT_EQ(d.m.frag_id, 0x1234567u);
  EXPECT_TRUE(d.m.has(kMetaMoreFragments));
  EXPECT_EQ(d.m.sport, 4000);
  EXPECT_EQ(d.st.fragments, 1u);
}

TEST(DecoderIpv6, LaterFragmentHasNoPorts) {
  const Bytes f = PacketBuilder().eth().ipv6("::1", "::2").ext6(0, 8).frag6(1232, false).raw(Bytes(40, 0), 6).build();
  const Decoded d = decode_bytes(f);
  EXPECT_EQ(d.e, DecodeError::none);
  EXPECT_TRUE(d.m.has(kMetaIsFragment));
  EXPECT_FALSE(d.m.has(kMetaFirstFragment));
  EXPECT_FALSE(d.m.has(kMetaHasL4));
  EXPECT_EQ(d.m.ip_proto, 6);
  EXPECT_EQ(d.m.frag_offset, 1232);
  EXPECT_FALSE(d.m.has(kMetaMoreFragments));  // the last fragment
  EXPECT_EQ(d.m.payload_off, 14 + 40 + 16);
  EXPECT_EQ(d.m.l4_payload_len, 40u);
  EXPECT_EQ(d.st.tcp, 0u);
}

TEST(DecoderIpv6, ExtHeaderLimit) {
  PacketBuilder ok;
  ok.eth().ipv6("::1", "::2");
  for (int i = 0; i < kMaxIpv6ExtHeaders; ++i) ok.ext6(60);
  EXPECT_EQ(decode_bytes(ok.udp(1, 2).build()).e, DecodeError::none);

  PacketBuilder bad;
  bad.eth().ipv6("::1", "::2");
  for (int i = 0; i <= kMaxIpv6ExtHeaders; ++i) bad.ext6(60);
  const Decoded d = decode_bytes(bad.udp(1, 2).build());
  EXPECT_EQ(d.e, DecodeError::too_many_ext_headers);
  EXPECT_TRUE(d.m.has(kMetaHasL3));  // addresses survive
  EXPECT_EQ(d.m.src, addr("::1"));
}

TEST(DecoderIpv6, ExtChainRunningPastTheEnd) {
  // A hop-by-hop header announcing 2048 bytes in a 100-byte packet.
  Bytes f = PacketBuilder().eth().ipv6("::1", "::2").ext6(0, 8).udp(1, 2).payload(40).build();
  f[14 + 40 + 1] = 255;
  Decoded d = decode_bytes(f);
  EXPECT_EQ(d.e, DecodeError::truncated_ext_header);
  EXPECT_EQ(d.m.src, addr("::1"));
  EXPECT_FALSE(d.m.has(kMetaHasL4));

  // The chain also may not run past the IPv6 payload length into the frame's trailer.
  Bytes g = PacketBuilder().eth().ipv6("::1", "::2").ext6(0, 8).ext6(60, 8).build();
  g[14 + 4] = 0;
  g[14 + 5] = 12;  // payload length covers the first header and half the second
  g.resize(g.size() + 16, 0);
  EXPECT_EQ(decode_bytes(g).e, DecodeError::truncated_ext_header);
}

}  // namespace
}  // namespace riptide::test
