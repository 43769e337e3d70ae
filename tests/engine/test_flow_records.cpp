// Flow records for analyzers, through the engine on corpus captures: an analyzer that
// subscribes receives exactly the records the flow JSON output holds (count, packets, bytes),
// on its own thread, in either topology, whether it comes before or after the flow meter, and
// when thousands of flows end in one call.
#include <atomic>
#include <fstream>
#include <mutex>
#include <set>
#include <thread>

#include "engine/engine_test_util.hpp"
#include "riptide/analyze/flow_meter_analyzer.hpp"

namespace riptide::test {
namespace {

struct Received {
  std::atomic<std::uint64_t> records{0}, pkts{0}, bytes{0}, calls{0}, wrong_thread{0}, after_stop{0};
  std::atomic<int> subscribed{0};
  std::mutex mu;
  std::set<std::uint64_t> ids;  // flow ids, to see none comes twice
};

class FlowCollector final : public Analyzer {
 public:
  explicit FlowCollector(Received& r) : r_(r) {}
  std::string_view name() const noexcept override { return "flow-collector"; }
  void on_start(AnalyzerContext& ctx) override {
    owner_ = std::this_thread::get_id();
    if (ctx.subscribe_flows()) r_.subscribed.fetch_add(1);
  }
  void on_packet(const PacketMeta&, const PacketView&) override {}
  void on_flows(std::span<const FlowRecord> recs) override {
    if (std::this_thread::get_id() != owner_) r_.wrong_thread.fetch_add(1);
    if (stopped_) r_.after_stop.fetch_add(1);
    r_.calls.fetch_add(1);
    for (const auto& x : recs) {
      r_.records.fetch_add(1);
      r_.pkts.fetch_add(x.pkts());
      r_.bytes.fetch_add(x.bytes());
      std::lock_guard lk(r_.mu);
      r_.ids.insert(x.flow_id);
    }
  }
  void on_stop() override { stopped_ = true; }

 private:
  Received& r_;
  std::thread::id owner_;
  bool stopped_ = false;
};

// The sum of a numeric field over the flow lines of an EVE JSON file.
std::uint64_t field(const std::string& line, const std::string& key) {
  const auto at = line.find("\"" + key + "\":");
  return at == std::string::npos ? 0 : std::stoull(line.substr(at + key.size() + 3));
}

struct JsonTotals {
  std::uint64_t records = 0, pkts = 0, bytes = 0;
};

JsonTotals read_flows_json(const std::string& path) {
  JsonTotals t;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.find("\"event_type\":\"flow\"") == std::string::npos) continue;
    ++t.records;
    t.pkts += field(line, "pkts_toserver") + field(line, "pkts_toclient");
    t.bytes += field(line, "bytes_toserver") + field(line, "bytes_toclient");
  }
  return t;
}

// 3,000 UDP flows, all still open at the end of the file: they end in one call, more than
// one delivery buffer (1,024 records) at once.
const std::string kManyFlows = "many-flows (synthetic)";

void write_many_flows(const std::string& path) {
  auto w = PcapWriter::open(path, LinkType::ethernet, 65535, true);
  ASSERT_TRUE(w) << w.error().message;
  for (std::uint16_t i = 0; i < 3000; ++i) {
    const auto f = PacketBuilder().eth().ipv4("10.0.0.1", "10.0.1.1").udp(static_cast<std::uint16_t>(2000 + i), 53).payload(20).build();
    PacketView v = view_of(f);
    v.ts_ns = 1'700'000'000'000'000'000 + static_cast<TimestampNs>(i) * 1000;
    ASSERT_TRUE((*w)->write(v));
  }
  ASSERT_TRUE((*w)->close());
}

struct Case {
  std::string file;
  Topology topo;
  std::size_t workers;
  bool collector_first;  // listed before the flow meter: it must still get the last flows
};

class FlowRecords : public ::testing::TestWithParam<Case> {};

