// The dispatch topology must find exactly the flows the workers topology finds: same records,
// same counts, whatever worker a flow landed on. And the ledger adds up in both.
#include <algorithm>
#include <fstream>

#include "engine/engine_test_util.hpp"
#include "riptide/analyze/flow_meter_analyzer.hpp"

namespace riptide::test {
namespace {

// The records without "flow_id", which numbers flows per flow table (per thread).
std::vector<std::string> sorted_lines(const std::string& path) {
  static const std::string key = "\"flow_id\":";
  std::ifstream in(path);
  std::vector<std::string> v;
  for (std::string l; std::getline(in, l);) {
    if (const auto at = l.find(key); at != std::string::npos) {
      const auto comma = l.find(',', at);
      l.erase(at, comma == std::string::npos ? std::string::npos : comma + 1 - at);
    }
    v.push_back(l);
  }
  std::sort(v.begin(), v.end());
  return v;
}

struct FlowRun {
  RunReport report;
  std::vector<std::string> flows;
};

FlowRun run_flows(const std::string& pcap, Topology topo, std::size_t workers, const std::string& out) {
  FlowMeterConfig fc;
  fc.idle_timeout_ns = 60'000'000'000;
  auto f = FlowMeterFactory::create(fc, out);
  EXPECT_TRUE(f);
  std::vector<std::unique_ptr<AnalyzerFactory>> v;
  v.push_back(std::move(*f));
  FlowRun r;
  r.report = run_engine(file_config(pcap, topo, workers), std::move(v));
  r.flows = sorted_lines(out);
  return r;
}

class SameFlows : public ::testing::TestWithParam<std::string> {};

TEST_P(SameFlows, DispatchEqualsWorkers) {
  const std::string pcap = std::string(RIPTIDE_PCAP_DIR) + "/PcapExamples/" + GetParam();
  TempDir d;
  const auto w = run_flows(pcap, Topology::workers, 1, d.file("w.json"));
  ASSERT_FALSE(w.flows.empty()) << pcap;
  for (std::size_t workers : {1u, 3u}) {
    const auto x = run_flows(pcap, Topology::dispatch, workers, d.file("d" + std::to_string(workers) + ".json"));
    EXPECT_EQ(x.flows, w.flows) << pcap << " with " << workers << " worker(s)";
    EXPECT_TRUE(x.report.ledger_balanced());
    EXPECT_EQ(x.report.captured, w.report.captured);
    EXPECT_EQ(x.report.processed, w.report.processed);
    EXPECT_EQ(x.report.worker_queue_drops, 0u);  // files wait, never drop
    EXPECT_EQ(counter(find_analyzer(x.report, "flow"), "flows_created"),
              counter(find_analyzer(w.report, "flow"), "flows_created"));
  }
  EXPECT_TRUE(w.report.ledger_balanced());
  EXPECT_EQ(w.report.processed, w.report.captured);
}

INSTANTIATE_TEST_SUITE_P(Pcaps, SameFlows,
                         ::testing::Values("example.pcap", "4KHttpRequests.pcap", "DnsPackets.pcap",
                                           "ip4_fragments.pcap", "one_tcp_stream.pcap", "sll.pcap"),
                         [](const auto& i) {
                           std::string n = i.param;
                           std::replace_if(n.begin(), n.end(), [](char c) { return !std::isalnum(static_cast<unsigned char>(c)); }, '_');
                           return n;
                         });

TEST(Ledger, FilterAndCountAddUpInBothTopologies) {
  const std::string pcap = std::string(RIPTIDE_PCAP_DIR) + "/PcapExamples/example.pcap";
  for (auto topo : {Topology::workers, Topology::dispatch}) {
    auto c = file_config(pcap, topo, 2);
    c.filter = "tcp";
    c.max_packets = 500;
    std::vector<std::unique_ptr<AnalyzerFactory>> none;
    const auto r = run_engine(c, std::move(none));
    EXPECT_TRUE(r.ledger_balanced()) << to_string(topo);
    EXPECT_EQ(r.processed, 500u) << to_string(topo);
    EXPECT_GT(r.filtered_out, 0u);
    EXPECT_GT(r.beyond_count, 0u);
    EXPECT_EQ(r.captured, r.processed + r.filtered_out + r.beyond_count + r.worker_queue_drops);
  }
}

}  // namespace
}  // namespace riptide::test
