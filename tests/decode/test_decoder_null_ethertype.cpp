// Link-layer oddities of real files: DLT_NULL headers that carry an ethertype instead of an
// address family, and raw IP stored under DLT_RAW's platform value 12.
#include <gtest/gtest.h>

#include "decode/decode_test_util.hpp"

namespace riptide::test {
namespace {

Bytes with_null_header(std::initializer_list<std::uint8_t> hdr, PacketBuilder body) {
  Bytes b(hdr);
  const Bytes rest = body.build();
  b.insert(b.end(), rest.begin(), rest.end());
  return b;
}

// The header of the DNS reply in the corpus' NullLoopback.pcap: "0f 00 08 00".
TEST(DecoderNullEthertype, EthertypeInTheLowBytesIsDecodedAsIp) {
  const Bytes f = with_null_header({0x0f, 0x00, 0x08, 0x00},
                                   PacketBuilder().ipv4("10.0.0.138", "10.0.0.1").udp(53, 58125).payload(10));
  const Decoded d = decode_bytes(f, LinkType::null_bsd);
  EXPECT_EQ(d.e, DecodeError::none) << to_string(d.e);
  ASSERT_TRUE(d.m.has(kMetaHasL3));
  EXPECT_EQ(d.m.l3_off, 4);
  EXPECT_EQ(d.m.ethertype, 0x0800);
  EXPECT_EQ(d.m.src, addr("10.0.0.138"));
  EXPECT_EQ(d.m.sport, 53);
  EXPECT_EQ(d.m.dport, 58125);
  EXPECT_EQ(d.st.other_l3, 0u);
}

TEST(DecoderNullEthertype, Ipv6AndArpEthertypes) {
  const Decoded d6 = decode_bytes(with_null_header({0x00, 0x00, 0x86, 0xdd}, PacketBuilder().ipv6("::1", "::2").tcp(1, 2)),
                                  LinkType::null_bsd);
  EXPECT_EQ(d6.e, DecodeError::none);
  EXPECT_EQ(d6.m.ip_version, 6);
  EXPECT_EQ(d6.m.sport, 1);
  // An unknown ethertype is a valid frame without L3, like on Ethernet.
  const Decoded dx = decode_bytes(with_null_header({0x00, 0x00, 0x88, 0xb5}, PacketBuilder().payload(20)), LinkType::null_bsd);
  EXPECT_EQ(dx.e, DecodeError::none);
  EXPECT_FALSE(dx.m.has(kMetaHasL3));
  EXPECT_EQ(dx.st.other_l3, 1u);
}

TEST(DecoderNullEthertype, SmallValuesStayFamilies) {
  // 1500 is the largest 802.3 length: still read as a (unknown) family, not an ethertype.
  const Decoded d = decode_bytes(PacketBuilder().null_bsd(1500).payload(20).build(), LinkType::null_bsd);
  EXPECT_FALSE(d.m.has(kMetaHasL3));
  EXPECT_EQ(d.st.other_l3, 1u);
  const Decoded d4 = decode_bytes(PacketBuilder().null_bsd(2).ipv4("1.1.1.1", "2.2.2.2").udp(1, 2).build(), LinkType::null_bsd);
  EXPECT_EQ(d4.m.ip_version, 4);
}

// The corpus' four_ipv6_http_streams.pcap has link type 12.
TEST(DecoderNullEthertype, DltRawValue12IsRawIp) {
  const Bytes f6 = PacketBuilder().ipv6("2001:db8::1", "2001:db8::2").tcp(35995, 80).build();
  const Decoded d6 = decode_bytes(f6, static_cast<LinkType>(12));
  EXPECT_EQ(d6.e, DecodeError::none) << to_string(d6.e);
  EXPECT_EQ(d6.m.ip_version, 6);
  EXPECT_EQ(d6.m.l3_off, 0);
  EXPECT_EQ(d6.m.sport, 35995);
  const Decoded d4 = decode_bytes(PacketBuilder().ipv4("1.1.1.1", "2.2.2.2").udp(1, 2).build(), static_cast<LinkType>(12));
  EXPECT_EQ(d4.m.ip_version, 4);
  EXPECT_EQ(d4.m.dport, 2);
  // Other unknown values stay unsupported.
  EXPECT_EQ(decode_bytes(f6, static_cast<LinkType>(13)).e, DecodeError::unsupported_link);
}

}  // namespace
}  // namespace riptide::test
