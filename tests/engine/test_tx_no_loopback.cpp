// Frames analyzers send go out on the capture interface and are never captured back: an
// analyzer transmits on a veth while riptide captures on it; the capture counts only the
// peer's traffic, and the peer, in its namespace, receives every frame we sent.
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>

#include <atomic>
#include <thread>

#include "engine/engine_test_util.hpp"
#include "support/netns.hpp"
#include "support/sender.hpp"

namespace riptide::test {
namespace {

constexpr std::uint16_t kBeaconType = 0x88b5;  // IEEE local experimental ethertype

std::vector<std::uint8_t> beacon_frame(std::uint32_t seq) {
  std::vector<std::uint8_t> f(64, 0);
  for (int i = 0; i < 6; ++i) f[i] = 0xff;
  const std::uint8_t src[6] = {0x02, 0x52, 0x54, 0, 0, 0x99};
  std::copy(src, src + 6, f.begin() + 6);
  f[12] = kBeaconType >> 8;
  f[13] = kBeaconType & 0xff;
  f[14] = static_cast<std::uint8_t>(seq >> 24);
  f[15] = static_cast<std::uint8_t>(seq >> 16);
  f[16] = static_cast<std::uint8_t>(seq >> 8);
  f[17] = static_cast<std::uint8_t>(seq);
  return f;
}

struct BeaconProbe {
  std::atomic<std::uint64_t> queued{0}, refused{0}, beacons_captured{0}, udp_captured{0};
};

// Sends 10 frames every 100 ms of wall time (100 frames/s) and counts what it captures.
class Beacon final : public Analyzer {
 public:
  explicit Beacon(BeaconProbe& p) : p_(p) {}
  std::string_view name() const noexcept override { return "beacon"; }
  void on_start(AnalyzerContext& ctx) override {
    ctx.add_timer(std::chrono::milliseconds(100), TimeBase::wall, [this, &ctx](TimestampNs) {
      for (int i = 0; i < 10; ++i) {
        const auto f = beacon_frame(seq_++);
        if (ctx.send(f)) p_.queued.fetch_add(1);
        else p_.refused.fetch_add(1);
      }
    });
  }
  void on_packet(const PacketMeta& m, const PacketView&) override {
    if (m.ethertype == kBeaconType) p_.beacons_captured.fetch_add(1);
    if (m.ip_proto == 17) p_.udp_captured.fetch_add(1);
  }

