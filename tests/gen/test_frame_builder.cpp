#include <gtest/gtest.h>

#include <set>
#include <vector>

#include "riptide/gen/frame_builder.hpp"

namespace riptide::gen {
namespace {

// Independent one's-complement sum, word by word, for checking the builder's checksums.
std::uint16_t ref_sum(const std::vector<std::uint8_t>& words_be) {
  std::uint32_t s = 0;
  for (std::size_t i = 0; i + 1 < words_be.size(); i += 2) s += std::uint32_t(words_be[i]) << 8 | words_be[i + 1];
  if (words_be.size() % 2) s += std::uint32_t(words_be.back()) << 8;
  while (s >> 16) s = (s & 0xffff) + (s >> 16);
  return std::uint16_t(s);
}

TEST(FrameBuilder, Ipv4BytesMatchHandDecodedHeader) {
  FrameSpec spec;
  spec.flows = 3;
  auto b = FrameBuilder::create(spec);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->header_len(), 42u);
  std::vector<std::uint8_t> f(100, 0);
  ASSERT_EQ(b->write(2, 0x0102030405060708ull, 0x1122334455667788ll, 100, f), 100u);
  const std::uint8_t expect_hdr[42] = {
      0x02, 0x52, 0x54, 0x00, 0x00, 0x02,  // dst MAC
      0x02, 0x52, 0x54, 0x00, 0x00, 0x01,  // src MAC
      0x08, 0x00,                          // IPv4
      0x45, 0x00, 0x00, 86,                // v4 ihl 5, total length 100 - 14
      0x00, 0x00, 0x40, 0x00,              // id 0, DF
      64, 17, 0x00, 0x00,                  // ttl, UDP, checksum (checked below)
      198, 18, 0, 1,                       // src (flow 2 only changes the port)
      198, 19, 0, 1,                       // dst
      0x04, 0x02,                          // src port 1024 + 2
      0x00, 0x09,                          // dst port 9
      0x00, 66,                            // UDP length 86 - 20
      0x00, 0x00,                          // UDP checksum: not computed (IPv4)
  };
  for (std::size_t i = 0; i < 42; ++i) {
    if (i == 24 || i == 25) continue;
    EXPECT_EQ(f[i], expect_hdr[i]) << "byte " << i;
  }
  // Checksum: sum of the header with the checksum field zero, complemented.
  std::vector<std::uint8_t> ip(f.begin() + 14, f.begin() + 34);
  const std::uint16_t stored = std::uint16_t(ip[10] << 8 | ip[11]);
  ip[10] = ip[11] = 0;
  EXPECT_EQ(stored, std::uint16_t(~ref_sum(ip)));
  EXPECT_EQ(ipv4_header_checksum({f.data() + 14, 20}), 0);
  // Payload header, little-endian.
  const std::uint8_t expect_pl[24] = {'R', 'T', 'G', 'N', 2, 0, 0, 0, 8, 7, 6, 5, 4, 3, 2, 1,
                                      0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11};
  for (std::size_t i = 0; i < 24; ++i) EXPECT_EQ(f[42 + i], expect_pl[i]) << "payload byte " << i;
  for (std::size_t i = 66; i < 100; ++i) EXPECT_EQ(f[i], 0) << i;
}

TEST(FrameBuilder, Ipv4ChecksumValidForEverySizeAndFlow) {
  FrameSpec spec;
  spec.flows = 70000;  // crosses the port range: source address changes too
  auto b = FrameBuilder::create(spec);
  ASSERT_TRUE(b.ok());
  for (std::uint32_t size : {60u, 61u, 64u, 200u, 1514u, 9000u})
    for (std::uint32_t flow : {0u, 1u, 64511u, 64512u, 69999u}) {
      std::vector<std::uint8_t> f(size, 0);
      ASSERT_EQ(b->write(flow, flow * 7, 42, size, f), size);
      EXPECT_EQ(ipv4_header_checksum({f.data() + 14, 20}), 0) << size << " " << flow;
      EXPECT_EQ(f[16] << 8 | f[17], int(size - 14));
    }
}

TEST(FrameBuilder, Ipv6UdpChecksumValid) {
  FrameSpec spec;
  spec.ipv6 = true;
  spec.flows = 70000;
  auto b = FrameBuilder::create(spec);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->header_len(), 62u);
  EXPECT_EQ(b->min_frame(), 78u);
  for (std::uint32_t size : {78u, 85u, 86u, 87u, 200u, 1514u})
    for (std::uint32_t flow : {0u, 5u, 64512u, 69999u})
      for (std::uint64_t seq : {0ull, 1ull, 0xffffffffffffull}) {
        std::vector<std::uint8_t> f(size, 0);
        ASSERT_EQ(b->write(flow, seq, -5, size, f), size);
        std::span<const std::uint8_t> ip6(f.data() + 14, size - 14);
        EXPECT_EQ(udp6_checksum(ip6), 0) << size << " " << flow << " " << seq;
        // Reference: pseudo header + UDP segment summed independently.
        std::vector<std::uint8_t> ps(ip6.begin() + 8, ip6.begin() + 40);
        const std::uint32_t ulen = size - 54;
        for (std::uint8_t x : {std::uint8_t(0), std::uint8_t(0), std::uint8_t(ulen >> 8), std::uint8_t(ulen),
                               std::uint8_t(0), std::uint8_t(0), std::uint8_t(0), std::uint8_t(17)})
          ps.push_back(x);
        ps.insert(ps.end(), ip6.begin() + 40, ip6.end());
        EXPECT_EQ(ref_sum(ps), 0xffff);
        EXPECT_NE(f[14 + 40 + 6] << 8 | f[14 + 40 + 7], 0);
      }
}

