// Heavy hitters through the engine with several packet threads (dispatch workers): one window
// line per period whatever the thread count, in time order, every packet in some window, and
// the window output (written by its own thread) named in the report with its drop counter.
#include <fstream>
#include <nlohmann/json.hpp>

#include "engine/engine_test_util.hpp"
#include "riptide/analyze/heavy_hitters.hpp"

namespace riptide::test {
namespace {

struct HhRun {
  RunReport report;
  std::vector<nlohmann::json> lines;
};

HhRun run_hh(const std::string& pcap, std::size_t workers, const std::string& out) {
  HeavyHittersConfig hc;
  hc.window = std::chrono::seconds(2);
  hc.k = 5;
  hc.output = out;
  auto f = HeavyHittersFactory::create(hc);
  EXPECT_TRUE(f);
  std::vector<std::unique_ptr<AnalyzerFactory>> v;
  v.push_back(std::move(*f));
  HhRun r;
  r.report = run_engine(file_config(pcap, Topology::dispatch, workers), std::move(v));
  std::ifstream in(out);
  for (std::string l; std::getline(in, l);) r.lines.push_back(nlohmann::json::parse(l));
  return r;
}

TEST(HeavyHittersEngine, OneWindowPerPeriodWhateverTheThreads) {
  const std::string pcap = std::string(RIPTIDE_PCAP_DIR) + "/PcapExamples/example.pcap";  // 15.6 s of packets
  constexpr std::int64_t kWnd = 2'000'000'000;
  TempDir d;
  const auto one = run_hh(pcap, 1, d.file("one.jsonl"));
  const auto two = run_hh(pcap, 2, d.file("two.jsonl"));
  ASSERT_GE(one.lines.size(), 7u);
  for (const auto* r : {&one, &two}) {
    ASSERT_FALSE(r->lines.empty());
    std::uint64_t packets = 0;
    bool both = false;
    for (std::size_t i = 0; i < r->lines.size(); ++i) {
      const auto start = r->lines[i]["window_start_ns"].get<std::int64_t>();
      packets += r->lines[i]["packets"].get<std::uint64_t>();
      both = both || r->lines[i]["threads"] == 2;
      if (i == 0) continue;
      // Whole periods of the grid, in time order: at most one line per period.
      EXPECT_EQ(start % kWnd, 0) << i;
      EXPECT_LT(r->lines[i - 1]["window_start_ns"].get<std::int64_t>(), start) << "windows out of time order at " << i;
    }
    const auto first = r->lines.front()["window_start_ns"].get<std::int64_t>();
    const auto last = r->lines.back()["window_end_ns"].get<std::int64_t>();
    EXPECT_LE(r->lines.size(), static_cast<std::size_t>(last / kWnd - first / kWnd + 1)) << "more than one line per period";
    EXPECT_EQ(packets, r->report.processed) << "every packet in exactly one window";
    EXPECT_EQ(both, r == &two);
    EXPECT_TRUE(r->report.ledger_balanced());
    bool named = false;
    for (const auto& o : r->report.outputs)
      if (o.analyzer == "heavy-hitters" && o.name == "windows") {
        named = true;
        EXPECT_EQ(o.written, r->lines.size());
        EXPECT_EQ(o.dropped, 0u);
      }
    EXPECT_TRUE(named);
    bool registered = false;
    for (const auto& m : r->report.metrics) registered = registered || m.desc.name == "windows_queue_full";
    EXPECT_TRUE(registered) << "the window queue's drops have a named counter";
    EXPECT_EQ(counter(find_analyzer(r->report, "heavy-hitters"), "snapshots_late"), 0u);
    // The analyzer's own count, summed over its instances as each thread stopped, is every line.
    EXPECT_EQ(counter(find_analyzer(r->report, "heavy-hitters"), "windows_emitted"), r->lines.size());
  }
  // Two threads write about as many lines as one (not one per thread and period).
  EXPECT_LE(two.lines.size(), one.lines.size() + 1);
}

}  // namespace
}  // namespace riptide::test
