// The registry's views: mid-run snapshots carry real figures and a ledger that balances at
// every moment; the Prometheus endpoint lints with promtool and says what the report says.
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <fstream>
#include <thread>

#include "engine/engine_test_util.hpp"

namespace riptide::test {
namespace {

// Sleeps a little per packet so that a run over a file lasts long enough to be watched.
class Slow final : public Analyzer {
 public:
  std::string_view name() const noexcept override { return "slow"; }
  void on_packet(const PacketMeta&, const PacketView&) override {
    ++seen_;
    std::this_thread::sleep_for(std::chrono::microseconds(300));
  }
  void counters(std::vector<AnalyzerCounter>& out) const override { out.push_back({"seen", seen_}); }

 private:
  std::uint64_t seen_ = 0;
};

std::vector<std::unique_ptr<AnalyzerFactory>> slow_only() {
  std::vector<std::unique_ptr<AnalyzerFactory>> v;
  v.push_back(std::make_unique<LambdaFactory>("slow", [](std::size_t) { return std::make_unique<Slow>(); }));
  return v;
}

void watch_mid_run(Topology topo) {
  TempDir d;
  write_udp_pcap(d.file("in.pcap"), 4000, 1'000'000'000, 1'000'000, 64);
  auto c = file_config(d.file("in.pcap"), topo, 2);
  c.dispatch.ring_slots = 64;  // small queues: the capture thread cannot run far ahead of the workers
  auto e = Engine::create(c, slow_only());
  ASSERT_TRUE(e) << e.error().message;
  std::atomic<bool> done{false};
  std::vector<RunReport> seen;
  std::thread watcher([&] {
    while (!done.load()) {
      seen.push_back((*e)->snapshot());
      std::this_thread::sleep_for(std::chrono::milliseconds(40));
    }
  });
  auto r = (*e)->run();
  done = true;
  watcher.join();
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->processed, 4000u);
  ASSERT_GT(seen.size(), 5u);
  bool real_mid_run = false, analyzer_mid_run = false;
  for (const auto& s : seen) {
    EXPECT_FALSE(s.final);
    EXPECT_TRUE(s.ledger_balanced()) << "captured " << s.captured << " processed " << s.processed << " in flight "
                                     << s.in_flight << " queue drops " << s.worker_queue_drops;
    EXPECT_LE(s.decode.packets, s.captured);
    EXPECT_FALSE(s.tx_known);  // the transmit counters are not known mid-run: null, not 0
    if (s.captured > 0 && s.captured < 4000 && s.decode.packets > 0 && s.processed > 0) real_mid_run = true;
    const auto* a = find_analyzer(s, "slow");
    if (s.captured < 4000 && a && counter(a, "seen") != ~0ull && counter(a, "seen") > 0) analyzer_mid_run = true;
  }
  EXPECT_TRUE(real_mid_run) << "no snapshot showed decode and processed figures while the run went on";
  EXPECT_TRUE(analyzer_mid_run) << "the analyzer's own counters never appeared before the end";
  const auto json = nlohmann::json::parse(report_json(seen[seen.size() / 2]));
  EXPECT_TRUE(json["tx_sent"].is_null());
  EXPECT_TRUE(json["ledger_balanced"].get<bool>());
}

TEST(MetricsViews, MidRunSnapshotsAreRealAndBalancedWorkers) { watch_mid_run(Topology::workers); }
TEST(MetricsViews, MidRunSnapshotsAreRealAndBalancedDispatch) { watch_mid_run(Topology::dispatch); }

TEST(MetricsViews, PrometheusEndpointLintsAndEqualsTheReport) {
  TempDir d;
  write_udp_pcap(d.file("in.pcap"), 3000, 1'000'000'000, 1'000'000, 16);
  auto c = file_config(d.file("in.pcap"), Topology::dispatch, 2);
  c.metrics_listen = "127.0.0.1:0";
  std::vector<std::unique_ptr<AnalyzerFactory>> fs;
  fs.push_back(std::make_unique<LambdaFactory>("slow", [](std::size_t) { return std::make_unique<Slow>(); }));
  auto e = Engine::create(c, std::move(fs));
  ASSERT_TRUE(e) << e.error().message;
  const std::string banner = (*e)->banner();
  const auto at = banner.find("http://127.0.0.1:");
  ASSERT_NE(at, std::string::npos) << banner;
  const int port = std::stoi(banner.substr(at + 17));
  httplib::Client http("127.0.0.1", port);
  // Scraped while running: answers, and lints.
  std::string mid;
  std::thread scraper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    if (auto res = http.Get("/metrics"); res && res->status == 200) mid = res->body;
  });
  auto r = (*e)->run();
  scraper.join();
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_NE(mid.find("riptide_captured_total{thread=\"0\"}"), std::string::npos) << mid;
  auto res = http.Get("/metrics");  // the server lives as long as the engine
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200);
  const std::string& text = res->body;
  EXPECT_NE(text.find("riptide_captured_total{thread=\"0\"} " + std::to_string(r->captured) + "\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("riptide_processed_total{worker=\"0\"}"), std::string::npos) << text;
  EXPECT_NE(text.find("riptide_analyzer_seen_total{analyzer=\"slow\"} 3000\n"), std::string::npos) << text;
  EXPECT_NE(text.find("riptide_decode_packets_total " + std::to_string(r->decode.packets) + "\n"), std::string::npos);
  for (const auto* name : {"mid.prom", "end.prom"}) {
    std::ofstream(d.file(name)) << (std::string(name) == "mid.prom" ? mid : text);
    const auto lint = run_cmd("promtool check metrics < '" + d.file(name) + "'");
    EXPECT_EQ(lint.status, 0) << name << ": " << lint.out;
  }
}

TEST(MetricsViews, ListenAddressIsCheckedAtStart) {
  TempDir d;
  write_udp_pcap(d.file("in.pcap"), 10, 1'000'000'000, 1'000'000);
  for (const char* bad : {"nonsense", "127.0.0.1:99999", "[::1", "256.1.1.1:9100"}) {
    auto c = file_config(d.file("in.pcap"));
    c.metrics_listen = bad;
    auto e = Engine::create(c, slow_only());
    EXPECT_FALSE(e) << bad;
  }
  // A port already taken is refused at start, not found later.
  httplib::Server taken;
  const int port = taken.bind_to_any_port("127.0.0.1");
  ASSERT_GT(port, 0);
  auto c = file_config(d.file("in.pcap"));
  c.metrics_listen = "127.0.0.1:" + std::to_string(port);
  auto e = Engine::create(c, slow_only());
  ASSERT_FALSE(e);
  EXPECT_NE(e.error().message.find("--metrics-listen"), std::string::npos) << e.error().message;
}

TEST(MetricsViews, StatsFileThatCannotBeOpenedFailsAtStart) {
  TempDir d;
  write_udp_pcap(d.file("in.pcap"), 10, 1'000'000'000, 1'000'000);
  auto c = file_config(d.file("in.pcap"));
  c.stats_json_path = d.file("no/such/dir/stats.json");
  auto e = Engine::create(c, slow_only());
  ASSERT_FALSE(e);
  EXPECT_NE(e.error().message.find("stats"), std::string::npos) << e.error().message;
}

}  // namespace
}  // namespace riptide::test