 private:
  BeaconProbe& p_;
  std::uint32_t seq_ = 0;
};

// A receive socket on the peer end of the veth, inside its namespace.
class PeerCounter {
 public:
  PeerCounter(const std::string& ns, const std::string& iface) {
    fd_ = packet_socket_in_netns(ns, iface, kBeaconType);
  }
  ~PeerCounter() {
    stop_ = true;
    if (th_.joinable()) th_.join();
    if (fd_ >= 0) ::close(fd_);
  }
  bool ok() const { return fd_ >= 0; }
  void start() {
    th_ = std::thread([this] {
      std::uint8_t buf[2048];
      while (!stop_) {
        pollfd p{fd_, POLLIN, 0};
        if (poll(&p, 1, 50) <= 0) continue;
        while (recv(fd_, buf, sizeof buf, MSG_DONTWAIT) > 0) received_.fetch_add(1);
      }
    });
  }
  // Waits until `want` frames arrived or a second went by.
  std::uint64_t wait_for(std::uint64_t want) {
    for (int i = 0; i < 100 && received_.load() < want; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    return received_.load();
  }

 private:
  int fd_ = -1;
  std::atomic<bool> stop_{false};
  std::atomic<std::uint64_t> received_{0};
  std::thread th_;
};

class TxTopo : public ::testing::TestWithParam<Topology> {};

TEST_P(TxTopo, OwnFramesAreSentButNeverCaptured) {
  if (!have_net_admin()) GTEST_SKIP() << "needs root (network namespaces)";
  VethPair vp(GetParam() == Topology::workers ? "etxw" : "etxd");
  ASSERT_TRUE(vp.ok());
  PeerCounter peer(vp.netns(), vp.peer_if());
  ASSERT_TRUE(peer.ok());
  peer.start();

  EngineConfig c;
  c.backend = Backend::afpacket;
  c.capture.iface = vp.host_if();
  c.capture.expected_pps = 10'000;
  c.topology = GetParam();
  c.dispatch.workers = 1;
  c.quiet = true;
  c.duration_s = 1.5;
  BeaconProbe p;
  std::vector<std::unique_ptr<AnalyzerFactory>> v;
  v.push_back(std::make_unique<LambdaFactory>("beacon", [&p](std::size_t) { return std::make_unique<Beacon>(p); }));
  auto e = Engine::create(c, std::move(v));
  ASSERT_TRUE(e) << e.error().message;

  BackgroundRun run(**e);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const auto frame = build_udp_frame(UdpFrameSpec{});
  const auto sent = send_in_netns(vp.netns(), vp.peer_if(), {frame}, 1000, 2000);
  const auto& rep = run.join();
  ASSERT_TRUE(sent.ok()) << sent.error;
  ASSERT_TRUE(rep) << rep.error().message;
  const RunReport& r = *rep;

  EXPECT_EQ(r.tx_iface, vp.host_if());
  EXPECT_GE(p.queued.load(), 80u);  // ~14 ticks of 10 frames in 1.5 s
  EXPECT_EQ(p.refused.load(), 0u);
  EXPECT_EQ(r.tx_sent, p.queued.load());
  EXPECT_EQ(r.tx_failed, 0u);
  EXPECT_EQ(r.tx_refused, 0u);
  // Nothing we sent came back into the capture; everything the peer sent did.
  EXPECT_EQ(p.beacons_captured.load(), 0u);
  EXPECT_EQ(p.udp_captured.load(), sent.sent);
  EXPECT_EQ(r.captured, sent.sent);
  EXPECT_TRUE(r.ledger_balanced());
  EXPECT_EQ(r.kernel_packets, r.captured + r.kernel_drops);
  // The peer got every frame we sent.
  EXPECT_EQ(peer.wait_for(r.tx_sent), r.tx_sent);
  EXPECT_NE(format_report(r).find("transmit     on " + vp.host_if()), std::string::npos);
}

TEST(Tx, FilesHaveNoTransmitPathUnlessAsked) {
  TempDir d;
  write_udp_pcap(d.file("in.pcap"), 10, 1'700'000'000'000'000'000, 1'000'000);
  BeaconProbe p;
  struct Sender final : Analyzer {
    BeaconProbe& p;
    AnalyzerContext* ctx = nullptr;
    explicit Sender(BeaconProbe& pp) : p(pp) {}
    std::string_view name() const noexcept override { return "sender"; }
    void on_start(AnalyzerContext& c) override { ctx = &c; }
    void on_packet(const PacketMeta&, const PacketView&) override {
      if (ctx->send(beacon_frame(1))) p.queued.fetch_add(1);
      else p.refused.fetch_add(1);
    }
  };
  std::vector<std::unique_ptr<AnalyzerFactory>> v;
  v.push_back(std::make_unique<LambdaFactory>("sender", [&p](std::size_t) { return std::make_unique<Sender>(p); }));
  const auto r = run_engine(file_config(d.file("in.pcap")), std::move(v));
  EXPECT_EQ(p.refused.load(), 10u);
  EXPECT_EQ(r.tx_refused, 10u);
  EXPECT_TRUE(r.tx_iface.empty());
  // A refused frame is work not done, not a lost packet: the report says both.
  const std::string report = format_report(r);
  const auto refused_at = report.find("tx_refused");
  const auto undone_at = report.find("work analyzers asked for that was not done");
  ASSERT_NE(refused_at, std::string::npos) << report;
  ASSERT_NE(undone_at, std::string::npos) << report;
  EXPECT_LT(undone_at, refused_at) << report;
  EXPECT_NE(report.find("no packet was lost at any stage"), std::string::npos) << report;
  EXPECT_EQ(report.find("where packets were lost"), std::string::npos) << report;

  auto c = file_config(d.file("in.pcap"));
  c.tx.iface = "riptide-no-such-if0";
  std::vector<std::unique_ptr<AnalyzerFactory>> none;
  auto e = Engine::create(c, std::move(none));
  ASSERT_FALSE(e);
  EXPECT_NE(e.error().message.find("riptide-no-such-if0"), std::string::npos) << e.error().message;
}

INSTANTIATE_TEST_SUITE_P(Topologies, TxTopo, ::testing::Values(Topology::workers, Topology::dispatch),
                         [](const auto& i) { return std::string(to_string(i.param)); });

}  // namespace
}  // namespace riptide::test
