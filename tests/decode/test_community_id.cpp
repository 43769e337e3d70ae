// Community ID v1 against values Wireshark 4.0 computes for the same tuples (seed 0), and
// SHA-1 against the FIPS 180-4 examples.
#include <gtest/gtest.h>

#include <arpa/inet.h>

#include <string>

#include "../../src/decode/sha1.hpp"
#include "riptide/decode/community_id.hpp"

namespace {

using riptide::IpAddr;

IpAddr v4(const char* s) {
  std::uint8_t b[4];
  EXPECT_EQ(inet_pton(AF_INET, s, b), 1);
  return IpAddr::from_v4(b);
}
IpAddr v6(const char* s) {
  std::uint8_t b[16];
  EXPECT_EQ(inet_pton(AF_INET6, s, b), 1);
  return IpAddr::from_v6(b);
}

std::string cid(const IpAddr& s, int sp, const IpAddr& d, int dp, int ver, int proto) {
  char buf[riptide::kCommunityIdLen];
  return std::string(riptide::community_id(s, static_cast<std::uint16_t>(sp), d, static_cast<std::uint16_t>(dp),
                                           static_cast<std::uint8_t>(ver), static_cast<std::uint8_t>(proto), buf));
}

std::string hex(const std::array<std::uint8_t, 20>& d) {
  std::string s;
  char tmp[3];
  for (auto b : d) snprintf(tmp, sizeof tmp, "%02x", b), s += tmp;
  return s;
}

TEST(Sha1, FipsExamples) {
  const std::string abc = "abc";
  EXPECT_EQ(hex(riptide::decode_detail::sha1(reinterpret_cast<const std::uint8_t*>(abc.data()), abc.size())),
            "a9993e364706816aba3e25717850c26c9cd0d89d");
  const std::string two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";  // 56 bytes: a second padding block
  EXPECT_EQ(hex(riptide::decode_detail::sha1(reinterpret_cast<const std::uint8_t*>(two.data()), two.size())),
            "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
  EXPECT_EQ(hex(riptide::decode_detail::sha1(nullptr, 0)), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
}

TEST(CommunityId, TcpAndUdpBothDirections) {
  EXPECT_EQ(cid(v4("128.232.110.120"), 34855, v4("66.35.250.204"), 80, 4, 6), "1:LQU9qZlK+B5F3KDmev6m5PMibrg=");
  EXPECT_EQ(cid(v4("66.35.250.204"), 80, v4("128.232.110.120"), 34855, 4, 6), "1:LQU9qZlK+B5F3KDmev6m5PMibrg=");
  EXPECT_EQ(cid(v4("192.168.1.52"), 54585, v4("8.8.8.8"), 53, 4, 17), "1:d/FP5EW3wiY1vCndhwleRRKHowQ=");
  EXPECT_EQ(cid(v4("192.168.170.8"), 7, v4("192.168.170.56"), 7, 4, 132), "1:MP2EtRCAUIZvTw6MxJHLV7N7JDs=");
}

TEST(CommunityId, IcmpPairsRequestAndReply) {
  EXPECT_EQ(cid(v4("192.168.0.89"), 8, v4("192.168.0.1"), 0, 4, 1), "1:X0snYXpgwiv9TZtqg64sgzUn6Dk=");
  EXPECT_EQ(cid(v4("192.168.0.1"), 0, v4("192.168.0.89"), 0, 4, 1), "1:X0snYXpgwiv9TZtqg64sgzUn6Dk=");
  // Unreachable has no counterpart: one-way, the code is hashed.
  EXPECT_EQ(cid(v4("10.0.0.9"), 3, v4("10.0.0.2"), 1, 4, 1), "1:faUfuSN4GO2O3g5aLrre+YxnqiI=");
  EXPECT_EQ(cid(v6("fe80::200:86ff:fe05:80da"), 135, v6("fe80::260:97ff:fe07:69ea"), 0, 6, 58),
            "1:dGHyGvjMfljg6Bppwm3bg0LO8TY=");
}

TEST(CommunityId, PortlessProtocolHashesAddressesOnly) {
  EXPECT_EQ(cid(v4("10.0.0.1"), 0, v4("10.0.0.2"), 0, 4, 47), "1:+KlEHDT0vJgzs/eNmzHq0aSpRYw=");
  EXPECT_EQ(cid(v4("10.0.0.1"), 99, v4("10.0.0.2"), 7, 4, 47), "1:+KlEHDT0vJgzs/eNmzHq0aSpRYw=");
}

}  // namespace
