// Interface deleted and recreated under a running capture.
#include <net/if.h>

#include <gtest/gtest.h>

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
