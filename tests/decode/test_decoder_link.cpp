// Link layers: Ethernet, LLC, VLAN stacks, Linux cooked v1/v2, raw IP, loopback.
#include <gtest/gtest.h>

#include "decode/decode_test_util.hpp"

namespace riptide::test {
namespace {

Bytes udp_v4_after(PacketBuilder b) { return b.ipv4("10.1.2.3", "10.4.5.6").udp(5353, 53).payload(12).build(); }

void expect_udp_v4(const Decoded& d, std::uint16_t l3_off) {
  EXPECT_EQ(d.e, DecodeError::none) << to_string(d.e);
  EXPECT_EQ(d.m.l3_off, l3_off);
  EXPECT_EQ(d.m.l4_off, l3_off + 20);
  EXPECT_EQ(d.m.ip_version, 4);
  EXPECT_EQ(d.m.src, addr("10.1.2.3"));
  EXPECT_EQ(d.m.dst, addr("10.4.5.6"));
  EXPECT_EQ(d.m.ip_proto, 17);
  EXPECT_EQ(d.m.sport, 5353);
  EXPECT_EQ(d.m.dport, 53);
  EXPECT_EQ(d.m.l4_payload_len, 12u);
  EXPECT_TRUE(d.m.has(kMetaHasL3));
  EXPECT_TRUE(d.m.has(kMetaHasL4));
  EXPECT_EQ(d.st.udp, 1u);
  EXPECT_EQ(d.st.ipv4, 1u);
  EXPECT_EQ(d.st.decoded_ok, 1u);
}

TEST(DecoderLink, EthernetIpv4Udp) {
  const Bytes f = udp_v4_after(PacketBuilder().eth());
  const Decoded d = decode_bytes(f);
  expect_udp_v4(d, 14);
  EXPECT_EQ(d.m.ethertype, 0x0800);
  EXPECT_EQ(d.m.vlan_count, 0);
  EXPECT_EQ(d.m.payload_off, 14 + 28);
  EXPECT_EQ(d.m.ip_len, 20u + 8 + 12);
  EXPECT_EQ(d.st.bytes, f.size());
  EXPECT_FALSE(d.m.has(kMetaTruncated));
}

TEST(DecoderLink, EthernetPaddingIsNotParsed) {
  Bytes f = PacketBuilder().eth().ipv4("1.1.1.1", "2.2.2.2").udp(1, 2).build();
  f.resize(60, 0);  // minimum-size frame padding after a 28-byte datagram
  const Decoded d = decode_bytes(f);
  EXPECT_EQ(d.e, DecodeError::none);
  EXPECT_EQ(d.m.ip_len, 28u);
  EXPECT_EQ(d.m.l4_payload_len, 0u);
}

TEST(DecoderLink, Llc8023IsNotAnError) {
  const Bytes f = PacketBuilder().eth().llc(3 + 40).payload(40).build();
  const Decoded d = decode_bytes(f);
  EXPECT_EQ(d.e, DecodeError::none);
  EXPECT_FALSE(d.m.has(kMetaHasL3));
  EXPECT_EQ(d.m.ethertype, 0);
  EXPECT_EQ(d.m.l3_off, 0xffff);
  EXPECT_EQ(d.st.other_l3, 1u);
}

TEST(DecoderLink, LlcInsideVlan) {
  const Bytes f = PacketBuilder().eth().vlan(7).llc(43).payload(40).build();
  const Decoded d = decode_bytes(f);
  EXPECT_EQ(d.e, DecodeError::none);
  EXPECT_EQ(d.m.vlan_count, 1);
  EXPECT_EQ(d.m.vlan_ids[0], 7);
  EXPECT_EQ(d.st.other_l3, 1u);
}

TEST(DecoderLink, UnknownEthertypeCountsOtherL3) {
  const Bytes f = PacketBuilder().eth(0x88cc).payload(30).build();  // LLDP
  const Decoded d = decode_bytes(f);
  EXPECT_EQ(d.e, DecodeError::none);
  EXPECT_EQ(d.m.ethertype, 0x88cc);
  EXPECT_EQ(d.st.other_l3, 1u);
}

TEST(DecoderLink, Single8021Q) {
  const Decoded d = decode_bytes(udp_v4_after(PacketBuilder().eth().vlan(100, 0x8100, 5)));
  expect_udp_v4(d, 18);
  EXPECT_EQ(d.m.vlan_count, 1);
  EXPECT_EQ(d.m.vlan_ids[0], 100);
}

TEST(DecoderLink, QinQ88a8Then8100) {
  const Decoded d = decode_bytes(udp_v4_after(PacketBuilder().eth().vlan(300, 0x88a8).vlan(4095)));
  expect_udp_v4(d, 22);
  EXPECT_EQ(d.m.vlan_count, 2);
  EXPECT_EQ(d.m.vlan_ids[0], 300);
  EXPECT_EQ(d.m.vlan_ids[1], 4095);
}

TEST(DecoderLink, Legacy9100Stack) {
  const Decoded d = decode_bytes(udp_v4_after(PacketBuilder().eth().vlan(1, 0x9100).vlan(2, 0x9100).vlan(3)));
  expect_udp_v4(d, 26);
  EXPECT_EQ(d.m.vlan_count, 3);
  EXPECT_EQ(d.m.vlan_ids[0], 1);
  EXPECT_EQ(d.m.vlan_ids[1], 2);  // third kept only in the count
}

TEST(DecoderLink, MaxVlanWalkIsAccepted) {
  PacketBuilder b;
  b.eth();
  for (int i = 0; i < kMaxVlanWalk; ++i) b.vlan(static_cast<std::uint16_t>(i + 1));
  const Decoded d = decode_bytes(udp_v4_after(b));
  expect_udp_v4(d, static_cast<std::uint16_t>(14 + 4 * kMaxVlanWalk));
  EXPECT_EQ(d.m.vlan_count, kMaxVlanWalk);
}

TEST(DecoderLink, OneTagBeyondTheWalkIsTooMany) {
  PacketBuilder b;
  b.eth();
  for (int i = 0; i <= kMaxVlanWalk; ++i) b.vlan(static_cast<std::uint16_t>(i + 1));
  const Decoded d = decode_bytes(udp_v4_after(b));
  EXPECT_EQ(d.e, DecodeError::too_many_vlans);
  EXPECT_EQ(d.st.error_count(DecodeError::too_many_vlans), 1u);
  EXPECT_FALSE(d.m.has(kMetaHasL3));
}

TEST(DecoderLink, ThousandStackedTags) {
  PacketBuilder b;
  b.eth();
  for (int i = 0; i < 1000; ++i) b.vlan(static_cast<std::uint16_t>(i), i % 2 ? 0x8100 : 0x88a8);
  const Bytes f = udp_v4_after(b);
  const Decoded d = decode_bytes(f);
  EXPECT_EQ(d.e, DecodeError::too_many_vlans);
  EXPECT_EQ(d.m.vlan_count, kMaxVlanWalk);
  EXPECT_EQ(d.m.vlan_ids[0], 0);
  EXPECT_EQ(d.m.vlan_ids[1], 1);
  EXPECT_EQ(d.st.total_errors(), 1u);
}

TEST(DecoderLink, KernelStrippedTagIsOutermost) {
  const Bytes f = udp_v4_after(PacketBuilder().eth().vlan(20));
  PacketView v = view_of(f);
  v.vlan_tpid = 0x88a8;
  v.vlan_tci = 0xa00a;  // PCP 5, VID 10
  const Decoded d = decode_view(v);
  expect_udp_v4(d, 18);
  EXPECT_EQ(d.m.vlan_count, 2);
  EXPECT_EQ(d.m.vlan_ids[0], 10);
  EXPECT_EQ(d.m.vlan_ids[1], 20);
}

TEST(DecoderLink, KernelStrippedTagCountsTowardTheWalk) {
  PacketBuilder b;
  b.eth();
  for (int i = 0; i < kMaxVlanWalk; ++i) b.vlan(5);
  const Bytes f = udp_v4_after(b);
  PacketView v = view_of(f);
  EXPECT_EQ(decode_view(v).e, DecodeError::none);
  v.vlan_tpid = 0x8100;
  v.vlan_tci = 9;
  EXPECT_EQ(decode_view(v).e, DecodeError::too_many_vlans);
}

TEST(DecoderLink, Arp) {
  const Bytes f = PacketBuilder().eth().arp(1, "192.168.0.1", "192.168.0.254").build();
  const Decoded d = decode_bytes(f);
  EXPECT_EQ(d.e, DecodeError::none);
  EXPECT_TRUE(d.m.has(kMetaArp));
  EXPECT_FALSE(d.m.has(kMetaHasL3));
  EXPECT_EQ(d.m.ethertype, 0x0806);
  EXPECT_EQ(d.m.l3_off, 14);
  EXPECT_EQ(d.m.src, addr("192.168.0.1"));
  EXPECT_EQ(d.m.dst, addr("192.168.0.254"));
  EXPECT_EQ(d.st.arp, 1u);
}

TEST(DecoderLink, ArpInVlan) {
  const Decoded d = decode_bytes(PacketBuilder().eth().vlan(3).arp(2, "10.0.0.1", "10.0.0.2").build());
  EXPECT_EQ(d.e, DecodeError::none);
  EXPECT_TRUE(d.m.has(kMetaArp));
  EXPECT_EQ(d.m.l3_off, 18);
}

TEST(DecoderLink, LinuxSll) {
  const Decoded d = decode_bytes(udp_v4_after(PacketBuilder().sll()), LinkType::linux_sll);
  expect_udp_v4(d, 16);
}

TEST(DecoderLink, LinuxSllWithVlanProtocol) {
  const Decoded d = decode_bytes(udp_v4_after(PacketBuilder().sll().vlan(42)), LinkType::linux_sll);
  expect_udp_v4(d, 20);
  EXPECT_EQ(d.m.vlan_ids[0], 42);
}

TEST(DecoderLink, LinuxSllNetlinkHasNoL3) {
  // ARPHRD_NETLINK: the protocol field is a netlink family, 0x0800 must not be read as IPv4.
  const Bytes f = PacketBuilder().sll(0x0800, 824).payload(40).build();
  const Decoded d = decode_bytes(f, LinkType::linux_sll);
  EXPECT_EQ(d.e, DecodeError::none);
  EXPECT_FALSE(d.m.has(kMetaHasL3));
  EXPECT_EQ(d.st.other_l3, 1u);
}

TEST(DecoderLink, LinuxSll2) {
  const Decoded d = decode_bytes(udp_v4_after(PacketBuilder().sll2()), LinkType::linux_sll2);
  expect_udp_v4(d, 20);
}

TEST(DecoderLink, LinuxSll2Ipv6) {
  const Bytes f = PacketBuilder().sll2().ipv6("fe80::1", "ff02::1").icmpv6(135, 0).build();
  const Decoded d = decode_bytes(f, LinkType::linux_sll2);
  EXPECT_EQ(d.e, DecodeError::none);
  EXPECT_EQ(d.m.ip_version, 6);
  EXPECT_EQ(d.m.sport, 135);
}

TEST(DecoderLink, RawPicksVersionFromNibble) {
  const Decoded d4 = decode_bytes(udp_v4_after(PacketBuilder()), LinkType::raw);
  expect_udp_v4(d4, 0);
  const Bytes f6 = PacketBuilder().ipv6("2001:db8::1", "2001:db8::2").tcp(1, 2).build();
  const Decoded d6 = decode_bytes(f6, LinkType::raw);
  EXPECT_EQ(d6.e, DecodeError::none);
  EXPECT_EQ(d6.m.ip_version, 6);
  EXPECT_EQ(d6.m.ethertype, 0x86dd);
}

TEST(DecoderLink, RawWithBadNibble) {
  const Bytes f{0x50, 0, 0, 0};
  EXPECT_EQ(decode_bytes(f, LinkType::raw).e, DecodeError::bad_ipv4_version);
}

TEST(DecoderLink, Ipv4AndIpv6LinkTypes) {
  expect_udp_v4(decode_bytes(udp_v4_after(PacketBuilder()), LinkType::ipv4), 0);
  const Bytes f6 = PacketBuilder().ipv6("::1", "::2").udp(7, 8).build();
  const Decoded d6 = decode_bytes(f6, LinkType::ipv6);
  EXPECT_EQ(d6.e, DecodeError::none);
  EXPECT_EQ(d6.m.sport, 7);
  // The link type announces the version: a mismatch is an error, not a guess.
  EXPECT_EQ(decode_bytes(f6, LinkType::ipv4).e, DecodeError::bad_ipv4_version);
  EXPECT_EQ(decode_bytes(udp_v4_after(PacketBuilder()), LinkType::ipv6).e, DecodeError::bad_ipv6_version);
}

TEST(DecoderLink, NullBsdHostOrderBothEndians) {
  expect_udp_v4(decode_bytes(udp_v4_after(PacketBuilder().null_bsd(2)), LinkType::null_bsd), 4);
  // A capture written on a host of the other byte order.
  expect_udp_v4(decode_bytes(udp_v4_after(PacketBuilder().null_bsd(__builtin_bswap32(2))), LinkType::null_bsd), 4);
  for (std::uint32_t af : {24u, 28u, 30u}) {
    const Bytes f = PacketBuilder().null_bsd(af).ipv6("::1", "::1").tcp(80, 81).build();
    const Decoded d = decode_bytes(f, LinkType::null_bsd);
    EXPECT_EQ(d.e, DecodeError::none) << af;
    EXPECT_EQ(d.m.ip_version, 6) << af;
    EXPECT_EQ(d.m.l3_off, 4) << af;
  }
}

TEST(DecoderLink, NullBsdUnknownFamily) {
  const Decoded d = decode_bytes(PacketBuilder().null_bsd(7).payload(20).build(), LinkType::null_bsd);
  EXPECT_EQ(d.e, DecodeError::none);
  EXPECT_FALSE(d.m.has(kMetaHasL3));
  EXPECT_EQ(d.st.other_l3, 1u);
}

TEST(DecoderLink, LoopIsNetworkOrder) {
  expect_udp_v4(decode_bytes(udp_v4_after(PacketBuilder().loop(2)), LinkType::loop), 4);
  const Bytes f = PacketBuilder().loop(24).ipv6("::1", "::1").udp(1, 2).build();
  EXPECT_EQ(decode_bytes(f, LinkType::loop).m.ip_version, 6);
  // Host order in a network-order link is a different family: no L3.
  const Decoded d = decode_bytes(udp_v4_after(PacketBuilder().null_bsd(2)), LinkType::loop);
  EXPECT_FALSE(d.m.has(kMetaHasL3));
}

TEST(DecoderLink, UnsupportedLink) {
  const Bytes f = udp_v4_after(PacketBuilder().eth());
  const Decoded d = decode_bytes(f, static_cast<LinkType>(127));  // radiotap
  EXPECT_EQ(d.e, DecodeError::unsupported_link);
  EXPECT_EQ(d.st.error_count(DecodeError::unsupported_link), 1u);
  EXPECT_EQ(d.st.bytes, f.size());
}

}  // namespace
}  // namespace riptide::test
