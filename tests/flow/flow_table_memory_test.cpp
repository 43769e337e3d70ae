// A flow table's memory follows its live flows: a table sized for a million flows costs
// next to nothing until flows arrive (riptide's default is 1M per packet thread, and
// `riptide read` of a small file should not cost 200 MiB).
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <memory>

#include "flow_test_util.hpp"
#include "riptide/flow/flow_table.hpp"

namespace riptide {
namespace {
using namespace flowtest;

// Resident bytes of this process (/proc/self/statm, second field, in pages).
std::size_t rss_bytes() {
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr) return 0;
  unsigned long size = 0, resident = 0;
  const int n = std::fscanf(f, "%lu %lu", &size, &resident);
  std::fclose(f);
  return n == 2 ? resident * static_cast<std::size_t>(sysconf(_SC_PAGESIZE)) : 0;
}

PacketMeta flow_pkt(std::uint32_t i) {
  auto m = pkt("10.0.0.1", 1000, "10.2.0.1", 80, 17);
  m.src.b[13] = static_cast<std::uint8_t>(i >> 16);
  m.src.b[14] = static_cast<std::uint8_t>(i >> 8);
  m.src.b[15] = static_cast<std::uint8_t>(i);
  return m;
}

TEST(FlowTableMemory, MillionEntryTableCostsOnlyWhatItsFlowsUse) {
  constexpr std::uint32_t kCapacity = 1u << 20;  // 192 MiB of entries if all were touched
  constexpr std::size_t kBudget = 16u << 20;
  CollectSink sink;
  const std::size_t before = rss_bytes();
  ASSERT_GT(before, 0u);
  FlowTableConfig c;
  c.max_flows = kCapacity;
  auto t = std::make_unique<FlowTable>(c, sink);
  EXPECT_LT(rss_bytes() - before, kBudget) << "constructing the table";
  for (std::uint32_t i = 0; i < 1000; ++i) t->update(flow_pkt(i), sec(1) + i, 60);
  EXPECT_EQ(t->active(), 1000u);
  EXPECT_LT(rss_bytes() - before, kBudget) << "after 1,000 flows";
  t->flush_all();
  EXPECT_EQ(sink.recs.size(), 1000u);
}

TEST(FlowTableMemory, EntriesFreedAndReusedPastTheFirstTouch) {
  // Flows ended before the table ever filled free their entries: new flows reuse them, and
  // once every entry has been used the table evicts as before.
  constexpr std::uint32_t kCapacity = 300;
  CollectSink sink;
  FlowTableConfig c;
  c.max_flows = kCapacity;
  c.idle_timeout_ns = sec(1);
  c.lru_granularity_ns = 0;
  FlowTable t(c, sink);
  TimestampNs ts = sec(10);
  for (std::uint32_t i = 0; i < 200; ++i) t.update(flow_pkt(i), ts, 60);
  ts += sec(5);
  t.expire(ts);  // all 200 idle: their entries go back to the table
  EXPECT_EQ(t.active(), 0u);
  for (std::uint32_t i = 1000; i < 1000 + kCapacity; ++i) t.update(flow_pkt(i), ts, 60);
  EXPECT_EQ(t.active(), kCapacity);
  EXPECT_EQ(t.stats().evictions, 0u);
  t.update(flow_pkt(5000), ts + 1, 60);
  EXPECT_EQ(t.stats().evictions, 1u);
  EXPECT_EQ(t.active(), kCapacity);
  t.flush_all();
  EXPECT_EQ(sink.recs.size(), 200u + kCapacity + 1);
}

}  // namespace
}  // namespace riptide
