// When an analyzer stalls its packet thread, the report names that analyzer and its time per
// call, not only the queue that overflowed: (1) each analyzer's longest call and call count
// are tracked per thread (one clock read per batch); (2) the advice line is built from them;
// (3) live, on the loopback interface, a worker whose analyzer sleeps 200 ms loses packets at
// its queue and the report says which analyzer did it; (4) without --worker-ring, a live
// dispatch run sizes its worker queues from --rate and --ring-ms and says so at start.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "../../src/engine/analyzer_set.hpp"
#include "engine/engine_test_util.hpp"
#include "riptide/decode/decoder.hpp"
#include "riptide/dispatch/queue_plan.hpp"
#include "riptide/file/capture_file.hpp"
#include "support/netns.hpp"

namespace riptide::test {
namespace {

using namespace std::chrono_literals;

// Sleeps `stall` in its `nth` on_packets call (0-based), then never again.
class Staller final : public Analyzer {
 public:
  Staller(std::uint64_t nth, std::chrono::milliseconds stall) : nth_(nth), stall_(stall) {}
  std::string_view name() const noexcept override { return "stall-probe"; }
  void on_packet(const PacketMeta&, const PacketView&) override {}
  void on_packets(std::span<const PacketMeta>, std::span<const PacketView>) override {
    if (calls_++ == nth_) std::this_thread::sleep_for(stall_);
  }