TEST_P(FlowRecords, ASubscriberGetsWhatTheFlowOutputWrites) {
  const Case k = GetParam();
  TempDir dir;
  const std::string json = dir.file("flows.json");
  auto meter = FlowMeterFactory::create(FlowMeterConfig{}, json);
  ASSERT_TRUE(meter) << meter.error().message;
  Received got;
  std::vector<std::unique_ptr<AnalyzerFactory>> fs;
  auto collector = std::make_unique<LambdaFactory>("flow-collector", [&got](std::size_t) { return std::make_unique<FlowCollector>(got); });
  if (k.collector_first) fs.push_back(std::move(collector));
  fs.push_back(std::move(*meter));
  if (!k.collector_first) fs.push_back(std::move(collector));

  std::string input = std::string(RIPTIDE_PCAP_DIR) + "/PcapExamples/" + k.file;
  if (k.file == kManyFlows) {
    input = dir.file("many.pcap");
    write_many_flows(input);
  }
  const RunReport r = run_engine(file_config(input, k.topo, k.workers), std::move(fs));
  const JsonTotals want = read_flows_json(json);
  ASSERT_GT(want.records, 0u);
  if (k.file == kManyFlows) {
    EXPECT_EQ(want.records, 3000u);
  }
  EXPECT_EQ(got.subscribed.load(), static_cast<int>(k.topo == Topology::dispatch ? k.workers : 1));
  EXPECT_EQ(got.records.load(), want.records);
  EXPECT_EQ(got.pkts.load(), want.pkts);
  EXPECT_EQ(got.bytes.load(), want.bytes);
  EXPECT_EQ(got.ids.size(), want.records) << "a record delivered twice";
  EXPECT_EQ(got.wrong_thread.load(), 0u);
  EXPECT_EQ(got.after_stop.load(), 0u) << "records reached the analyzer after its on_stop";
  const auto* a = find_analyzer(r, "flow-collector");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->flow_records, want.records);
  EXPECT_EQ(a->flow_records_missed, 0u);
  EXPECT_EQ(r.flow_records, want.records);
}

INSTANTIATE_TEST_SUITE_P(Corpus, FlowRecords,
                         ::testing::Values(Case{"example.pcap", Topology::workers, 1, false},
                                           Case{"example.pcap", Topology::dispatch, 2, false},
                                           Case{"example.pcap", Topology::workers, 1, true},
                                           Case{"4KHttpRequests.pcap", Topology::dispatch, 2, false},
                                           Case{kManyFlows, Topology::workers, 1, true},
                                           Case{kManyFlows, Topology::dispatch, 2, false}));

// An analyzer whose on_flows throws misses those records, counted; the others go on.
class Thrower final : public Analyzer {
 public:
  std::string_view name() const noexcept override { return "thrower"; }
  void on_start(AnalyzerContext& ctx) override { ctx.subscribe_flows(); }
  void on_packet(const PacketMeta&, const PacketView&) override {}
  void on_flows(std::span<const FlowRecord>) override { throw std::runtime_error("no"); }
};

TEST(FlowRecordsGuard, AThrowInOnFlowsIsCountedAsMissedRecords) {
  TempDir dir;
  auto meter = FlowMeterFactory::create(FlowMeterConfig{}, dir.file("flows.json"));
  ASSERT_TRUE(meter) << meter.error().message;
  Received got;
  std::vector<std::unique_ptr<AnalyzerFactory>> fs;
  fs.push_back(std::move(*meter));
  fs.push_back(std::make_unique<LambdaFactory>("thrower", [](std::size_t) { return std::make_unique<Thrower>(); }));
  fs.push_back(std::make_unique<LambdaFactory>("flow-collector", [&got](std::size_t) { return std::make_unique<FlowCollector>(got); }));
  const RunReport r = run_engine(file_config(std::string(RIPTIDE_PCAP_DIR) + "/PcapExamples/example.pcap"), std::move(fs));
  const auto* t = find_analyzer(r, "thrower");
  ASSERT_NE(t, nullptr);
  EXPECT_GT(t->errors, 0u);
  EXPECT_EQ(t->flow_records_missed, t->flow_records);
  EXPECT_EQ(t->flow_records, got.records.load());
  EXPECT_GT(got.records.load(), 0u);
}

}  // namespace
}  // namespace riptide::test
