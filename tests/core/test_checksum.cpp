#include <gtest/gtest.h>

#include <array>
#include <vector>

#include "riptide/core/byte_order.hpp"
#include "riptide/core/checksum.hpp"

namespace riptide {
namespace {

TEST(Checksum, Rfc1071Example) {
  // RFC 1071 section 3: the words 0001 f203 f4f5 f6f7 sum to ddf2 (after the end-around carry).
  const std::uint8_t b[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
  EXPECT_EQ(checksum_add(0, b), 0xddf2u);
  EXPECT_EQ(internet_checksum(b), 0x220d);
}

// A captured IPv4 header (UDP, 192.168.0.1 -> 192.168.0.199), checksum b861 as sent.
constexpr std::array<std::uint8_t, 20> kIpv4 = {0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
                                                0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};

TEST(Checksum, Ipv4HeaderFromACapture) {
  static_assert(internet_checksum(kIpv4) == 0);  // a correct header sums to zero
  auto h = kIpv4;
  store_be16(h.data() + 10, 0);
  EXPECT_EQ(internet_checksum(h), 0xb861);
  h[8] = 0x3f;  // TTL decremented: the checksum must change
  EXPECT_NE(internet_checksum(h), 0xb861);
}

TEST(Checksum, IncrementalEqualsWhole) {
  auto h = kIpv4;
  store_be16(h.data() + 2, 0);   // total length
  store_be16(h.data() + 10, 0);  // checksum
  const std::uint32_t fixed = checksum_add(0, h);
  EXPECT_EQ(checksum_fold(fixed + 0x73), 0xb861);
  // Pieces of even length in any split give the same sum as the whole; an odd tail is padded.
  const std::uint8_t odd[] = {0x12, 0x34, 0x56};
  std::vector<std::uint8_t> all(kIpv4.begin(), kIpv4.end());
  all.insert(all.end(), std::begin(odd), std::end(odd));
  EXPECT_EQ(checksum_fold(checksum_add(checksum_add(0, kIpv4), odd)), internet_checksum(all));
  EXPECT_EQ(checksum_add(0, odd), 0x1234u + 0x5600u);
}

TEST(Checksum, CarriesFoldRepeatedly) {
  // 0xffff words: every addition carries; the sum stays 0xffff and the checksum 0.
  const std::vector<std::uint8_t> ones(4096, 0xff);
  EXPECT_EQ(checksum_add(0, ones), 0xffffu);
  EXPECT_EQ(internet_checksum(ones), 0);
  EXPECT_EQ(checksum_fold(0x0001ffffu), static_cast<std::uint16_t>(~0x0001u));  // 1ffff -> 10000 -> 0001
  EXPECT_EQ(internet_checksum({}), 0xffff);
}

TEST(ByteOrder, BigEndianAndSwappedLoadsAndStores) {
  std::uint8_t buf[17] = {};
  store_be16(buf + 1, 0x1234);  // odd address: unaligned on purpose
  store_be32(buf + 3, 0xa1b2c3d4);
  store_be64(buf + 7, 0x0102030405060708ull);
  const std::uint8_t want[] = {0x00, 0x12, 0x34, 0xa1, 0xb2, 0xc3, 0xd4, 1, 2, 3, 4, 5, 6, 7, 8};
  EXPECT_EQ(0, std::memcmp(buf, want, sizeof want));
  EXPECT_EQ(load_be16(buf + 1), 0x1234);
  EXPECT_EQ(load_be32(buf + 3), 0xa1b2c3d4u);
  EXPECT_EQ(load_be64(buf + 7), 0x0102030405060708ull);
  const std::uint32_t native = load_native<std::uint32_t>(buf + 3);
  EXPECT_EQ(load_swapped<std::uint32_t>(buf + 3, false), native);
  EXPECT_EQ(load_swapped<std::uint32_t>(buf + 3, true), byteswap(native));
  store_native<std::uint16_t>(buf, 0xbeef);
  EXPECT_EQ(load_native<std::uint16_t>(buf), 0xbeef);
  static_assert(byteswap<std::uint16_t>(0x1234) == 0x3412);
  static_assert(byteswap<std::uint64_t>(0x0102030405060708ull) == 0x0807060504030201ull);
}

}  // namespace
}  // namespace riptide
