// Analyzers send frames up to the interface MTU: the transmit queue's slots are sized from the
// interface at start (MTU + link header + a VLAN tag), so a 1,514-byte frame leaves a
// 1,500-MTU veth whole and a 9,014-byte one a 9,000-MTU veth; a frame longer than the MTU
// allows is refused and counted (tx_oversize), never cut.
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "engine/engine_test_util.hpp"
#include "support/netns.hpp"

namespace riptide::test {
namespace {

constexpr std::uint16_t kType = 0x88b5;  // IEEE local experimental ethertype

std::vector<std::uint8_t> frame_of(std::size_t len) {
  std::vector<std::uint8_t> f(len, 0xa5);
  for (int i = 0; i < 6; ++i) f[i] = 0xff;
  const std::uint8_t src[6] = {0x02, 0x52, 0x54, 0, 0, 0x42};
  std::copy(src, src + 6, f.begin() + 6);
  f[12] = kType >> 8;
  f[13] = kType & 0xff;
  return f;
}

struct Probe {
  std::atomic<std::size_t> max_send{0};
  std::atomic<int> accepted{0}, refused{0};
};

// Once, on its first wall tick: one frame of `len` bytes, and one a byte over max_send_frame().
class Big final : public Analyzer {
 public:
  Big(Probe& p, std::size_t len) : p_(p), len_(len) {}
  std::string_view name() const noexcept override { return "big"; }
  void on_start(AnalyzerContext& ctx) override {
    ctx.add_timer(std::chrono::milliseconds(200), TimeBase::wall, [this, &ctx](TimestampNs) {
      if (done_) return;
      done_ = true;
      p_.max_send = ctx.max_send_frame();
      (ctx.send(frame_of(len_)) ? p_.accepted : p_.refused).fetch_add(1);
      (ctx.send(frame_of(ctx.max_send_frame() + 1)) ? p_.accepted : p_.refused).fetch_add(1);
    });
  }
  void on_packet(const PacketMeta&, const PacketView&) override {}

 private:
  Probe& p_;
  std::size_t len_;
  bool done_ = false;
};

// Lengths of the kType frames arriving at the peer end, inside its namespace.
class PeerSizes {
 public:
  PeerSizes(const std::string& ns, const std::string& iface) {
    fd_ = packet_socket_in_netns(ns, iface, kType);
    if (fd_ >= 0)
      th_ = std::thread([this] {
        std::vector<std::uint8_t> buf(70000);
        while (!stop_) {
          pollfd p{fd_, POLLIN, 0};
          if (poll(&p, 1, 50) <= 0) continue;
          ssize_t n;
          // MSG_TRUNC: the frame's real length even if it were longer than the buffer.
          while ((n = recv(fd_, buf.data(), buf.size(), MSG_DONTWAIT | MSG_TRUNC)) > 0) {
            std::lock_guard lk(mu_);
            sizes_.push_back(static_cast<std::size_t>(n));
          }
        }
      });
  }
  ~PeerSizes() {
    stop_ = true;
    if (th_.joinable()) th_.join();
    if (fd_ >= 0) ::close(fd_);
  }
  bool ok() const { return fd_ >= 0; }
  std::vector<std::size_t> wait_for(std::size_t want) {
    for (int i = 0; i < 100; ++i) {
      {
        std::lock_guard lk(mu_);
        if (sizes_.size() >= want) break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    std::lock_guard lk(mu_);
    return sizes_;
  }

 private:
  int fd_ = -1;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::vector<std::size_t> sizes_;
  std::thread th_;
};

struct MtuCase {
  unsigned mtu;
  const char* tag;
};

class TxMtu : public ::testing::TestWithParam<MtuCase> {};

TEST_P(TxMtu, AFrameOfTheWholeMtuLeavesWholeAndALongerOneIsCounted) {
  if (!have_net_admin()) GTEST_SKIP() << "needs root (network namespaces)";
  const unsigned mtu = GetParam().mtu;
  VethPair vp(GetParam().tag);
  ASSERT_TRUE(vp.ok());
  const std::string m = std::to_string(mtu);
  ASSERT_EQ(sh("ip link set dev " + vp.host_if() + " mtu " + m), 0);
  ASSERT_EQ(vp.exec_in_ns("ip link set dev " + vp.peer_if() + " mtu " + m), 0);
  PeerSizes peer(vp.netns(), vp.peer_if());
  ASSERT_TRUE(peer.ok());

  EngineConfig c;
  c.backend = Backend::afpacket;
  c.capture.iface = vp.host_if();
  c.capture.expected_pps = 10'000;
  c.quiet = true;
  c.duration_s = 0.8;
  Probe p;
  const std::size_t len = mtu + 14;  // the whole MTU in an untagged Ethernet frame
  std::vector<std::unique_ptr<AnalyzerFactory>> v;
  v.push_back(std::make_unique<LambdaFactory>("big", [&p, len](std::size_t) { return std::make_unique<Big>(p, len); }));
  auto e = Engine::create(c, std::move(v));
  ASSERT_TRUE(e) << e.error().message;
  auto rep = (*e)->run();
  ASSERT_TRUE(rep) << rep.error().message;
  const RunReport& r = *rep;

  EXPECT_EQ(p.max_send.load(), mtu + 18u);  // link header and one VLAN tag
  EXPECT_EQ(p.accepted.load(), 1);
  EXPECT_EQ(p.refused.load(), 1);
  EXPECT_EQ(r.tx_sent, 1u);
  EXPECT_EQ(r.tx_failed, 0u);
  EXPECT_EQ(r.tx_refused, 1u);
  EXPECT_EQ(r.tx_oversize, 1u);
  const auto sizes = peer.wait_for(1);
  ASSERT_EQ(sizes.size(), 1u);
  EXPECT_EQ(sizes[0], len);
  EXPECT_NE(format_report(r).find("(1 longer than the MTU allows)"), std::string::npos) << format_report(r);
  EXPECT_NE(report_json(r).find("\"tx_oversize\":1"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Mtus, TxMtu, ::testing::Values(MtuCase{1500, "mtus"}, MtuCase{9000, "mtuj"}),
                         [](const auto& i) { return "mtu" + std::to_string(i.param.mtu); });

}  // namespace
}  // namespace riptide::test
