// The libpcap compatibility backend on a veth pair.
#include <gtest/gtest.h>

#include <vector>

#include "capture_util.hpp"
#include "riptide/capture/pcap_live_source.hpp"
#include "support/netns.hpp"
#include "support/sender.hpp"

namespace riptide {
namespace {

TEST(PcapLive, MissingInterfaceIsNotFound) {
  AfPacketConfig c;
  c.iface = "rtnoexist0";
  auto s = PcapLiveSource::open(c);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Errc::not_found);
  EXPECT_EQ(s.error().message, "interface 'rtnoexist0' not found");
}

TEST(PcapLive, CapturesEverythingAt100kpps) {
  if (!test::have_net_admin()) GTEST_SKIP() << "needs CAP_NET_ADMIN";
  test::VethPair vp("pcl1");
  ASSERT_TRUE(vp.ok());
  AfPacketConfig c;
  c.iface = vp.host_if();
  c.expected_pps = 200'000;
  auto s = PcapLiveSource::open(c);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ((*s)->link_type(), LinkType::ethernet);
  EXPECT_EQ((*s)->describe(), "pcap:" + vp.host_if());

  constexpr std::uint64_t kCount = 50'000;
  test::UdpFrameSpec spec;
  spec.frame_bytes = 120;
  const std::vector<std::vector<std::uint8_t>> frames{test::build_udp_frame(spec)};
  test::BackgroundSend tx([&] {
    return test::send_in_netns_seq(vp.netns(), vp.peer_if(), frames, kCount, 100'000, test::seq_offset(spec));
  });
  std::vector<std::uint8_t> seen(kCount, 0);
  std::uint64_t dups = 0, other = 0, bad_len = 0, ts_zero = 0;
  ASSERT_TRUE(test::drain(
      **s,
      [&](const PacketView& v) {
        const auto q = test::frame_seq(v.data, v.caplen);
        if (q < 0 || q >= static_cast<std::int64_t>(kCount)) {
          ++other;
          return;
        }
        if (seen[q]++) ++dups;
        if (v.caplen != 120 || v.wirelen != 120) ++bad_len;
        if (v.ts_ns <= 0) ++ts_zero;
      },
      [&] { return tx.done(); }));
  ASSERT_TRUE(tx.result().ok()) << tx.result().error;
  ASSERT_EQ(tx.result().sent, kCount);
  std::uint64_t unique = 0;
  for (auto x : seen) unique += x;
  EXPECT_EQ(unique, kCount);
  EXPECT_EQ(dups, 0u);
  EXPECT_EQ(other, 0u);
  EXPECT_EQ(bad_len, 0u);
  EXPECT_EQ(ts_zero, 0u);
  const SourceStats st = (*s)->stats();
  EXPECT_EQ(st.packets, kCount);
  EXPECT_EQ(st.bytes, kCount * 120);
  EXPECT_EQ(st.kernel_packets, kCount);
  EXPECT_EQ(st.kernel_drops, 0u);
  const PcapLiveStats ps = (*s)->pcap_stats();
  EXPECT_EQ(ps.copy_overflow, 0u);
  EXPECT_GT(ps.dispatches, 0u);
}

TEST(PcapLive, FilterExpressionApplies) {
  if (!test::have_net_admin()) GTEST_SKIP() << "needs CAP_NET_ADMIN";
  test::VethPair vp("pcl2");
  ASSERT_TRUE(vp.ok());
  AfPacketConfig c;
  c.iface = vp.host_if();
  c.expected_pps = 10'000;
  auto s = PcapLiveSource::open(c, "udp port 5000");
  ASSERT_TRUE(s.ok()) << s.error().message;
  test::UdpFrameSpec match, other;
  other.dst_port = 6000;
  const std::vector<std::vector<std::uint8_t>> frames{test::build_udp_frame(match), test::build_udp_frame(other)};
  test::BackgroundSend tx([&] { return test::send_in_netns(vp.netns(), vp.peer_if(), frames, 2000, 50'000); });
  std::uint64_t got = 0;
  ASSERT_TRUE(test::drain(**s, [&](const PacketView&) { ++got; }, [&] { return tx.done(); }));
  EXPECT_EQ(got, 1000u);
  auto bad = PcapLiveSource::open(c, "udp port");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, Errc::invalid_argument);
}

}  // namespace
}  // namespace riptide
