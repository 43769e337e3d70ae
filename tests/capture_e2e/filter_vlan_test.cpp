// (c) The filter runs in the kernel: frames it rejects are never delivered to riptide.
// (d) An 802.1Q tag the kernel strips into packet metadata is still in every flow record.
#include <gtest/gtest.h>

#include <fstream>

#include "capture_e2e/e2e_session.hpp"

namespace riptide::e2e {
namespace {

std::uint64_t rx_packets(const std::string& iface) {
  std::ifstream f("/sys/class/net/" + iface + "/statistics/rx_packets");
  std::uint64_t v = 0;
  f >> v;
  return v;
}

TEST(CaptureE2E, KernelFilterDeliversOnlyMatchingFrames) {
  RIPTIDE_E2E_NEEDS_ROOT();
  test::VethPair vp("e2ef");
  ASSERT_TRUE(vp.ok());
  CaptureSession s(vp, {"ip", "and", "udp"});
  ASSERT_TRUE(s.ready()) << s.err();
  EXPECT_NE(s.err().find("(in the kernel)"), std::string::npos) << s.err();

  const auto rx_before = rx_packets(vp.host_if());
  const auto v4 = s.gen({"--rate", "50000", "--count", "20000", "--flows", "10"});
  const auto v6 = s.gen({"--rate", "50000", "--count", "30000", "--flows", "10", "--ipv6", "--size", "100"});
  ASSERT_EQ(v4.value_or(0), 20000u);
  ASSERT_EQ(v6.value_or(0), 30000u);
  const auto rc = s.stop();
  ASSERT_TRUE(rc.has_value());
  EXPECT_EQ(*rc, 0) << s.err();
  // Both kinds reached the interface...
  EXPECT_GE(rx_packets(vp.host_if()) - rx_before, 50000u);

  // ...but the kernel passed only the IPv4 ones to the socket: kernel_packets counts what
  // the socket filter accepted, before the ring.
  const auto st = s.stats();
  EXPECT_EQ(u64(st, "kernel_packets"), 20000u) << st.dump();
  EXPECT_EQ(u64(st, "captured"), 20000u);
  EXPECT_EQ(u64(st, "kernel_drops"), 0u);
  EXPECT_EQ(u64(st, "filtered_out"), 0u) << "a live filter must not run in user space";

  const auto f = s.flows();
  EXPECT_EQ(f.records, 10u);
  EXPECT_EQ(f.packets, 20000u);
  for (const auto& r : f.flows)
    EXPECT_EQ(r.value("src_ip", std::string()).find(':'), std::string::npos) << "an IPv6 flow got through: " << r.dump();
}

TEST(CaptureE2E, VlanTagInEveryFlowRecord) {
  RIPTIDE_E2E_NEEDS_ROOT();
  test::VethPair vp("e2ev");
  ASSERT_TRUE(vp.ok());
  CaptureSession s(vp, {"udp"});
  ASSERT_TRUE(s.ready()) << s.err();
  const auto sent = s.gen({"--rate", "50000", "--count", "10000", "--flows", "10", "--vlan", "42", "--size", "100"});
  ASSERT_EQ(sent.value_or(0), 10000u);
  const auto rc = s.stop();
  ASSERT_TRUE(rc.has_value());
  EXPECT_EQ(*rc, 0) << s.err();

  const auto st = s.stats();
  EXPECT_EQ(u64(st, "captured"), 10000u) << st.dump();
  const auto f = s.flows();
  EXPECT_EQ(f.records, 10u);
  EXPECT_EQ(f.packets, 10000u);
  for (const auto& r : f.flows) EXPECT_EQ(r.value("vlan", nlohmann::json()), nlohmann::json::array({42})) << r.dump();
}

// The kernel strips the tag before the socket filter runs: `vlan 42` must test the tag in the
// packet's metadata, and `not vlan` must keep only the untagged frames.
TEST(CaptureE2E, VlanFilterMatchesTheStrippedTag) {
  RIPTIDE_E2E_NEEDS_ROOT();
  test::VethPair vp("e2eq");
  ASSERT_TRUE(vp.ok());
  CaptureSession s(vp, {"vlan", "42", "and", "udp"});
  ASSERT_TRUE(s.ready()) << s.err();
  const auto tagged = s.gen({"--rate", "50000", "--count", "6000", "--flows", "6", "--vlan", "42", "--size", "100"});
  const auto other = s.gen({"--rate", "50000", "--count", "4000", "--flows", "4", "--vlan", "7", "--size", "100"});
  const auto plain = s.gen({"--rate", "50000", "--count", "3000", "--flows", "3", "--size", "100"});
  ASSERT_EQ(tagged.value_or(0), 6000u);
  ASSERT_EQ(other.value_or(0), 4000u);
  ASSERT_EQ(plain.value_or(0), 3000u);
  const auto rc = s.stop();
  ASSERT_TRUE(rc.has_value());
  EXPECT_EQ(*rc, 0) << s.err();
  const auto st = s.stats();
  EXPECT_EQ(u64(st, "kernel_packets"), 6000u) << st.dump();
  EXPECT_EQ(u64(st, "captured"), 6000u);
  const auto f = s.flows();
  EXPECT_EQ(f.packets, 6000u);
  for (const auto& r : f.flows) EXPECT_EQ(r.value("vlan", nlohmann::json()), nlohmann::json::array({42})) << r.dump();
}

}  // namespace
}  // namespace riptide::e2e
