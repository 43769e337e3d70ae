// IpAddr's member helpers, as an analyzer uses them on meta.src.
#include <gtest/gtest.h>

#include "riptide/decode/ip_addr.hpp"

namespace riptide {
namespace {

TEST(IpAddrHelpers, V4AndV6) {
  const std::uint8_t four[4] = {192, 0, 2, 7};
  const IpAddr a = IpAddr::from_v4(four);
  EXPECT_TRUE(a.is_v4());
  EXPECT_EQ(a.v4(), (std::array<std::uint8_t, 4>{192, 0, 2, 7}));
  EXPECT_EQ(a.to_string(), "192.0.2.7");
  std::uint8_t six[16] = {0x20, 0x01, 0x0d, 0xb8};
  six[15] = 1;
  const IpAddr b = IpAddr::from_v6(six);
  EXPECT_FALSE(b.is_v4());
  EXPECT_EQ(b.to_string(), "2001:db8::1");
}

}  // namespace
}  // namespace riptide
