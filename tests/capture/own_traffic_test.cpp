// The host's own outgoing traffic is captured (tcpdump's default), riptide's own transmitted
// frames are not (SO_MARK + a BPF mark test), on both live backends.
#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstring>
#include <functional>
#include <memory>
#include <span>
#include <vector>

#include "capture_util.hpp"
#include "riptide/capture/afpacket_source.hpp"
#include "riptide/capture/pcap_live_source.hpp"
#include "riptide/transmit/tx_socket.hpp"
#include "support/netns.hpp"
#include "support/sender.hpp"

namespace riptide {
namespace {

using namespace std::chrono_literals;

enum class Live { afpacket, pcap };
const char* name_of(Live b) { return b == Live::afpacket ? "afpacket" : "pcap"; }

std::unique_ptr<PacketSource> open_live(Live b, const AfPacketConfig& c) {
  if (b == Live::afpacket) {
    auto s = AfPacketSource::open(c);
    if (!s) ADD_FAILURE() << s.error().message;
    return s ? std::unique_ptr<PacketSource>(std::move(*s)) : nullptr;
  }
  auto s = PcapLiveSource::open(c);
  if (!s) ADD_FAILURE() << s.error().message;
  return s ? std::unique_ptr<PacketSource>(std::move(*s)) : nullptr;
}

// `n` UDP datagrams from an ordinary socket of this host, out of `iface` to the limited
// broadcast address (no address or neighbour needed on the interface).
std::uint64_t send_udp_out(const std::string& iface, std::uint16_t dport, int n) {
  const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  if (fd < 0) return 0;
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof one);
  ::setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, iface.c_str(), static_cast<socklen_t>(iface.size()));
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(dport);
  to.sin_addr.s_addr = htonl(INADDR_BROADCAST);
  const char payload[32] = "riptide direction test";
  std::uint64_t ok = 0;
  for (int i = 0; i < n; ++i) {
    if (::sendto(fd, payload, sizeof payload, 0, reinterpret_cast<sockaddr*>(&to), sizeof to) == sizeof payload) ++ok;
    if (i % 200 == 199) ::usleep(2000);  // let the device queue drain: no local drops
  }
  ::close(fd);
  return ok;
}

// UDP/IPv4 over Ethernet to `dport`, whoever sent it.
bool is_udp_to(const PacketView& v, std::uint16_t dport) {
  if (v.caplen < 14 + 20 + 8 || v.data[12] != 0x08 || v.data[13] != 0x00 || v.data[23] != 17) return false;
  const std::size_t l4 = 14 + (v.data[14] & 0x0f) * 4u;
  return l4 + 4 <= v.caplen && ((v.data[l4 + 2] << 8) | v.data[l4 + 3]) == dport;
}

std::uint64_t count_matching(PacketSource& src, const std::function<bool(const PacketView&)>& want) {
  std::uint64_t n = 0;
  test::drain(src, [&](const PacketView& v) { n += want(v) ? 1 : 0; }, [] { return true; }, 300ms);
  return n;
}

class OwnTraffic : public ::testing::TestWithParam<Live> {};

TEST_P(OwnTraffic, HostUdpIsCapturedInOutAndOutNotIn) {
  if (!test::have_net_admin()) GTEST_SKIP() << "needs CAP_NET_ADMIN";
  const Live b = GetParam();
  test::VethPair vp(b == Live::afpacket ? "own1" : "own2");
  ASSERT_TRUE(vp.ok());
  AfPacketConfig c;
  c.iface = vp.host_if();
  c.expected_pps = 100'000;
  AfPacketConfig ci = c, co = c;
  ci.direction = CaptureDirection::in;
  co.direction = CaptureDirection::out;
  auto s_all = open_live(b, c);
  auto s_in = open_live(b, ci);
  auto s_out = open_live(b, co);
  ASSERT_TRUE(s_all && s_in && s_out);
  constexpr int kN = 2000;
  ASSERT_EQ(send_udp_out(vp.host_if(), 47123, kN), static_cast<std::uint64_t>(kN));
  auto want = [](const PacketView& v) { return is_udp_to(v, 47123); };
  EXPECT_EQ(count_matching(*s_all, want), static_cast<std::uint64_t>(kN)) << name_of(b);
  EXPECT_EQ(count_matching(*s_out, want), static_cast<std::uint64_t>(kN)) << name_of(b);
  EXPECT_EQ(count_matching(*s_in, want), 0u) << name_of(b);
}