 private:
  std::uint64_t nth_;
  std::chrono::milliseconds stall_;
  std::uint64_t calls_ = 0;
};

TEST(StallAdvice, TheLongestCallIsTrackedPerAnalyzerWithWhatItWas) {
  engine::AnalyzerSet set(0, 1, false, AnalyzerLimits{});
  set.add(std::make_unique<Staller>(2, 30ms), "stall-probe");
  auto f = open_capture_file(std::string(RIPTIDE_PCAP_DIR) + "/PcapExamples/example.pcap");
  ASSERT_TRUE(f) << f.error().message;
  PacketBatch batch;
  std::vector<PacketMeta> metas(PacketBatch::kCapacity);
  DecodeStats ds;
  std::uint64_t batches = 0;
  set.start();
  for (;;) {
    batch.clear();
    auto st = (*f)->next(batch, 0ms);
    ASSERT_TRUE(st) << st.error().message;
    if (batch.empty()) {
      if (*st == PollStatus::end_of_input) break;
      continue;
    }
    decode_batch(batch.begin(), metas.data(), batch.size(), ds);
    set.packets(std::span<const PacketMeta>(metas.data(), batch.size()), std::span<const PacketView>(batch.begin(), batch.size()));
    set.batch_end(batch[batch.size() - 1].ts_ns);
    ++batches;
  }
  set.stop();
  ASSERT_GT(batches, 3u);
  const auto& s = *set.slots()[0];
  EXPECT_GE(s.max_call_ns.load(), 30'000'000u);
  EXPECT_LT(s.max_call_ns.load(), 2'000'000'000u);
  ASSERT_NE(s.max_call_where.load(), nullptr);
  EXPECT_STREQ(s.max_call_where.load(), "on_packets");
  // One call per batch for on_packets and one for on_batch_end, plus on_start and on_stop.
  EXPECT_EQ(s.calls.load(), 2 * batches + 2);
}

TEST(StallAdvice, NamesTheAnalyzerItsCallAndTheThread) {
  RunReport r;
  r.topology = "dispatch";
  r.worker_queue_drops = 1234;
  AnalyzerReport quick;
  quick.name = "flow";
  quick.max_call_ns = 400'000;  // 0.4 ms: stalls nothing
  quick.calls = 100;
  quick.busy_ns = 1'000'000;
  AnalyzerReport slow;
  slow.name = "model";
  slow.max_call_ns = 212'000'000;
  slow.max_call_thread = 1;
  slow.max_call_where = "on_packets";
  slow.calls = 1000;
  slow.busy_ns = 250'000'000;
  r.analyzers = {quick, slow};
  const std::string a = stall_advice(r);
  EXPECT_NE(a.find("analyzer 'model' took up to 212 ms per on_packets call on worker 1"), std::string::npos) << a;
  EXPECT_NE(a.find("mean 0.250 ms over 1000 calls"), std::string::npos) << a;
  EXPECT_NE(a.find("ctx.offload"), std::string::npos) << a;
  EXPECT_NE(a.find("--worker-ring"), std::string::npos) << a;

  // Workers topology: the capture thread stalled and its ring overflowed.
  r.topology = "workers";
  r.worker_queue_drops = 0;
  r.kernel_drops = 10;
  const std::string w = stall_advice(r);
  EXPECT_NE(w.find("on capture thread 1"), std::string::npos) << w;
  EXPECT_NE(w.find("--ring-ms"), std::string::npos) << w;

  // Nothing lost, or no call that stands out: no advice (the drop point's own applies).
  r.kernel_drops = 0;
  EXPECT_EQ(stall_advice(r), "");
  r.kernel_drops = 10;
  r.analyzers = {quick};
  EXPECT_EQ(stall_advice(r), "");
}

// Sends `n` UDP datagrams to 127.0.0.1:port at about `pps`.
void send_udp_lo(std::uint16_t port, std::uint64_t n, double pps) {
  const int fd = socket(AF_INET, SOCK_DGRAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(port);
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  char payload[100] = {};
  const auto t0 = std::chrono::steady_clock::now();
  for (std::uint64_t i = 0; i < n; ++i) {
    const auto due = t0 + std::chrono::nanoseconds(static_cast<std::int64_t>(static_cast<double>(i) / pps * 1e9));
    if (i % 64 == 0) std::this_thread::sleep_until(due);
    (void)sendto(fd, payload, sizeof payload, 0, reinterpret_cast<const sockaddr*>(&to), sizeof to);
  }
  close(fd);
}

std::uint16_t test_port() { return static_cast<std::uint16_t>(42000 + getpid() % 2000); }

TEST(StallAdvice, LiveAStalledWorkerIsNamedInTheReport) {
  if (!have_net_admin()) GTEST_SKIP() << "needs root (capture on the loopback interface)";
  const std::uint16_t port = test_port();
  EngineConfig c;
  c.backend = Backend::afpacket;
  c.capture.iface = "lo";
  c.capture.expected_pps = 50'000;
  c.filter = "udp and dst port " + std::to_string(port);
  c.topology = Topology::dispatch;
  c.dispatch.workers = 1;
  c.dispatch.ring_slots = 256;  // explicit (as --worker-ring): far less than a 200 ms stall
  c.quiet = true;
  std::vector<std::unique_ptr<AnalyzerFactory>> v;
  v.push_back(std::make_unique<LambdaFactory>("stall-probe", [](std::size_t) { return std::make_unique<Staller>(3, 200ms); }));
  auto e = Engine::create(c, std::move(v));
  ASSERT_TRUE(e) << e.error().message;
  EXPECT_EQ((*e)->banner().find("worker queues"), std::string::npos) << "an explicit size is not planned";
  BackgroundRun run(**e);
  std::this_thread::sleep_for(100ms);
  send_udp_lo(port, 12'000, 20'000);  // 0.6 s: the 200 ms stall meets ~4,000 packets
  std::this_thread::sleep_for(300ms);
  const auto& rep = run.stop_and_join();
  ASSERT_TRUE(rep) << rep.error().message;
  const RunReport& r = *rep;
  ASSERT_GT(r.worker_queue_drops, 0u) << "the stall did not overflow a 256-slot queue: the test proves nothing";
  EXPECT_TRUE(r.ledger_balanced());
  const auto* a = find_analyzer(r, "stall-probe");
  ASSERT_NE(a, nullptr);
  EXPECT_GE(a->max_call_ns, 200'000'000u);
  EXPECT_EQ(a->max_call_where, "on_packets");
  const std::string text = format_report(r);
  EXPECT_NE(text.find("why: analyzer 'stall-probe' took up to "), std::string::npos) << text;
  EXPECT_NE(text.find("per on_packets call on worker 0"), std::string::npos) << text;
  EXPECT_NE(report_json(r).find("\"stall_advice\":\"analyzer 'stall-probe'"), std::string::npos);
}

TEST(StallAdvice, LiveDispatchPlansItsWorkerQueuesFromRateAndStall) {
  if (!have_net_admin()) GTEST_SKIP() << "needs root (capture on the loopback interface)";
  EngineConfig c;
  c.backend = Backend::afpacket;
  c.capture.iface = "lo";
  c.capture.expected_pps = 350'000;
  c.capture.ring_ms = 250;
  c.filter = "udp and dst port " + std::to_string(test_port());
  c.topology = Topology::dispatch;
  c.dispatch.workers = 1;
  c.plan_worker_ring = true;
  c.quiet = true;
  std::vector<std::unique_ptr<AnalyzerFactory>> v;
  v.push_back(std::make_unique<LambdaFactory>("stall-probe", [](std::size_t) { return std::make_unique<Staller>(~0ull, 0ms); }));
  auto e = Engine::create(c, std::move(v));
  ASSERT_TRUE(e) << e.error().message;
  const std::string b = (*e)->banner();
  EXPECT_NE(b.find("1 worker(s), 131072 slots each"), std::string::npos) << b;
  EXPECT_NE(b.find("worker queues 1 x 131072 slots"), std::string::npos) << b;
  EXPECT_NE(b.find("hold 374 ms"), std::string::npos) << b;
}

}  // namespace
}  // namespace riptide::test
