// Live AF_PACKET capture on a veth pair: traffic is sent from the peer namespace and
// captured on the host side. Needs root (or CAP_NET_ADMIN + CAP_NET_RAW).
#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <set>
#include <thread>
#include <vector>

#include "capture_util.hpp"
#include "riptide/capture/afpacket_source.hpp"
#include "riptide/capture/kernel_filter.hpp"
#include "riptide/capture/iface_stats.hpp"
#include "riptide/filter/bpf_filter.hpp"
#include "support/netns.hpp"
#include "support/sender.hpp"

namespace riptide {
namespace {

using namespace std::chrono_literals;
using test::BackgroundSend;
using test::UdpFrameSpec;
using test::VethPair;

#define NEED_ROOT()                                                    \
  do {                                                                 \
    if (!test::have_net_admin()) GTEST_SKIP() << "needs CAP_NET_ADMIN"; \
  } while (0)

AfPacketConfig small_cfg(const std::string& iface) {
  AfPacketConfig c;
  c.iface = iface;
  c.expected_pps = 200'000;  // keeps test rings small (a few MiB)
  return c;
}

TEST(AfPacket, MissingInterfaceIsNotFound) {
  NEED_ROOT();
  AfPacketConfig c;
  c.iface = "rtnoexist0";
  auto s = AfPacketSource::open(c);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Errc::not_found);
  EXPECT_EQ(s.error().message, "interface 'rtnoexist0' not found");
}

TEST(AfPacket, ExactCountAt100kpps) {
  NEED_ROOT();
  VethPair vp("cap1");
  ASSERT_TRUE(vp.ok());
  auto s = AfPacketSource::open(small_cfg(vp.host_if()));
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ((*s)->link_type(), LinkType::ethernet);

  constexpr std::uint64_t kCount = 100'000;
  UdpFrameSpec spec;
  spec.frame_bytes = 100;
  const std::vector<std::vector<std::uint8_t>> frames{test::build_udp_frame(spec)};
  BackgroundSend tx([&] {
    return test::send_in_netns_seq(vp.netns(), vp.peer_if(), frames, kCount, 100'000, test::seq_offset(spec));
  });

  std::vector<std::uint8_t> seen(kCount, 0);
  std::uint64_t dups = 0, foreign = 0, total = 0, bad_meta = 0;
  const auto t0 = std::chrono::system_clock::now();
  const unsigned host_index = if_nametoindex(vp.host_if().c_str());
  ASSERT_TRUE(test::drain(
      **s,
      [&](const PacketView& v) {
        ++total;
        const auto q = test::frame_seq(v.data, v.caplen);
        if (q < 0 || q >= static_cast<std::int64_t>(kCount)) {
          ++foreign;
          return;
        }
        if (seen[q]++) ++dups;
        if (v.caplen != 100 || v.wirelen != 100 || v.dir != Direction::inbound ||
            v.ifindex != host_index || v.vlan_tpid != 0)
          ++bad_meta;
        // Nanosecond wall-clock stamps from the kernel, within the test's run time.
        const auto ts = std::chrono::system_clock::time_point(std::chrono::nanoseconds(v.ts_ns));
        if (ts < t0 - 1s || ts > t0 + 60s) ++bad_meta;
      },
      [&] { return tx.done(); }));
  const auto& r = tx.result();
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.sent, kCount);
  EXPECT_EQ(r.errors, 0u);
  std::uint64_t unique = 0;
  for (auto b : seen) unique += b ? 1 : 0;
  EXPECT_EQ(unique, kCount);
  EXPECT_EQ(dups, 0u);
  EXPECT_EQ(foreign, 0u);
  EXPECT_EQ(bad_meta, 0u);
  const SourceStats st = (*s)->stats();
  EXPECT_EQ(st.kernel_drops, 0u);
  EXPECT_EQ(st.kernel_packets, kCount);
  EXPECT_EQ(st.packets, total);
  EXPECT_EQ(st.bytes, total * 100);
  const AfPacketStats as = (*s)->afpacket_stats();
  EXPECT_GT(as.blocks, 0u);
  EXPECT_EQ(as.losing_blocks, 0u);
  EXPECT_EQ(as.packets, total);
}

TEST(AfPacket, KernelFilterDeliversOnlyMatches) {
  NEED_ROOT();
  VethPair vp("cap2");
  ASSERT_TRUE(vp.ok());
  auto f = BpfFilter::compile("udp port 5000", LinkType::ethernet);
  ASSERT_TRUE(f.ok()) << f.error().message;
  AfPacketConfig c = small_cfg(vp.host_if());
  c.bpf = f->kernel_program();
  auto s = AfPacketSource::open(c);
  ASSERT_TRUE(s.ok()) << s.error().message;

  UdpFrameSpec match, other;
  other.dst_port = 6000;
  other.src_port = 6001;
  const std::vector<std::vector<std::uint8_t>> frames{test::build_udp_frame(match), test::build_udp_frame(other)};
  constexpr std::uint64_t kCount = 10'000;
  const auto before = read_iface_counters(vp.host_if());
  BackgroundSend tx([&] { return test::send_in_netns(vp.netns(), vp.peer_if(), frames, kCount, 100'000); });
  std::uint64_t got = 0, wrong = 0;
  ASSERT_TRUE(test::drain(
      **s,
      [&](const PacketView& v) {
        ++got;
        // UDP destination port at 14 + 20 + 2.
        if (v.caplen < 38 || (v.data[36] << 8 | v.data[37]) != 5000) ++wrong;
      },
      [&] { return tx.done(); }));
  ASSERT_TRUE(tx.result().ok()) << tx.result().error;
  ASSERT_EQ(tx.result().sent, kCount);
  EXPECT_EQ(got, kCount / 2);
  EXPECT_EQ(wrong, 0u);
  const SourceStats st = (*s)->stats();
  // The kernel counts only what passed the filter: the other half never reached the ring.
  EXPECT_EQ(st.kernel_packets, kCount / 2);
  EXPECT_EQ(st.kernel_drops, 0u);
  const auto after = read_iface_counters(vp.host_if());
  ASSERT_TRUE(before.rx_packets && after.rx_packets);
  EXPECT_GE(*after.rx_packets - *before.rx_packets, kCount);  // all of them did arrive
}

TEST(AfPacket, VlanTagReachesTheView) {
  NEED_ROOT();
  VethPair vp("cap3");
  ASSERT_TRUE(vp.ok());
  auto s = AfPacketSource::open(small_cfg(vp.host_if()));
  ASSERT_TRUE(s.ok()) << s.error().message;
  UdpFrameSpec spec;
  spec.vlan_id = 42;
  const std::vector<std::vector<std::uint8_t>> frames{test::build_udp_frame(spec)};
  constexpr std::uint64_t kCount = 1000;
  BackgroundSend tx([&] { return test::send_in_netns(vp.netns(), vp.peer_if(), frames, kCount, 50'000); });
  std::uint64_t got = 0, tagged = 0, stripped = 0, inline_tag = 0;
  ASSERT_TRUE(test::drain(
      **s,
      [&](const PacketView& v) {
        ++got;
        if (test::frame_seq(v.data, v.caplen) < 0) return;
        if (v.vlan_tpid == 0x8100 && (v.vlan_tci & 0x0fff) == 42) {
          ++tagged;
          ++stripped;
        } else if (v.caplen > 16 && v.data[12] == 0x81 && v.data[13] == 0x00 && ((v.data[14] << 8 | v.data[15]) & 0x0fff) == 42) {
          ++tagged;
          ++inline_tag;
        }
      },
      [&] { return tx.done(); }));
  EXPECT_EQ(got, kCount);
  EXPECT_EQ(tagged, kCount);
  std::printf("vlan: %llu stripped into tp_vlan_tci, %llu left in the frame\n",
              static_cast<unsigned long long>(stripped), static_cast<unsigned long long>(inline_tag));
}

TEST(AfPacket, StalledReaderCountsEveryDrop) {
  NEED_ROOT();
  VethPair vp("cap4");
  ASSERT_TRUE(vp.ok());
  AfPacketConfig c = small_cfg(vp.host_if());
  c.block_bytes = 64 << 10;
  c.max_ring_bytes = 4 * (64 << 10);  // ~1,800 frames of 100 B
  auto s = AfPacketSource::open(c);
  ASSERT_TRUE(s.ok()) << s.error().message;
  ASSERT_EQ((*s)->plan().block_count, 4u);
  ASSERT_TRUE((*s)->plan().capped);

  UdpFrameSpec spec;
  spec.frame_bytes = 100;
  const std::vector<std::vector<std::uint8_t>> frames{test::build_udp_frame(spec)};
  constexpr std::uint64_t kCount = 20'000;
  // Nobody reads while this runs.
  const auto r = test::send_in_netns_seq(vp.netns(), vp.peer_if(), frames, kCount, 0, test::seq_offset(spec));
  ASSERT_TRUE(r.ok()) << r.error;
  std::set<std::int64_t> seqs;
  std::uint64_t got = 0;
  ASSERT_TRUE(test::drain(
      **s,
      [&](const PacketView& v) {
        ++got;
        seqs.insert(test::frame_seq(v.data, v.caplen));
      },
      [] { return true; }));
  const SourceStats st = (*s)->stats();
  EXPECT_EQ(seqs.size(), got);  // no duplicates
  EXPECT_GT(st.kernel_drops, 0u);
  EXPECT_LT(got, kCount);
  EXPECT_EQ(got + st.kernel_drops, r.sent);
  EXPECT_EQ(st.kernel_packets, r.sent);
  EXPECT_GT(st.freeze_count, 0u);
  std::printf("stall: sent %llu (refused %llu), captured %llu, kernel drops %llu, freezes %llu, losing blocks %llu\n",
              static_cast<unsigned long long>(r.sent), static_cast<unsigned long long>(r.errors),
              static_cast<unsigned long long>(got), static_cast<unsigned long long>(st.kernel_drops),
              static_cast<unsigned long long>(st.freeze_count),
              static_cast<unsigned long long>((*s)->afpacket_stats().losing_blocks));
}

// The reader holds every block it finished until it comes back for more. When one batch
// finishes all the blocks of a small ring, the next block in line is one the reader still
// holds (its status still says "user"): reading it again would hand over every packet twice
// and count more packets than the kernel delivered.
TEST(AfPacket, BatchThatFinishesEveryBlockDoesNotReadAHeldBlockAgain) {
  NEED_ROOT();
  VethPair vp("cap5");
  ASSERT_TRUE(vp.ok());
  AfPacketConfig c = small_cfg(vp.host_if());
  c.block_bytes = 64 << 10;
  c.max_ring_bytes = 2 * (64 << 10);
  c.block_timeout_ms = 10;
  auto s = AfPacketSource::open(c);
  ASSERT_TRUE(s.ok()) << s.error().message;
  ASSERT_EQ((*s)->plan().block_count, 2u);

  UdpFrameSpec spec;
  spec.frame_bytes = 100;
  const std::vector<std::vector<std::uint8_t>> frames{test::build_udp_frame(spec)};
  // Two short bursts, each retired into its own block by the block timeout while nobody reads:
  // both blocks are waiting when the reader comes, and together they fit in one batch.
  constexpr std::uint64_t kBurst = 60;
  static_assert(2 * kBurst < PacketBatch::kCapacity);
  auto a = test::send_in_netns_seq(vp.netns(), vp.peer_if(), frames, kBurst, 0, test::seq_offset(spec));
  ASSERT_TRUE(a.ok()) << a.error;
  std::this_thread::sleep_for(60ms);
  auto b = test::send_in_netns_seq(vp.netns(), vp.peer_if(), frames, kBurst, 0, test::seq_offset(spec),
                                   static_cast<std::uint32_t>(kBurst));
  ASSERT_TRUE(b.ok()) << b.error;
  std::this_thread::sleep_for(60ms);

  std::vector<std::int64_t> seqs;
  ASSERT_TRUE(test::drain(
      **s, [&](const PacketView& v) { seqs.push_back(test::frame_seq(v.data, v.caplen)); }, [] { return true; }));
  const std::set<std::int64_t> unique(seqs.begin(), seqs.end());
  EXPECT_EQ(unique.size(), seqs.size()) << "packets handed over twice";
  EXPECT_EQ(seqs.size(), a.sent + b.sent);
  const SourceStats st = (*s)->stats();
  EXPECT_EQ(st.packets, st.kernel_packets - st.kernel_drops);
}

// Sends `n` copies of a frame from a socket in THIS namespace on `iface`: outgoing traffic.
std::uint64_t send_from_host(const std::string& iface, const std::vector<std::uint8_t>& frame, int n) {
  const int fd = ::socket(AF_PACKET, SOCK_RAW, 0);
  if (fd < 0) return 0;
  sockaddr_ll sll{};
  sll.sll_family = AF_PACKET;
  sll.sll_ifindex = static_cast<int>(if_nametoindex(iface.c_str()));
  std::uint64_t ok = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&sll), sizeof sll) == 0) {
    for (int i = 0; i < n; ++i) ok += ::send(fd, frame.data(), frame.size(), 0) == static_cast<ssize_t>(frame.size());
  }
  ::close(fd);
  return ok;
}

TEST(AfPacket, DirectionSelectsWhatIsCaptured) {
  NEED_ROOT();
  VethPair vp("cap5");
  ASSERT_TRUE(vp.ok());
  AfPacketConfig in_only = small_cfg(vp.host_if());
  in_only.direction = CaptureDirection::in;
  AfPacketConfig both = in_only;
  both.direction = CaptureDirection::inout;
  AfPacketConfig out_only = in_only;
  out_only.direction = CaptureDirection::out;
  EXPECT_EQ(AfPacketConfig{}.direction, CaptureDirection::inout);  // tcpdump's default
  auto s_in = AfPacketSource::open(in_only);
  auto s_all = AfPacketSource::open(both);
  auto s_out = AfPacketSource::open(out_only);
  ASSERT_TRUE(s_in.ok() && s_all.ok() && s_out.ok());

  UdpFrameSpec out_spec;
  out_spec.seq = 7;
  ASSERT_EQ(send_from_host(vp.host_if(), test::build_udp_frame(out_spec), 50), 50u);
  UdpFrameSpec in_spec;
  in_spec.seq = 9;
  const std::vector<std::vector<std::uint8_t>> frames{test::build_udp_frame(in_spec)};
  ASSERT_EQ(test::send_in_netns(vp.netns(), vp.peer_if(), frames, 30, 0).sent, 30u);

  auto count = [](PacketSource& src, std::uint64_t& out7, std::uint64_t& in9) {
    test::drain(
        src,
        [&](const PacketView& v) {
          const auto q = test::frame_seq(v.data, v.caplen);
          if (q == 7 && v.dir == Direction::outbound) ++out7;
          if (q == 9 && v.dir == Direction::inbound) ++in9;
        },
        [] { return true; }, 200ms);
  };
  std::uint64_t o1 = 0, i1 = 0, o2 = 0, i2 = 0, o3 = 0, i3 = 0;
  count(**s_in, o1, i1);
  count(**s_all, o2, i2);
  count(**s_out, o3, i3);
  EXPECT_EQ(o1, 0u);
  EXPECT_EQ(i1, 30u);
  EXPECT_EQ(o2, 50u);
  EXPECT_EQ(i2, 30u);
  EXPECT_EQ(o3, 50u);
  EXPECT_EQ(i3, 0u);
  // The kernel counted only what each direction admitted.
  EXPECT_EQ((*s_in)->stats().kernel_packets, (*s_in)->stats().packets);
  EXPECT_EQ((*s_out)->stats().kernel_packets, (*s_out)->stats().packets);
}

TEST(AfPacket, ComposedFilterKeepsTheUserProgramAfterThePrefix) {
  std::vector<sock_filter> user{BPF_STMT(BPF_RET | BPF_K, 96)};
  EXPECT_TRUE(compose_kernel_filter({}, KernelFilterSpec{CaptureDirection::inout, false}).empty());
  EXPECT_EQ(compose_kernel_filter(user, KernelFilterSpec{CaptureDirection::inout, false}).size(), 1u);
  const auto p = compose_kernel_filter(user, KernelFilterSpec{CaptureDirection::out, true});
  ASSERT_EQ(p.size(), 7u);  // mark test (3), direction test (3), the user's return
  EXPECT_EQ(p[0].k, static_cast<std::uint32_t>(SKF_AD_OFF + SKF_AD_MARK));
  EXPECT_EQ(p[1].k, kRiptideTxMark);
  EXPECT_EQ(p[3].k, static_cast<std::uint32_t>(SKF_AD_OFF + SKF_AD_PKTTYPE));
  EXPECT_EQ(p.back().k, 96u);
  const auto alone = compose_kernel_filter({}, KernelFilterSpec{CaptureDirection::inout, true});
  ASSERT_EQ(alone.size(), 4u);
  EXPECT_EQ(alone.back().k, 0xFFFFFFFFu);
}

TEST(AfPacket, StopWakesABlockedNext) {
  NEED_ROOT();
  VethPair vp("cap6");
  ASSERT_TRUE(vp.ok());
  auto s = AfPacketSource::open(small_cfg(vp.host_if()));
  ASSERT_TRUE(s.ok());
  std::thread t([&] {
    std::this_thread::sleep_for(100ms);
    (*s)->stop();
  });
  PacketBatch b;
  const auto t0 = std::chrono::steady_clock::now();
  auto r = (*s)->next(b, 10s);
  t.join();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, PollStatus::end_of_input);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);
  // An idle wait is a timeout, not an error.
  auto s2 = AfPacketSource::open(small_cfg(vp.host_if()));
  ASSERT_TRUE(s2.ok());
  auto r2 = (*s2)->next(b, 30ms);
  ASSERT_TRUE(r2.ok());
  EXPECT_EQ(*r2, PollStatus::timeout);
  EXPECT_EQ((*s2)->afpacket_stats().timeouts, 1u);
}

}  // namespace
}  // namespace riptide