TEST_P(OwnTraffic, RiptidesOwnFramesAreNeverCapturedOthersAre) {
  if (!test::have_net_admin()) GTEST_SKIP() << "needs CAP_NET_ADMIN";
  const Live b = GetParam();
  test::VethPair vp(b == Live::afpacket ? "own3" : "own4");
  ASSERT_TRUE(vp.ok());
  AfPacketConfig c;
  c.iface = vp.host_if();
  c.expected_pps = 100'000;
  AfPacketConfig unmarked = c;
  unmarked.reject_own_tx = false;  // control: shows the frames did pass the capture tap
  auto s = open_live(b, c);
  auto s_control = open_live(b, unmarked);
  ASSERT_TRUE(s && s_control);

  // Through the qdisc, so the frames do pass the capture taps: only the mark keeps them out.
  TxConfig tc;
  tc.qdisc_bypass = false;
  auto tx = TxSocket::open(vp.host_if(), tc);
  ASSERT_TRUE(tx.ok()) << tx.error().message;
  ASSERT_TRUE(tx->marks_frames());
  test::UdpFrameSpec mine;
  mine.seq = 11;
  const auto f_mine = test::build_udp_frame(mine);
  std::vector<std::span<const std::uint8_t>> batch(100, std::span<const std::uint8_t>(f_mine));
  ASSERT_EQ(tx->send_batch(batch), 100u);

  // Another program's raw frames on the same interface are the host's traffic: captured.
  test::UdpFrameSpec theirs;
  theirs.seq = 12;
  const auto f_theirs = test::build_udp_frame(theirs);
  const int fd = ::socket(AF_PACKET, SOCK_RAW, 0);
  ASSERT_GE(fd, 0);
  sockaddr_ll sll{};
  sll.sll_family = AF_PACKET;
  sll.sll_ifindex = static_cast<int>(if_nametoindex(vp.host_if().c_str()));
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&sll), sizeof sll), 0);
  int sent = 0;
  for (int i = 0; i < 40; ++i) sent += ::send(fd, f_theirs.data(), f_theirs.size(), 0) > 0;
  ::close(fd);
  ASSERT_EQ(sent, 40);

  std::uint64_t m = 0, t = 0, cm = 0, ct = 0;
  test::drain(*s, [&](const PacketView& v) {
    const auto q = test::frame_seq(v.data, v.caplen);
    m += q == 11;
    t += q == 12;
  }, [] { return true; }, 300ms);
  test::drain(*s_control, [&](const PacketView& v) {
    const auto q = test::frame_seq(v.data, v.caplen);
    cm += q == 11;
    ct += q == 12;
  }, [] { return true; }, 300ms);
  EXPECT_EQ(m, 0u) << name_of(b) << ": riptide captured its own frames";
  // Rejected in the kernel, so not even counted: the ledger stays exact.
  EXPECT_EQ(s->stats().kernel_packets, s->stats().packets) << name_of(b);
  EXPECT_EQ(t, 40u) << name_of(b);
  EXPECT_EQ(cm, 100u) << name_of(b) << ": control without the mark test";
  EXPECT_EQ(ct, 40u) << name_of(b);
}

INSTANTIATE_TEST_SUITE_P(Backends, OwnTraffic, ::testing::Values(Live::afpacket, Live::pcap),
                         [](const ::testing::TestParamInfo<Live>& p) { return std::string(name_of(p.param)); });

}  // namespace
}  // namespace riptide
