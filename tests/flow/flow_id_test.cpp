// flow_id identifies one flow record within a run, whatever thread metered it: with the
// dispatch topology each worker has its own flow table, and all of them write one EVE file.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <string>

#include <algorithm>
#include <set>

#include "engine/engine_test_util.hpp"
#include "flow/flow_test_util.hpp"
#include "riptide/analyze/flow_meter_analyzer.hpp"
#include "riptide/flow/flow_table.hpp"

namespace riptide::test {
namespace {

// Each table meters its own flows (as with fanout or dispatch: a flow meets one thread), and
// restarts by the active timeout take new ids too.
std::vector<std::uint64_t> ids_of_table(std::uint32_t table_index, const std::string& subnet) {
  flowtest::CollectSink sink;
  FlowTableConfig c;
  c.max_flows = 64;  // 200 flows: evictions along the way
  c.active_timeout_ns = flowtest::sec(10);
  c.table_index = table_index;
  FlowTable t(c, sink);
  for (int i = 0; i < 200; ++i) {
    const auto m = flowtest::pkt(subnet + std::to_string(i), 1000, "10.9.0.1", 53, 17);
    t.update(m, flowtest::sec(1), 60);
    if (i % 10 == 0) t.update(m, flowtest::sec(20), 60);  // past the active timeout: a restart
  }
  t.flush_all();
  std::vector<std::uint64_t> ids;
  for (const auto& r : sink.recs) ids.push_back(r.flow_id);
  return ids;
}

TEST(FlowId, DisjointAcrossTables) {
  const auto a = ids_of_table(0, "10.1.0."), b = ids_of_table(1, "10.2.0.");
  ASSERT_EQ(a.size(), 220u);
  ASSERT_EQ(b.size(), 220u);
  std::set<std::uint64_t> all(a.begin(), a.end());
  EXPECT_EQ(all.size(), a.size()) << "ids repeat within table 0";
  all.insert(b.begin(), b.end());
  EXPECT_EQ(all.size(), a.size() + b.size()) << "tables 0 and 1 share ids";
  // Table 0 counts from 1, as a single-threaded run always did; the index is recoverable.
  EXPECT_EQ(*std::min_element(a.begin(), a.end()), 1u);
  EXPECT_EQ(*std::max_element(a.begin(), a.end()), 220u);
  for (auto id : a) EXPECT_EQ(flow_id_table(id), 0u);
  for (auto id : b) EXPECT_EQ(flow_id_table(id), 1u);
  const auto last = ids_of_table(kFlowIdTables - 1, "10.3.0.");
  for (auto id : last) {
    EXPECT_EQ(flow_id_table(id), kFlowIdTables - 1);
    EXPECT_LT(id, std::uint64_t{1} << 53);
  }
}

// `flows` UDP conversations (a request and a reply each), spread over source ports and hosts.
void write_many_flows(const std::string& path, std::size_t flows) {
  auto w = PcapWriter::open(path, LinkType::ethernet, 65535, true);
  ASSERT_TRUE(w) << w.error().message;
  TimestampNs ts = 1'700'000'000'000'000'000;
  for (std::size_t i = 0; i < flows; ++i) {
    const std::string client = "10.1." + std::to_string(i / 250) + "." + std::to_string(1 + i % 250);
    const auto sport = static_cast<std::uint16_t>(20000 + i % 1000);
    for (bool reply : {false, true}) {
      auto b = PacketBuilder().eth();
      if (reply) {
        b.ipv4("10.9.0.1", client).udp(53, sport);
      } else {
        b.ipv4(client, "10.9.0.1").udp(sport, 53);
      }
      const auto f = b.payload(20).build();
      PacketView v = view_of(f);
      v.ts_ns = ts += 1000;
      ASSERT_TRUE((*w)->write(v));
    }
  }
  ASSERT_TRUE((*w)->close());
}

TEST(FlowIdEngine, UniqueAcrossDispatchWorkers) {
  constexpr std::size_t kFlows = 3000;
  TempDir d;
  const std::string pcap = d.file("flows.pcap"), json = d.file("flows.json");
  write_many_flows(pcap, kFlows);
  auto f = FlowMeterFactory::create(FlowMeterConfig{}, json);
  ASSERT_TRUE(f) << f.error().message;
  std::vector<std::unique_ptr<AnalyzerFactory>> v;
  v.push_back(std::move(*f));
  const RunReport rep = run_engine(file_config(pcap, Topology::dispatch, 2), std::move(v));
  EXPECT_EQ(rep.processed, 2 * kFlows);

  std::ifstream in(json);
  std::map<std::uint64_t, int> seen;
  std::size_t records = 0, repeated = 0;
  static const std::string key = "\"flow_id\":";
  for (std::string line; std::getline(in, line);) {
    const auto at = line.find(key);
    ASSERT_NE(at, std::string::npos) << line;
    const std::uint64_t id = std::stoull(line.substr(at + key.size()));
    EXPECT_LT(id, std::uint64_t{1} << 53) << "ids stay exact as JSON numbers (doubles)";
    ++records;
    if (++seen[id] == 2) ++repeated;
  }
  EXPECT_EQ(records, kFlows);
  EXPECT_EQ(repeated, 0u) << "flow ids repeated in " << records << " records";
  const auto* a = find_analyzer(rep, "flow");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(counter(a, "flows_created"), kFlows);
}

}  // namespace
}  // namespace riptide::test
