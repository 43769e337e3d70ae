#include <gtest/gtest.h>

#include <arpa/inet.h>

#include <string>

#include "riptide/decode/ip_addr.hpp"

namespace riptide {
namespace {

IpAddr parse6(const char* text) {
  IpAddr a;
  EXPECT_EQ(::inet_pton(AF_INET6, text, a.b.data()), 1) << text;
  return a;
}

TEST(IpAddr, V4TextAndAccessors) {
  const std::uint8_t raw[4] = {192, 0, 2, 1};
  const IpAddr a = IpAddr::from_v4(raw);
  EXPECT_TRUE(is_v4(a));
  EXPECT_EQ(v4(a), (std::array<std::uint8_t, 4>{192, 0, 2, 1}));
  EXPECT_EQ(to_string(a), "192.0.2.1");
  for (const auto& q : {std::array<std::uint8_t, 4>{0, 0, 0, 0}, {255, 255, 255, 255}, {10, 9, 100, 99}}) {
    char want[INET_ADDRSTRLEN];
    ASSERT_NE(::inet_ntop(AF_INET, q.data(), want, sizeof want), nullptr);
    EXPECT_EQ(to_string(IpAddr::from_v4(q.data())), want);
  }
}

TEST(IpAddr, V4MappedIsShownAsV4) {
  // The decoder stores IPv4 as ::ffff:a.b.c.d: the same address typed as IPv6 prints the same.
  const IpAddr a = parse6("::ffff:198.51.100.7");
  EXPECT_TRUE(is_v4(a));
  EXPECT_EQ(to_string(a), "198.51.100.7");
}

TEST(IpAddr, ToCharsV6KeepsMappedFormAndMatchesInetNtop) {
  for (const char* text : {"::ffff:198.51.100.7", "::ffff:0.0.0.0", "2001:db8::1", "::"}) {
    const IpAddr a = parse6(text);
    char want[INET6_ADDRSTRLEN];
    ASSERT_NE(::inet_ntop(AF_INET6, a.b.data(), want, sizeof want), nullptr);
    char buf[kIpTextMax];
    EXPECT_EQ(to_chars_v6(a, buf), want) << text;
  }
  char buf[kIpTextMax];
  EXPECT_EQ(to_chars_v6(parse6("::ffff:198.51.100.7"), buf), "::ffff:198.51.100.7");
}

TEST(IpAddr, V6MatchesInetNtop) {
  for (const char* text : {"::", "::1", "2001:db8::1", "2001:db8:0:0:1:0:0:1", "fe80::1:2", "2001:db8:85a3::8a2e:370:7334",
                           "ff02::1:ff00:1", "1:2:3:4:5:6:7:8", "::ffff:0:1.2.3.4", "64:ff9b::c000:201", "::fffe:1.2.3.4"}) {
    const IpAddr a = parse6(text);
    EXPECT_FALSE(is_v4(a)) << text;
    char want[INET6_ADDRSTRLEN];
    ASSERT_NE(::inet_ntop(AF_INET6, a.b.data(), want, sizeof want), nullptr);
    EXPECT_EQ(to_string(a), want) << text;
    char buf[kIpTextMax];
    EXPECT_EQ(to_chars(a, buf), want);
  }
  EXPECT_EQ(to_string(parse6("2001:0db8:0000:0000:0000:0000:0000:0001")), "2001:db8::1");  // RFC 5952 compressed
}

TEST(IpAddr, LongestTextFits) {
  const IpAddr a = parse6("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
  char buf[kIpTextMax];
  EXPECT_EQ(to_chars(a, buf).size(), 39u);
}

}  // namespace
}  // namespace riptide
