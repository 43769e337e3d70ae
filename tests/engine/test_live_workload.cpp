// Live engine under realistic analyzer work, on a veth pair whose peer sits in a namespace:
// (1) an analyzer that offloads a 200 ms calculation every 500 ms loses nothing while the peer
//     sends as fast as this machine allows: the long work runs on the compute pool, never on
//     the capture thread;
// (2) the built-in reporter's summary frames arrive at the other end of the link, one per
//     period, numbered without gaps, with counts that add up, at a steady pace.
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>
#include <mutex>
#include <thread>

#include "engine/engine_test_util.hpp"
#include "riptide/analyze/reporter.hpp"
#include "riptide/analyze/summary_frame.hpp"
#include "support/netns.hpp"
#include "riptide/core/clock.hpp"
#include "support/sender.hpp"

namespace riptide::test {
namespace {

using namespace std::chrono_literals;

double monotonic_s() { return static_cast<double>(monotonic_ns()) * 1e-9; }

// Pins the calling thread to one CPU for its lifetime and restores the previous mask: the
// sender's child process inherits it, so the generator and the capture thread do not fight
// for the same CPU.
class PinThisThread {
 public:
  explicit PinThisThread(int cpu) {
    ok_ = sched_getaffinity(0, sizeof old_, &old_) == 0;
    cpu_set_t s;
    CPU_ZERO(&s);
    CPU_SET(cpu, &s);
    if (ok_) ok_ = sched_setaffinity(0, sizeof s, &s) == 0;
  }
  ~PinThisThread() {
    if (ok_) sched_setaffinity(0, sizeof old_, &old_);
  }
  PinThisThread(const PinThisThread&) = delete;
  PinThisThread& operator=(const PinThisThread&) = delete;

 private:
  cpu_set_t old_{};
  bool ok_ = false;
};

// ---------------------------------------------------------------------------------------
// 1. Long offloaded work does not stall capture.

struct WorkProbe {
  std::atomic<std::uint64_t> submitted{0}, refused{0}, results{0}, wrong_thread{0}, packets{0};
};

// Stands for a real calculation over a snapshot (a model fit, a sort of a big table): 200 ms
// on the compute pool. Sleeping is enough, what matters is that it is long and off the
// packet thread.
class SlowTask final : public OffloadTask {
 public:
  SlowTask(WorkProbe& p, std::thread::id owner, std::uint64_t snapshot) : p_(p), owner_(owner), snapshot_(snapshot) {}
  void run() override {
    if (std::this_thread::get_id() == owner_) p_.wrong_thread.fetch_add(1);
    std::this_thread::sleep_for(200ms);
    result_ = snapshot_ + 1;
  }
  void complete() override {
    if (std::this_thread::get_id() != owner_ || result_ != snapshot_ + 1) p_.wrong_thread.fetch_add(1);
    p_.results.fetch_add(1);
  }

 private:
  WorkProbe& p_;
  std::thread::id owner_;
  std::uint64_t snapshot_, result_ = 0;
};

class SlowWorker final : public Analyzer {
 public:
  explicit SlowWorker(WorkProbe& p) : p_(p) {}
  std::string_view name() const noexcept override { return "slow-worker"; }
  void on_start(AnalyzerContext& ctx) override {
    ctx.add_timer(500ms, TimeBase::wall, [this, &ctx](TimestampNs) {
      if (ctx.offload(std::make_unique<SlowTask>(p_, std::this_thread::get_id(), seen_)))
        p_.submitted.fetch_add(1);
      else
        p_.refused.fetch_add(1);
    });
  }
  void on_packet(const PacketMeta&, const PacketView&) override { ++seen_; }
  void on_stop() override { p_.packets.fetch_add(seen_); }

