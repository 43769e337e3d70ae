// build_udp_frame and send_udp: frames the decoder reads back, with valid checksums.
#include <gtest/gtest.h>

#include "analyze/fake_context.hpp"
#include "riptide/core/checksum.hpp"
#include "riptide/decode/decoder.hpp"

namespace riptide {
namespace {

IpAddr ip4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) {
  const std::uint8_t x[4] = {a, b, c, d};
  return IpAddr::from_v4(x);
}
IpAddr ip6(std::uint8_t last) {
  std::uint8_t x[16] = {0x20, 0x01, 0x0d, 0xb8};
  x[15] = last;
  return IpAddr::from_v6(x);
}

// Over pseudo header and datagram, checksum included, the folded complement is 0 when right.
bool udp_checksum_ok(const std::uint8_t* ip, bool v4, const std::uint8_t* udp, std::size_t len) {
  std::uint32_t s = v4 ? checksum_add(0, {ip + 12, 8}) : checksum_add(0, {ip + 8, 32});
  s += 17 + static_cast<std::uint32_t>(len);
  return checksum_fold(checksum_add(s, {udp, len})) == 0;
}

PacketMeta decoded(std::span<const std::uint8_t> f) {
  PacketView v;
  v.data = f.data();
  v.caplen = v.wirelen = static_cast<std::uint32_t>(f.size());
  PacketMeta m;
  DecodeStats st;
  decode(v, m, st);
  return m;
}

TEST(UdpFrame, Ipv4WithVlanDecodesWithValidChecksums) {
  const UdpEndpoint src{{2, 0, 0, 0, 0, 1}, ip4(10, 0, 0, 1), 4000}, dst{{2, 0, 0, 0, 0, 2}, ip4(10, 0, 0, 2), 53};
  const std::uint8_t payload[5] = {'h', 'e', 'l', 'l', 'o'};
  std::array<std::uint8_t, 128> out{};
  const std::size_t n = build_udp_frame(src, dst, payload, out, {.vlan_id = 42});
  ASSERT_EQ(n, 18u + 20 + 8 + 5);
  const PacketMeta m = decoded({out.data(), n});
  EXPECT_EQ(m.error, DecodeError::none);
  EXPECT_EQ(m.ip_version, 4);
  EXPECT_EQ(m.vlan_ids[0], 42);
  EXPECT_EQ(m.src, src.ip);
  EXPECT_EQ(m.dst, dst.ip);
  EXPECT_EQ(m.sport, 4000);
  EXPECT_EQ(m.dport, 53);
  EXPECT_EQ(m.l4_payload_len, 5u);
  EXPECT_EQ(internet_checksum({out.data() + 18, 20}), 0);
  EXPECT_TRUE(udp_checksum_ok(out.data() + 18, true, out.data() + 38, 13));
}

TEST(UdpFrame, Ipv6DecodesWithValidChecksum) {
  const UdpEndpoint src{{2, 0, 0, 0, 0, 1}, ip6(1), 4000}, dst{{2, 0, 0, 0, 0, 2}, ip6(2), 9};
  std::vector<std::uint8_t> payload(100, 0xab);
  std::array<std::uint8_t, 256> out{};
  const std::size_t n = build_udp_frame(src, dst, payload, out);
  ASSERT_EQ(n, 14u + 40 + 8 + 100);
  const PacketMeta m = decoded({out.data(), n});
  EXPECT_EQ(m.ip_version, 6);
  EXPECT_EQ(m.dst, dst.ip);
  EXPECT_TRUE(udp_checksum_ok(out.data() + 14, false, out.data() + 54, 108));
}

TEST(UdpFrame, RefusesMixedFamiliesAndShortBuffers) {
  const UdpEndpoint a{{}, ip4(10, 0, 0, 1), 1}, b{{}, ip6(2), 2};
  std::array<std::uint8_t, 64> out{};
  EXPECT_EQ(build_udp_frame(a, b, {}, out), 0u);
  std::vector<std::uint8_t> big(100);
  EXPECT_EQ(build_udp_frame(a, a, big, out), 0u);
}

TEST(UdpFrame, SendUdpUsesTheInterfaceIdentity) {
  test::FakeContext ctx;
  const std::uint8_t payload[3] = {1, 2, 3};
  const UdpEndpoint dst{{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, ip4(192, 0, 2, 9), 7000};
  EXPECT_FALSE(ctx.send_udp(dst, 7001, payload));  // no IPv4 address: refused, counted
  EXPECT_EQ(ctx.sends_refused, 1u);
  ctx.iface.mac = {2, 9, 9, 9, 9, 9};
  ctx.iface.ipv4 = ip4(192, 0, 2, 1);
  ctx.iface.has_ipv4 = true;
  ASSERT_TRUE(ctx.send_udp(dst, 7001, payload));
  ASSERT_EQ(ctx.frames.size(), 1u);
  const auto& f = ctx.frames[0];
  EXPECT_EQ(f[6], 2);
  EXPECT_EQ(f[11], 9);
  const PacketMeta m = decoded(f);
  EXPECT_EQ(m.src, ctx.iface.ipv4);
  EXPECT_EQ(m.sport, 7001);
  EXPECT_EQ(m.dport, 7000);
}

}  // namespace
}  // namespace riptide
