// PACKET_FANOUT hash mode: every packet of a flow, in both directions, lands on one socket.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <vector>

#include "capture_util.hpp"
#include "riptide/capture/afpacket_source.hpp"
#include "support/netns.hpp"
#include "support/sender.hpp"

namespace riptide {
namespace {

using namespace std::chrono_literals;

TEST(Fanout, HashKeepsBothDirectionsOfAFlowOnOneSocket) {
  if (!test::have_net_admin()) GTEST_SKIP() << "needs CAP_NET_ADMIN";
  test::VethPair vp("fan1");
  ASSERT_TRUE(vp.ok());
  AfPacketConfig c;
  c.iface = vp.host_if();
  c.expected_pps = 100'000;
  c.fanout = FanoutConfig{static_cast<std::uint16_t>(0x5a00 + (::getpid() & 0xff)), FanoutMode::hash, true, false};
  auto group = open_fanout_group(c, 2);
  ASSERT_TRUE(group.ok()) << group.error().message;
  ASSERT_EQ(group->size(), 2u);
  EXPECT_EQ((*group)[1]->describe(), "afpacket:" + vp.host_if() + "#1");

  // 1000 flows x (3 frames A->B + 3 frames B->A), each frame with its own sequence number.
  constexpr int kFlows = 1000, kPerDir = 3;
  std::vector<std::vector<std::uint8_t>> frames;
  std::vector<int> flow_of;
  std::uint32_t seq = 0;
  for (int f = 0; f < kFlows; ++f) {
    for (int k = 0; k < kPerDir * 2; ++k) {
      test::UdpFrameSpec s;
      const bool reverse = k % 2 == 1;
      const std::uint32_t a = 0x0a000000u | static_cast<std::uint32_t>(f + 1);
      const std::uint32_t b = 0x0a640001u;
      const std::uint16_t pa = static_cast<std::uint16_t>(10000 + f), pb = 5000;
      s.src_ip = reverse ? b : a;
      s.dst_ip = reverse ? a : b;
      s.src_port = reverse ? pb : pa;
      s.dst_port = reverse ? pa : pb;
      s.seq = seq++;
      frames.push_back(test::build_udp_frame(s));
      flow_of.push_back(f);
    }
  }
  test::BackgroundSend tx([&] {
    return test::send_in_netns(vp.netns(), vp.peer_if(), frames, frames.size(), 100'000);
  });

  std::map<int, std::set<int>> sockets_of_flow;
  std::uint64_t per_socket[2] = {0, 0}, total = 0;
  PacketBatch b;
  auto last = std::chrono::steady_clock::now();
  const auto end = last + 30s;
  while (std::chrono::steady_clock::now() < end) {
    bool any = false;
    for (int i = 0; i < 2; ++i) {
      auto r = (*group)[i]->next(b, 5ms);
      ASSERT_TRUE(r.ok()) << r.error().message;
      for (const auto& v : b) {
        const auto q = test::frame_seq(v.data, v.caplen);
        if (q < 0 || q >= static_cast<std::int64_t>(frames.size())) continue;
        sockets_of_flow[flow_of[q]].insert(i);
        ++per_socket[i];
        ++total;
        any = true;
      }
    }
    if (any) last = std::chrono::steady_clock::now();
    if (tx.done() && std::chrono::steady_clock::now() - last > 300ms) break;
  }
  ASSERT_TRUE(tx.result().ok()) << tx.result().error;
  EXPECT_EQ(total, frames.size());
  EXPECT_EQ(sockets_of_flow.size(), static_cast<std::size_t>(kFlows));
  int split = 0;
  for (const auto& [flow, socks] : sockets_of_flow) split += socks.size() > 1 ? 1 : 0;
  EXPECT_EQ(split, 0) << "flows whose packets were spread over both sockets";
  // The hash does spread flows: each socket has a fair share.
  EXPECT_GT(per_socket[0], frames.size() / 4);
  EXPECT_GT(per_socket[1], frames.size() / 4);
  std::printf("fanout hash: socket0 %llu, socket1 %llu packets\n", static_cast<unsigned long long>(per_socket[0]),
              static_cast<unsigned long long>(per_socket[1]));
}

// Group id 0: each group gets an id of the kernel's choosing, so two groups (two riptide
// processes) on one interface never join each other; each group still sees every packet once.
TEST(Fanout, UnspecifiedIdsNeverCollide) {
  if (!test::have_net_admin()) GTEST_SKIP() << "needs CAP_NET_ADMIN";
  test::VethPair vp("fan2");
  ASSERT_TRUE(vp.ok());
  AfPacketConfig c;
  c.iface = vp.host_if();
  c.expected_pps = 50'000;
  c.fanout = FanoutConfig{};
  ASSERT_EQ(c.fanout->group_id, 0u);
  auto g1 = open_fanout_group(c, 2);
  auto g2 = open_fanout_group(c, 2);
  ASSERT_TRUE(g1.ok()) << g1.error().message;
  ASSERT_TRUE(g2.ok()) << g2.error().message;
  const auto id1 = (*g1)[0]->fanout_group_id();
  EXPECT_EQ((*g1)[1]->fanout_group_id(), id1);
  EXPECT_EQ((*g2)[1]->fanout_group_id(), (*g2)[0]->fanout_group_id());
  EXPECT_NE((*g2)[0]->fanout_group_id(), id1);

  constexpr std::uint64_t kN = 3000;
  std::vector<std::vector<std::uint8_t>> frames;
  for (std::uint32_t f = 0; f < 50; ++f) {  // 50 flows, so both members of a group get some
    test::UdpFrameSpec s;
    s.src_port = static_cast<std::uint16_t>(2000 + f);
    frames.push_back(test::build_udp_frame(s));
  }
  test::UdpFrameSpec s0;
  s0.src_port = 2000;
  ASSERT_EQ(test::send_in_netns_seq(vp.netns(), vp.peer_if(), frames, kN, 50'000, test::seq_offset(s0)).sent, kN);
  for (auto* g : {&*g1, &*g2}) {
    std::vector<int> seen(kN, 0);
    std::uint64_t per[2] = {0, 0};
    for (int i = 0; i < 2; ++i) {
      test::drain(*(*g)[i], [&](const PacketView& v) {
        const auto q = test::frame_seq(v.data, v.caplen);
        if (q >= 0 && q < static_cast<std::int64_t>(kN)) {
          ++seen[q];
          ++per[i];
        }
      }, [] { return true; }, 200ms);
    }
    EXPECT_EQ(std::count(seen.begin(), seen.end(), 1), static_cast<long>(kN));  // each packet exactly once
    EXPECT_GT(per[0], 0u);
    EXPECT_GT(per[1], 0u);
  }
}

TEST(Fanout, GroupNeedsAMode) {
  AfPacketConfig c;
  c.iface = "lo";
  auto g = open_fanout_group(c, 2);
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.error().code, Errc::invalid_argument);
}

}  // namespace
}  // namespace riptide