 private:
  WorkProbe& p_;
  std::uint64_t seen_ = 0;
};

class LiveWorkTopo : public ::testing::TestWithParam<Topology> {};

TEST_P(LiveWorkTopo, LongOffloadedWorkDoesNotStallCapture) {
  if (!have_net_admin()) GTEST_SKIP() << "needs root (network namespaces)";
  VethPair vp(GetParam() == Topology::workers ? "elww" : "elwd");
  ASSERT_TRUE(vp.ok());

  constexpr double kAskPps = 300'000 * kLiveRateScale;
  // 3 s at the asked rate; longer if the machine is slower.
  constexpr auto kFrames = static_cast<std::uint64_t>(900'000 * kLiveRateScale);

  EngineConfig c;
  c.backend = Backend::afpacket;
  c.capture.iface = vp.host_if();
  c.capture.expected_pps = static_cast<std::uint64_t>(kAskPps);
  c.topology = GetParam();
  c.dispatch.workers = 1;
  // Every packet thread on CPU 1, the generator alone on CPU 0. An unpinned dispatch worker
  // was measured to overflow its default queue (up to ~1400 of 900k frames) even with no
  // offloading at all: that is scheduling, not what this test is about.
  c.cpus = {1, 1};
  // Sharing CPU 1, the worker waits for the capture thread's time slices: its queue must
  // hold a few of them (default 4096 slots = 14 ms at 300 kpps overflowed now and then).
  // 64 K slots of 128 bytes (the frames are 64) = 218 ms in 8 MiB.
  c.dispatch.ring_slots = 65536;
  c.dispatch.slot_bytes = 128;
  c.offload.threads = 1;
  c.quiet = true;
  WorkProbe p;
  std::vector<std::unique_ptr<AnalyzerFactory>> v;
  v.push_back(std::make_unique<LambdaFactory>("slow-worker", [&p](std::size_t) { return std::make_unique<SlowWorker>(p); }));
  auto e = Engine::create(c, std::move(v));
  ASSERT_TRUE(e) << e.error().message;

  BackgroundRun run(**e);

  // The socket is bound by create(): frames sent from now on are in the ring even if the
  // capture thread has not polled yet. The pause only lets the first timers register.
  std::this_thread::sleep_for(500ms);
  std::vector<std::vector<std::uint8_t>> frames;
  for (std::uint16_t f = 0; f < 64; ++f) {
    UdpFrameSpec s;
    s.src_port = static_cast<std::uint16_t>(1000 + f);
    frames.push_back(build_udp_frame(s));
  }
  SendResult sent;
  double send_s = 0;
  {
    PinThisThread pin(0);
    const double t0 = monotonic_s();
    sent = send_in_netns(vp.netns(), vp.peer_if(), frames, kFrames, kAskPps);
    send_s = monotonic_s() - t0;
  }
  ASSERT_TRUE(sent.ok()) << sent.error;
  // Let the capture catch up with what is already in the ring (bounded), then stop; the
  // engine drains the ring before reporting.
  for (int i = 0; i < 200 && (*e)->snapshot().captured < sent.sent; ++i) std::this_thread::sleep_for(10ms);
  std::this_thread::sleep_for(500ms);  // one more timer period with an idle link
  const auto& rep = run.stop_and_join();
  ASSERT_TRUE(rep) << rep.error().message;
  const RunReport& r = *rep;

  const double achieved = send_s > 0 ? static_cast<double>(sent.sent) / send_s : 0;
  std::printf("[live-work %s] sent %llu frames in %.2f s = %.0f pps (asked %.0f), sender errors %llu; "
              "captured %llu, kernel drops %llu, queue drops %llu; offload submitted %llu completed %llu "
              "refused %llu failed %llu, max latency %.1f ms, results %llu, elapsed %.2f s\n",
              std::string(to_string(GetParam())).c_str(), static_cast<unsigned long long>(sent.sent), send_s,
              achieved, kAskPps, static_cast<unsigned long long>(sent.errors),
              static_cast<unsigned long long>(r.captured), static_cast<unsigned long long>(r.kernel_drops),
              static_cast<unsigned long long>(r.worker_queue_drops),
              static_cast<unsigned long long>(r.offload_submitted),
              static_cast<unsigned long long>(r.offload_completed), static_cast<unsigned long long>(r.offload_refused),
              static_cast<unsigned long long>(r.offload_failed), static_cast<double>(r.offload_max_latency_ns) / 1e6,
              static_cast<unsigned long long>(p.results.load()), r.elapsed_s);
  RecordProperty("achieved_pps", static_cast<int>(achieved));
  RecordProperty("offload_submitted", static_cast<int>(r.offload_submitted));
  RecordProperty("offload_max_latency_us", static_cast<int>(r.offload_max_latency_ns / 1000));

  EXPECT_GT(sent.sent, 0u);
  // Nothing lost anywhere on our side while the compute pool was busy.
  EXPECT_EQ(r.kernel_drops, 0u);
  EXPECT_EQ(r.worker_queue_drops, 0u);
  EXPECT_EQ(r.captured, sent.sent) << format_report(r);
  EXPECT_EQ(p.packets.load(), sent.sent);
  EXPECT_TRUE(r.ledger_balanced());
  // Every task submitted came back, on the submitting thread, and none was refused.
  EXPECT_EQ(r.offload_refused, 0u);
  EXPECT_EQ(p.refused.load(), 0u);
  EXPECT_EQ(r.offload_failed, 0u);
  EXPECT_EQ(r.offload_submitted, p.submitted.load());
  EXPECT_EQ(r.offload_completed, r.offload_submitted);
  EXPECT_EQ(p.results.load(), r.offload_submitted);
  EXPECT_EQ(p.wrong_thread.load(), 0u);
  // The 500 ms timer kept firing during the whole run, the busy part included.
  EXPECT_GE(static_cast<double>(r.offload_submitted), std::floor(r.elapsed_s / 0.5) - 1.0) << r.elapsed_s;
}

INSTANTIATE_TEST_SUITE_P(Topologies, LiveWorkTopo, ::testing::Values(Topology::workers, Topology::dispatch),
                         [](const auto& i) { return std::string(to_string(i.param)); });

// ---------------------------------------------------------------------------------------
// 1b. A slow analyzer: its worker's queue overflows and the drops are counted there, while
//     capture and the other worker lose nothing.

struct SlowProbe {
  std::atomic<bool> slow{true};
  std::mutex mu;
  std::map<std::uint16_t, std::uint64_t> per_flow[2];  // src port -> packets, per worker
};

class SlowOnWorkerZero final : public Analyzer {
 public:
  SlowOnWorkerZero(SlowProbe& p, std::size_t w) : p_(p), w_(w) {}
  std::string_view name() const noexcept override { return "slow-on-0"; }
  void on_packet(const PacketMeta& m, const PacketView&) override {
    ++seen_[m.sport];
    // 1 ms per packet on worker 0 while the sender runs: about a thousand packets a second.
    if (w_ == 0 && p_.slow.load(std::memory_order_relaxed)) std::this_thread::sleep_for(1ms);
  }
  void on_stop() override {
    std::lock_guard lk(p_.mu);
    for (const auto& [port, n] : seen_) p_.per_flow[w_ < 2 ? w_ : 1][port] += n;
  }

 private:
  SlowProbe& p_;
  std::size_t w_;
  std::map<std::uint16_t, std::uint64_t> seen_;
};

TEST(LiveSlowAnalyzer, DropsAreCountedAtItsQueueAndNowhereElse) {
  if (!have_net_admin()) GTEST_SKIP() << "needs root (network namespaces)";
  VethPair vp("elsa");
  ASSERT_TRUE(vp.ok());
  constexpr std::uint16_t kFlows = 64;
  // Every flow gets the same count (round robin).
  constexpr auto kFrames = static_cast<std::uint64_t>(64 * 2500 * kLiveRateScale);

  EngineConfig c;
  c.backend = Backend::afpacket;
  c.capture.iface = vp.host_if();
  c.topology = Topology::dispatch;
  c.dispatch.workers = 2;
  // Worker 1 rides out ~160 ms of scheduling delay; worker 0's queue must still overflow.
  c.dispatch.ring_slots = kLiveRateScale < 1 ? 1024 : 16384;
  c.cpus = {1};
  c.quiet = true;
  SlowProbe p;
  std::vector<std::unique_ptr<AnalyzerFactory>> v;
  v.push_back(std::make_unique<LambdaFactory>("slow-on-0", [&p](std::size_t w) { return std::make_unique<SlowOnWorkerZero>(p, w); }));
  auto e = Engine::create(c, std::move(v));
  ASSERT_TRUE(e) << e.error().message;
  BackgroundRun run(**e);

  std::vector<std::vector<std::uint8_t>> frames;
  for (std::uint16_t f = 0; f < kFlows; ++f) {
    UdpFrameSpec s;
    s.src_port = static_cast<std::uint16_t>(2000 + f);
    frames.push_back(build_udp_frame(s));
  }
  SendResult sent;
  {
    PinThisThread pin(0);
    sent = send_in_netns(vp.netns(), vp.peer_if(), frames, kFrames, 100'000 * kLiveRateScale);
  }
  ASSERT_TRUE(sent.ok()) << sent.error;
  ASSERT_EQ(sent.sent, kFrames);
  for (int i = 0; i < 300 && (*e)->snapshot().captured < sent.sent; ++i) std::this_thread::sleep_for(10ms);
  p.slow = false;  // the backlog of worker 0 drains quickly now
  const auto& rep = run.stop_and_join();
  ASSERT_TRUE(rep) << rep.error().message;
  const RunReport& r = *rep;
  std::printf("[slow-analyzer] captured %llu, kernel drops %llu, worker-queue drops %llu, worker 0 flows %zu, worker 1 flows %zu\n",
              static_cast<unsigned long long>(r.captured), static_cast<unsigned long long>(r.kernel_drops),
              static_cast<unsigned long long>(r.worker_queue_drops), p.per_flow[0].size(), p.per_flow[1].size());

  // Capture kept going: everything sent was captured; the loss is at the slow worker's queue.
  EXPECT_EQ(r.kernel_drops, 0u);
  EXPECT_EQ(r.captured, kFrames) << format_report(r);
  EXPECT_GT(r.worker_queue_drops, 0u);
  EXPECT_TRUE(r.ledger_balanced());
  EXPECT_EQ(r.processed + r.worker_queue_drops, r.captured);
  // The flow hash gave each worker some flows, and the fast worker saw every packet of its own.
  ASSERT_FALSE(p.per_flow[1].empty());
  ASSERT_FALSE(p.per_flow[0].empty());
  std::uint64_t seen0 = 0;
  for (const auto& [port, n] : p.per_flow[1]) EXPECT_EQ(n, kFrames / kFlows) << "flow from port " << port << " on the fast worker";
  for (const auto& [port, n] : p.per_flow[0]) seen0 += n;
  EXPECT_EQ(seen0 + r.worker_queue_drops, kFrames / kFlows * p.per_flow[0].size());
  // The report names the drop point and says what to change.
  const std::string text = format_report(r);
  EXPECT_NE(text.find("worker_queue_drops"), std::string::npos) << text;
}

// ---------------------------------------------------------------------------------------
// 2. Reporter frames arrive at the other end.

struct Received {
  std::int64_t rx_ns = 0;  // kernel receive stamp (SO_TIMESTAMPNS), else clock at receipt
  std::vector<std::uint8_t> frame;
};

// An AF_PACKET socket for one EtherType on the peer end of the veth, inside its namespace,
// keeping every frame with its receive time.
class PeerReceiver {
 public:
  PeerReceiver(const std::string& ns, const std::string& iface, std::uint16_t ethertype) {
    fd_ = packet_socket_in_netns(ns, iface, ethertype);
    const int on = 1;
    if (fd_ >= 0) setsockopt(fd_, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on);
    if (fd_ >= 0) th_ = std::thread([this] { loop(); });
  }
  ~PeerReceiver() {
    stop_ = true;
    if (th_.joinable()) th_.join();
    if (fd_ >= 0) ::close(fd_);
  }
  PeerReceiver(const PeerReceiver&) = delete;
  PeerReceiver& operator=(const PeerReceiver&) = delete;

  bool ok() const { return fd_ >= 0; }
  std::vector<Received> take() {
    std::lock_guard<std::mutex> g(mu_);
    return std::move(got_);
  }
  bool saw_kernel_stamps() const { return kernel_stamps_.load() > 0; }

 private:
  void loop() {
    std::uint8_t buf[4096];
    alignas(cmsghdr) char ctl[256];
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, 20) <= 0) continue;
      for (;;) {
        iovec iov{buf, sizeof buf};
        msghdr m{};
        m.msg_iov = &iov;
        m.msg_iovlen = 1;
        m.msg_control = ctl;
        m.msg_controllen = sizeof ctl;
        const ssize_t n = recvmsg(fd_, &m, MSG_DONTWAIT);
        if (n <= 0) break;
        Received r;
        r.rx_ns = realtime_ns();
        for (cmsghdr* c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
          if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
            timespec ts{};
            std::memcpy(&ts, CMSG_DATA(c), sizeof ts);
            if (ts.tv_sec != 0) {
              r.rx_ns = static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
              kernel_stamps_.fetch_add(1);
            }
          }
        }
        r.frame.assign(buf, buf + n);
        std::lock_guard<std::mutex> g(mu_);
        got_.push_back(std::move(r));
      }
    }
  }

