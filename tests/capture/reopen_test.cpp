// Interface deleted and recreated under a running capture.
#include <net/if.h>

#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>

#include "capture_util.hpp"
#include "riptide/capture/afpacket_source.hpp"
#include "support/netns.hpp"
#include "support/sender.hpp"

namespace riptide {
namespace {

using namespace std::chrono_literals;

TEST(AfPacketReopen, InterfaceRecreatedMidCapture) {
  if (!test::have_net_admin()) GTEST_SKIP() << "needs CAP_NET_ADMIN";
  test::VethPair vp("rop1");
  ASSERT_TRUE(vp.ok());
  AfPacketConfig c;
  c.iface = vp.host_if();
  c.expected_pps = 100'000;
  auto s = AfPacketSource::open(c);
  ASSERT_TRUE(s.ok()) << s.error().message;
  const auto old_index = (*s)->ifindex();

  test::UdpFrameSpec spec;
  const std::vector<std::vector<std::uint8_t>> frames{test::build_udp_frame(spec)};
  auto capture_seqs = [&](std::uint32_t first, std::uint64_t n) {
    std::set<std::int64_t> got;
    test::BackgroundSend tx(
        [&] { return test::send_in_netns_seq(vp.netns(), vp.peer_if(), frames, n, 20'000, test::seq_offset(spec), first); });
    test::drain(**s, [&](const PacketView& v) { got.insert(test::frame_seq(v.data, v.caplen)); },
                [&] { return tx.done(); });
    EXPECT_TRUE(tx.result().ok()) << tx.result().error;
    return got;
  };
  auto before = capture_seqs(0, 1000);
  EXPECT_EQ(before.size(), 1000u);

  ASSERT_TRUE(vp.recreate());
  PacketBatch b;
  bool lost = false;
  for (int i = 0; i < 100 && !lost; ++i) {
    auto r = (*s)->next(b, 20ms);
    if (!r) {
      EXPECT_EQ(r.error().code, Errc::interface_down);
      EXPECT_NE(r.error().message.find(vp.host_if()), std::string::npos);
      lost = true;
    }
  }
  ASSERT_TRUE(lost) << "next() never reported the interface loss";
  EXPECT_EQ((*s)->afpacket_stats().interface_lost, 1u);

  Result<void> re = make_error(Errc::internal, "not tried");
  for (int i = 0; i < 50; ++i) {
    re = (*s)->reopen();
    if (re.ok() || re.error().code != Errc::not_found) break;
    std::this_thread::sleep_for(20ms);
  }
  ASSERT_TRUE(re.ok()) << re.error().message;
  EXPECT_EQ((*s)->afpacket_stats().reopened, 1u);
  EXPECT_EQ((*s)->ifindex(), if_nametoindex(vp.host_if().c_str()));
  EXPECT_NE((*s)->ifindex(), old_index);

  auto after = capture_seqs(5000, 1000);
  EXPECT_EQ(after.size(), 1000u);
  EXPECT_EQ(after.count(5000), 1u);
  EXPECT_EQ(after.count(5999), 1u);
  EXPECT_EQ((*s)->stats().kernel_drops, 0u);
}

// The interface is deleted while next() waits and frames keep arriving: what the ring held
// is delivered before interface_down, the kernel's counts of the old socket are kept, and
// across the reopen kernel received = captured + kernel drops exactly.
TEST(AfPacketReopen, LedgerStaysExactAcrossInterfaceLoss) {
  if (!test::have_net_admin()) GTEST_SKIP() << "needs CAP_NET_ADMIN";
  test::VethPair vp("rop3");
  ASSERT_TRUE(vp.ok());
  AfPacketConfig c;
  c.iface = vp.host_if();
  c.expected_pps = 100'000;
  c.block_timeout_ms = 50;  // a long retire period: the open block holds many packets
  auto s = AfPacketSource::open(c);
  ASSERT_TRUE(s.ok()) << s.error().message;
  test::UdpFrameSpec spec;
  const std::vector<std::vector<std::uint8_t>> frames{test::build_udp_frame(spec)};
  std::atomic<bool> deleted{false};
  std::uint64_t delivered = 0, losses = 0;
  std::thread cap([&] {
    PacketBatch b;
    const auto end = std::chrono::steady_clock::now() + 20s;
    while (std::chrono::steady_clock::now() < end) {
      auto r = (*s)->next(b, 20ms);
      if (r) {
        delivered += b.size();
        if (*r == PollStatus::end_of_input) return;
        continue;
      }
      EXPECT_EQ(r.error().code, Errc::interface_down) << r.error().message;
      ++losses;
      while (!(*s)->reopen().ok() && std::chrono::steady_clock::now() < end) std::this_thread::sleep_for(10ms);
      if (deleted.load()) {
        // Back: stop admitting, drain to the end.
        EXPECT_TRUE((*s)->quiesce().ok());
      }
    }
    ADD_FAILURE() << "capture did not end";
  });
  {
    test::BackgroundSend tx([&] { return test::send_in_netns(vp.netns(), vp.peer_if(), frames, 40'000, 20'000); });
    std::this_thread::sleep_for(500ms);
    deleted.store(true);
    EXPECT_TRUE(vp.recreate());  // the sender's interface goes too: it stops sending
  }
  cap.join();
  EXPECT_EQ(losses, 1u);
  const SourceStats st = (*s)->stats();
  EXPECT_GT(st.kernel_packets, 1000u);
  EXPECT_EQ(st.packets, delivered);
  EXPECT_TRUE((*s)->exact_counts());
  EXPECT_EQ(st.kernel_packets, st.packets + st.kernel_drops)
      << "kernel " << st.kernel_packets << " delivered " << st.packets << " dropped " << st.kernel_drops;
  EXPECT_EQ((*s)->afpacket_stats().ring_abandoned, 0u);
  std::vector<SourceCounter> cs;
  (*s)->counters(cs);
  for (const auto& k : cs) {
    if (k.name == "interface_lost" || k.name == "reopened") {
      EXPECT_EQ(k.value, 1u) << k.name;
    }
  }
}

TEST(AfPacketReopen, ReopenOfMissingInterfaceIsNotFound) {
  if (!test::have_net_admin()) GTEST_SKIP() << "needs CAP_NET_ADMIN";
  std::unique_ptr<AfPacketSource> src;
  {
    test::VethPair vp("rop2");
    ASSERT_TRUE(vp.ok());
    AfPacketConfig c;
    c.iface = vp.host_if();
    c.expected_pps = 10'000;
    auto s = AfPacketSource::open(c);
    ASSERT_TRUE(s.ok());
    src = std::move(*s);
  }  // pair deleted here
  auto r = src->reopen();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::not_found);
  PacketBatch b;
  auto n = src->next(b, 10ms);  // closed: keeps telling the caller to reopen
  ASSERT_FALSE(n.ok());
  EXPECT_EQ(n.error().code, Errc::interface_down);
}

}  // namespace
}  // namespace riptide
