// quiesce(): a live source stops admitting packets, hands over what it holds and ends, also
// while traffic keeps flowing; AF_PACKET's kernel counts are then exact.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <set>
#include <thread>

#include "capture_util.hpp"
#include "riptide/capture/afpacket_source.hpp"
#include "riptide/capture/iface_stats.hpp"
#include "riptide/capture/pcap_live_source.hpp"
#include "support/netns.hpp"
#include "support/sender.hpp"

namespace riptide {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

std::uint64_t counter(const PacketSource& s, std::string_view name, bool* is_drop = nullptr) {
  std::vector<SourceCounter> cs;
  s.counters(cs);
  for (const auto& c : cs) {
    if (c.name == name) {
      if (is_drop) *is_drop = c.is_drop;
      return c.value;
    }
  }
  ADD_FAILURE() << "no counter " << name;
  return 0;
}

// Reads for 300 ms under traffic, quiesces, drains. Returns the time from quiesce() to
// end_of_input, and the packets delivered.
std::pair<Clock::duration, std::uint64_t> quiesce_under_traffic(PacketSource& src) {
  PacketBatch b;
  std::uint64_t got = 0;
  const auto t_read = Clock::now() + 300ms;
  while (Clock::now() < t_read) {
    auto r = src.next(b, 20ms);
    if (!r) {
      ADD_FAILURE() << r.error().message;
      return {};
    }
    got += b.size();
  }
  EXPECT_FALSE(src.exact_counts());
  auto q = src.quiesce();
  EXPECT_TRUE(q.ok()) << (q ? "" : q.error().message);
  const auto t0 = Clock::now();
  for (;;) {
    auto r = src.next(b, 20ms);
    if (!r) {
      ADD_FAILURE() << r.error().message;
      break;
    }
    got += b.size();
    if (*r == PollStatus::end_of_input || Clock::now() - t0 > 10s) break;
  }
  return {Clock::now() - t0, got};
}

class QuiesceLive : public ::testing::TestWithParam<bool> {};  // true: libpcap

TEST_P(QuiesceLive, EndsWithinTwoSecondsUnderContinuousTraffic) {
  if (!test::have_net_admin()) GTEST_SKIP() << "needs CAP_NET_ADMIN";
  const bool pcap = GetParam();
  test::VethPair vp(pcap ? "qui2" : "qui1");
  ASSERT_TRUE(vp.ok());
  AfPacketConfig c;
  c.iface = vp.host_if();
  c.expected_pps = 100'000;
  std::unique_ptr<PacketSource> src;
  if (pcap) {
    auto s = PcapLiveSource::open(c);
    ASSERT_TRUE(s.ok()) << s.error().message;
    src = std::move(*s);
  } else {
    auto s = AfPacketSource::open(c);
    ASSERT_TRUE(s.ok()) << s.error().message;
    src = std::move(*s);
  }
  test::UdpFrameSpec spec;
  const std::vector<std::vector<std::uint8_t>> frames{test::build_udp_frame(spec)};
  // 3 s of traffic at 50 kpps: still flowing long after quiesce().
  test::BackgroundSend tx([&] { return test::send_in_netns(vp.netns(), vp.peer_if(), frames, 150'000, 50'000); });
  const auto [took, got] = quiesce_under_traffic(*src);
  EXPECT_FALSE(tx.done()) << "traffic stopped before the drain: the test proves nothing";
  EXPECT_LT(took, 2s);
  EXPECT_GT(got, 1000u);
  // Later calls keep ending the input.
  PacketBatch b;
  auto r = src->next(b, 10ms);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, PollStatus::end_of_input);
  tx.join();
  const SourceStats st = src->stats();
  EXPECT_EQ(st.packets, got);
  EXPECT_TRUE(src->exact_counts());
  // Nothing was admitted after the drain, however long the traffic went on.
  EXPECT_EQ(st.kernel_packets, st.packets + st.kernel_drops)
      << "kernel " << st.kernel_packets << " delivered " << st.packets << " dropped " << st.kernel_drops;
}

INSTANTIATE_TEST_SUITE_P(Backends, QuiesceLive, ::testing::Values(false, true),
                         [](const ::testing::TestParamInfo<bool>& p) { return std::string(p.param ? "pcap" : "afpacket"); });

TEST(SourceCounters, AfPacketAndPcapReportTheirOwnCounters) {
  if (!test::have_net_admin()) GTEST_SKIP() << "needs CAP_NET_ADMIN";
  test::VethPair vp("cnt1");
  ASSERT_TRUE(vp.ok());
  AfPacketConfig c;
  c.iface = vp.host_if();
  c.expected_pps = 100'000;
  auto a = AfPacketSource::open(c);
  auto p = PcapLiveSource::open(c);
  ASSERT_TRUE(a.ok() && p.ok());
  test::UdpFrameSpec spec;
  const std::vector<std::vector<std::uint8_t>> frames{test::build_udp_frame(spec)};
  ASSERT_EQ(test::send_in_netns(vp.netns(), vp.peer_if(), frames, 500, 0).sent, 500u);
  std::uint64_t na = 0, np = 0;
  test::drain(**a, [&](const PacketView&) { ++na; }, [] { return true; }, 200ms);
  test::drain(**p, [&](const PacketView&) { ++np; }, [] { return true; }, 200ms);
  EXPECT_EQ(na, 500u);
  EXPECT_EQ(np, 500u);
  EXPECT_GT(counter(**a, "polls"), 0u);
  EXPECT_GT(counter(**a, "poll_timeouts"), 0u);  // drain() waits out a quiet period
  bool drop = false;
  EXPECT_EQ(counter(**a, "ring_abandoned", &drop), 0u);
  EXPECT_TRUE(drop);
  EXPECT_GT(counter(**p, "dispatches"), 0u);
  EXPECT_GT(counter(**p, "polls"), 0u);
  EXPECT_EQ(counter(**p, "copy_overflow", &drop), 0u);
  EXPECT_TRUE(drop);
  // The libpcap figures were read by the capture thread (this one) and published.
  EXPECT_EQ((*p)->stats().kernel_packets, 500u);
}

TEST(IfaceState, DownInterfaceIsNamedAtStart) {
  if (!test::have_net_admin()) GTEST_SKIP() << "needs CAP_NET_ADMIN";
  test::VethPair vp("ifd1");
  ASSERT_TRUE(vp.ok());
  EXPECT_FALSE(read_iface_link_state("rtnoexist0").has_value());
  EXPECT_EQ(iface_down_note("rtnoexist0"), "");
  ASSERT_TRUE(vp.set_host_up(false));
  const auto st = read_iface_link_state(vp.host_if());
  ASSERT_TRUE(st.has_value());
  EXPECT_FALSE(st->admin_up);
  EXPECT_EQ(iface_down_note(vp.host_if()), "interface '" + vp.host_if() + "' is down: capture starts when it comes up");
  AfPacketConfig c;
  c.iface = vp.host_if();
  c.expected_pps = 10'000;
  EXPECT_TRUE(AfPacketSource::open(c).ok());  // a down interface can be captured on
  ASSERT_TRUE(vp.set_host_up(true));
  std::string note = "unset";
  for (int i = 0; i < 100 && !note.empty(); ++i) {
    note = iface_down_note(vp.host_if());
    if (!note.empty()) std::this_thread::sleep_for(20ms);
  }
  EXPECT_EQ(note, "");
  EXPECT_EQ(iface_down_note("lo"), "");
}

}  // namespace
}  // namespace riptide
