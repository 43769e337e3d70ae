// Transport headers: TCP flags and data offset, UDP lengths, ICMP and ICMPv6 type/code.
#include <gtest/gtest.h>

#include "decode/decode_test_util.hpp"

namespace riptide::test {
namespace {

TEST(DecoderL4, TcpFlagsAndDataOffset) {
  const Bytes f = PacketBuilder()
                      .eth()
                      .ipv4("10.0.0.1", "10.0.0.2")
                      .tcp(51000, 80, kTcpSyn | kTcpAck | 0x80, 12)
                      .payload(7)
                      .build();
  const Decoded d = decode_bytes(f);
  EXPECT_EQ(d.e, DecodeError::none);
  EXPECT_EQ(d.m.tcp_flags, kTcpSyn | kTcpAck | 0x80);
  EXPECT_EQ(d.m.l4_off, 34);
  EXPECT_EQ(d.m.payload_off, 34 + 32);
  EXPECT_EQ(d.m.l4_payload_len, 7u);
  EXPECT_EQ(d.m.sport, 51000);
  EXPECT_EQ(d.m.dport, 80);
  EXPECT_EQ(d.st.tcp, 1u);
}

TEST(DecoderL4, TcpOverIpv6) {
  const Bytes f = PacketBuilder().eth().ipv6("2001:db8::a", "2001:db8::b").tcp(443, 60000, kTcpFin | kTcpAck).build();
  const Decoded d = decode_bytes(f);
  EXPECT_EQ(d.e, DecodeError::none);
  EXPECT_EQ(d.m.tcp_flags, kTcpFin | kTcpAck);
  EXPECT_EQ(d.m.sport, 443);
  EXPECT_EQ(d.m.l4_payload_len, 0u);
}

TEST(DecoderL4, UdpPayloadLengthFromUdpHeader) {
  const Bytes f = PacketBuilder().eth().ipv4("10.0.0.1", "10.0.0.2").udp(123, 123).payload(48).build();
  const Decoded d = decode_bytes(f);
  EXPECT_EQ(d.m.l4_payload_len, 48u);
  EXPECT_EQ(d.m.payload_off, 42);
}

TEST(DecoderL4, IcmpTypeAndCodeInPorts) {
  const Bytes f = PacketBuilder().eth().ipv4("10.0.0.1", "10.0.0.2").icmp(3, 13).payload(28).build();
  const Decoded d = decode_bytes(f);
  EXPECT_EQ(d.e, DecodeError::none);
  EXPECT_EQ(d.m.ip_proto, 1);
  EXPECT_EQ(d.m.sport, 3);
  EXPECT_EQ(d.m.dport, 13);
  EXPECT_TRUE(d.m.has(kMetaHasL4));
  EXPECT_EQ(d.m.l4_payload_len, 28u);
  EXPECT_EQ(d.st.icmp, 1u);
}

TEST(DecoderL4, Icmpv6TypeAndCodeInPorts) {
  const Bytes f = PacketBuilder().eth().ipv6("fe80::1", "ff02::2").ext6(0).icmpv6(143, 0).payload(20).build();
  const Decoded d = decode_bytes(f);
  EXPECT_EQ(d.e, DecodeError::none);
  EXPECT_EQ(d.m.ip_proto, 58);
  EXPECT_EQ(d.m.sport, 143);
  EXPECT_EQ(d.m.dport, 0);
  EXPECT_EQ(d.st.icmpv6, 1u);
}

TEST(DecoderL4, EchoRequestV6) {
  const Bytes f = PacketBuilder().eth().ipv6("::1", "::2").icmpv6(128, 0).payload(56).build();
  const Decoded d = decode_bytes(f);
  EXPECT_EQ(d.m.sport, 128);
  EXPECT_EQ(d.m.l4_payload_len, 56u);
}

}  // namespace
}  // namespace riptide::test