  int fd_ = -1;
  std::atomic<bool> stop_{false};
  std::atomic<std::uint64_t> kernel_stamps_{0};
  std::mutex mu_;
  std::vector<Received> got_;
  std::thread th_;
};

double percentile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t i = static_cast<std::size_t>(std::ceil(q * static_cast<double>(v.size()))) - 1;
  return v[std::min(i, v.size() - 1)];
}

TEST(LiveReporter, SummaryFramesArriveAtThePeerOnePerPeriod) {
  if (!have_net_admin()) GTEST_SKIP() << "needs root (network namespaces)";
  VethPair vp("elrp");
  ASSERT_TRUE(vp.ok());

  ReporterConfig rc;
  rc.period = 100ms;
  rc.transport = ReporterConfig::Transport::ethertype;
  rc.top_n = 5;
  auto f = ReporterFactory::create(rc);
  ASSERT_TRUE(f) << f.error().message;

  PeerReceiver peer(vp.netns(), vp.peer_if(), rc.ethertype);
  ASSERT_TRUE(peer.ok());

  EngineConfig c;
  c.backend = Backend::afpacket;
  c.capture.iface = vp.host_if();
  c.capture.expected_pps = 10'000;
  c.topology = Topology::workers;
  c.quiet = true;
  c.duration_s = 2.0;
  std::vector<std::unique_ptr<AnalyzerFactory>> v;
  v.push_back(std::move(*f));
  auto e = Engine::create(c, std::move(v));
  ASSERT_TRUE(e) << e.error().message;

  BackgroundRun run(**e);
  // Some traffic for the summaries to count: one source address, 1000 frames/s for 1.5 s.
  UdpFrameSpec spec;
  spec.frame_bytes = 100;
  const auto sent = send_in_netns(vp.netns(), vp.peer_if(), {build_udp_frame(spec)}, 1500, 1000);
  const auto& rep = run.join();
  ASSERT_TRUE(sent.ok()) << sent.error;
  ASSERT_TRUE(rep) << rep.error().message;
  const RunReport& r = *rep;
  EXPECT_EQ(r.captured, sent.sent);
  EXPECT_EQ(r.tx_failed, 0u);
  EXPECT_EQ(r.tx_refused, 0u);

  // Frames are in flight for microseconds on a veth; a short wait covers a loaded machine.
  std::vector<Received> got;
  for (int i = 0; i < 50; ++i) {
    auto more = peer.take();
    got.insert(got.end(), std::make_move_iterator(more.begin()), std::make_move_iterator(more.end()));
    if (got.size() >= r.tx_sent) break;
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_EQ(got.size(), r.tx_sent);

  struct Parsed {
    std::int64_t rx_ns;
    SummaryFrame s;
  };
  std::vector<Parsed> periodic;
  std::vector<SummaryFrame> finals;
  std::size_t unparsable = 0;
  for (const auto& g : got) {
    auto s = parse_summary_frame(g.frame);
    if (!s) {
      ++unparsable;
      continue;
    }
    if (s->flags & kSummaryFlagFinal) finals.push_back(*s);
    else periodic.push_back({g.rx_ns, *s});
  }
  EXPECT_EQ(unparsable, 0u);
  ASSERT_GE(periodic.size(), 2u);

  // One report per period of the run, give or take the partial periods at both ends.
  const double want = r.elapsed_s / 0.1;
  EXPECT_LE(std::fabs(static_cast<double>(periodic.size()) - want), 1.0)
      << periodic.size() << " reports in " << r.elapsed_s << " s";

  // Numbered from 0 without a gap, then the final report; counts add up across frames.
  EXPECT_EQ(periodic.front().s.sequence, 0u);
  std::uint64_t total_p = 0, total_b = 0;
  const IpAddr sender_ip = [] {
    const std::uint8_t a[4] = {10, 0, 0, 1};
    return IpAddr::from_v4(a);
  }();
  for (std::size_t i = 0; i < periodic.size(); ++i) {
    const SummaryFrame& s = periodic[i].s;
    SCOPED_TRACE("report " + std::to_string(i));
    EXPECT_EQ(s.sequence, periodic.front().s.sequence + i);
    EXPECT_EQ(s.flags & kSummaryFlagPacketTime, 0);
    EXPECT_EQ(s.thread_index, kSummaryAllThreads);  // merged over the packet threads
    total_p += s.period_packets;
    total_b += s.period_bytes;
    EXPECT_EQ(s.total_packets, total_p);
    EXPECT_EQ(s.total_bytes, total_b);
    EXPECT_EQ(s.period_bytes, s.period_packets * spec.frame_bytes);
    if (i > 0) {
      EXPECT_GT(s.timestamp_ns, periodic[i - 1].s.timestamp_ns);
    }
    // Built just before it was sent: the stamp precedes its receipt, by little.
    EXPECT_LE(s.timestamp_ns, periodic[i].rx_ns);
    EXPECT_LT(periodic[i].rx_ns - s.timestamp_ns, 1'000'000'000);
    if (s.period_packets > 0) {
      ASSERT_GE(s.talker_count, 1);
      EXPECT_EQ(s.talkers[0].addr, sender_ip);
      EXPECT_EQ(s.talkers[0].bytes, s.period_bytes);
      EXPECT_EQ(s.talkers[0].error, 0u);
    } else {
      EXPECT_EQ(s.talker_count, 0);
    }
  }
  ASSERT_EQ(finals.size(), 1u);
  EXPECT_EQ(finals[0].sequence, periodic.back().s.sequence + 1);
  EXPECT_EQ(finals[0].total_packets, total_p + finals[0].period_packets);
  EXPECT_EQ(finals[0].total_packets, r.captured);
  EXPECT_GT(total_p, 0u);

  // Pace: gaps between receipts of consecutive periodic reports.
  std::vector<double> gaps_ms, dev_ms;
  for (std::size_t i = 1; i < periodic.size(); ++i) {
    const double g = static_cast<double>(periodic[i].rx_ns - periodic[i - 1].rx_ns) / 1e6;
    gaps_ms.push_back(g);
    dev_ms.push_back(std::fabs(g - 100.0));
  }
  const double mean_gap =
      static_cast<double>(periodic.back().rx_ns - periodic.front().rx_ns) / 1e6 / static_cast<double>(gaps_ms.size());
  const double p50 = percentile(dev_ms, 0.5), p99 = percentile(dev_ms, 0.99),
               mx = *std::max_element(dev_ms.begin(), dev_ms.end());
  std::printf("[live-reporter] %zu periodic + %zu final reports in %.3f s (expected %.1f); receive stamps from %s; "
              "mean gap %.2f ms, deviation from 100 ms: p50 %.2f p99 %.2f max %.2f ms; min gap %.2f max gap %.2f ms\n",
              periodic.size(), finals.size(), r.elapsed_s, want, peer.saw_kernel_stamps() ? "kernel" : "user space",
              mean_gap, p50, p99, mx, *std::min_element(gaps_ms.begin(), gaps_ms.end()),
              *std::max_element(gaps_ms.begin(), gaps_ms.end()));
  std::string gap_list;
  for (double g : gaps_ms) gap_list += std::to_string(static_cast<int>(std::lround(g))) + " ";
  std::printf("[live-reporter] gaps (ms): %s\n", gap_list.c_str());
  RecordProperty("reports", static_cast<int>(periodic.size()));
  RecordProperty("mean_gap_us", static_cast<int>(mean_gap * 1000));
  RecordProperty("jitter_p50_us", static_cast<int>(p50 * 1000));
  RecordProperty("jitter_p99_us", static_cast<int>(p99 * 1000));
  RecordProperty("jitter_max_us", static_cast<int>(mx * 1000));
  // Loose on purpose: the machine is shared; only a systematic drift of the period fails.
  EXPECT_NEAR(mean_gap, 100.0, 10.0);
}

}  // namespace
}  // namespace riptide::test