TEST(FrameBuilder, VlanTag) {
  FrameSpec spec;
  spec.vlan = 0x123;
  auto b = FrameBuilder::create(spec);
  ASSERT_TRUE(b.ok());
  std::vector<std::uint8_t> f(64, 0);
  ASSERT_EQ(b->write(0, 0, 0, 64, f), 64u);
  EXPECT_EQ(f[12], 0x81);
  EXPECT_EQ(f[13], 0x00);
  EXPECT_EQ(f[14], 0x01);
  EXPECT_EQ(f[15], 0x23);
  EXPECT_EQ(f[16], 0x08);
  EXPECT_EQ(f[17], 0x00);
  EXPECT_EQ(ipv4_header_checksum({f.data() + 18, 20}), 0);
  EXPECT_EQ(f[20] << 8 | f[21], 64 - 18);
}

TEST(FrameBuilder, FlowsAreDistinct) {
  FrameSpec spec;
  spec.flows = 100000;
  auto b = FrameBuilder::create(spec);
  ASSERT_TRUE(b.ok());
  std::set<std::uint64_t> keys;
  std::vector<std::uint8_t> f(60, 0);
  for (std::uint32_t i = 0; i < spec.flows; ++i) {
    b->write(i, 0, 0, 60, f);
    std::uint64_t k = 0;
    for (int j = 26; j < 30; ++j) k = k << 8 | f[std::size_t(j)];  // src IP
    k = k << 16 | std::uint64_t(f[34] << 8 | f[35]);              // src port
    keys.insert(k);
  }
  EXPECT_EQ(keys.size(), spec.flows);
}

TEST(FrameBuilder, RejectsBadInput) {
  FrameSpec spec;
  spec.flows = 0;
  EXPECT_FALSE(FrameBuilder::create(spec).ok());
  spec.flows = 1;
  spec.vlan = 4095;
  EXPECT_FALSE(FrameBuilder::create(spec).ok());
  spec.vlan = -1;
  auto b = FrameBuilder::create(spec);
  ASSERT_TRUE(b.ok());
  std::vector<std::uint8_t> f(100, 0);
  EXPECT_EQ(b->write(0, 0, 0, 57, f), 0u);   // below 42 + 16
  EXPECT_EQ(b->write(1, 0, 0, 60, f), 0u);   // no flow 1
  EXPECT_EQ(b->write(0, 0, 0, 101, f), 0u);  // buffer too small
  EXPECT_EQ(b->write(0, 0, 0, 58, f), 58u);
}

}  // namespace
}  // namespace riptide::gen
