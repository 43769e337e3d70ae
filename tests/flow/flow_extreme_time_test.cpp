// Timestamps at the ends of the 64-bit range (a pcapng reader saturates absurd times to
// INT64_MIN / INT64_MAX): every timeout and LRU decision must come out as if the arithmetic
// had no bounds, and nothing may overflow (a sanitized build reports signed overflow).
#include <gtest/gtest.h>

#include <limits>

#include "flow_test_util.hpp"
#include "riptide/flow/flow_table.hpp"

namespace riptide {
namespace {
using namespace flowtest;

constexpr TimestampNs kMin = std::numeric_limits<TimestampNs>::min();
constexpr TimestampNs kMax = std::numeric_limits<TimestampNs>::max();

FlowTableConfig config(TimestampNs gran) {
  FlowTableConfig c;
  c.max_flows = 64;
  c.idle_timeout_ns = sec(60);
  c.active_timeout_ns = sec(1800);
  c.lru_granularity_ns = gran;
  c.closed_timeout_ns = sec(2);
  return c;
}

class ExtremeTime : public ::testing::TestWithParam<TimestampNs> {};

TEST_P(ExtremeTime, EarliestThenLatestIsAnIdleGap) {
  CollectSink sink;
  FlowTable t(config(GetParam()), sink);
  const auto m = pkt("10.0.0.1", 1000, "10.0.0.2", 80, 17);
  t.update(m, kMin, 60);
  t.update(m, kMax, 60);  // an infinitely long gap: the first flow is idle, a new one starts
  ASSERT_EQ(sink.recs.size(), 1u);
  EXPECT_EQ(sink.recs[0].reason, FlowEndReason::idle_timeout);
  EXPECT_EQ(sink.recs[0].start_ns, kMin);
  EXPECT_EQ(sink.recs[0].end_ns, kMin);
  t.flush_all();
  ASSERT_EQ(sink.recs.size(), 2u);
  EXPECT_EQ(sink.recs[1].start_ns, kMax);
  EXPECT_EQ(t.stats().flows_created, 2u);
}

TEST_P(ExtremeTime, LatestThenEarliestStaysOneFlow) {
  CollectSink sink;
  FlowTable t(config(GetParam()), sink);
  const auto m = pkt("10.0.0.1", 1000, "10.0.0.2", 80, 17);
  t.update(m, kMax, 60);
  t.update(reversed(m), kMin, 60);  // far in the past: not an idle gap, the flow's start moves back
  t.update(m, kMin, 60);
  t.expire(kMin);
  EXPECT_TRUE(sink.recs.empty());
  t.flush_all();
  ASSERT_EQ(sink.recs.size(), 1u);
  EXPECT_EQ(sink.recs[0].pkts(), 3u);
  EXPECT_EQ(sink.recs[0].start_ns, kMin);
  EXPECT_EQ(sink.recs[0].end_ns, kMax);
  EXPECT_EQ(sink.recs[0].reason, FlowEndReason::end_of_input);
}

TEST_P(ExtremeTime, ExpireAtTheLatestTimeEndsFlowsFromTheEarliest) {
  CollectSink sink;
  FlowTable t(config(GetParam()), sink);
  t.update(pkt("10.0.0.1", 1000, "10.0.0.2", 80, 17), kMin, 60);
  t.update(pkt("10.0.0.1", 1001, "10.0.0.2", 80, 6, FIN), kMin, 60);
  t.update(pkt("10.0.0.2", 80, "10.0.0.1", 1001, 6, FIN | ACK), kMin, 60);
  EXPECT_EQ(t.closing(), 1u);
  t.expire(kMax);
  ASSERT_EQ(sink.recs.size(), 2u);
  EXPECT_EQ(sink.recs[0].reason, FlowEndReason::tcp_fin);
  EXPECT_EQ(sink.recs[1].reason, FlowEndReason::idle_timeout);
  EXPECT_EQ(t.active(), 0u);
}

TEST_P(ExtremeTime, ClosingFlowAtTheEarliestEndsOnALatePacket) {
  CollectSink sink;
  FlowTable t(config(GetParam()), sink);
  t.update(pkt("10.0.0.1", 1001, "10.0.0.2", 80, 6, RST), kMin, 60);
  t.update(pkt("10.0.0.1", 1001, "10.0.0.2", 80, 6, ACK), kMax, 60);  // after the grace period
  ASSERT_EQ(sink.recs.size(), 1u);
  EXPECT_EQ(sink.recs[0].reason, FlowEndReason::tcp_rst);
  EXPECT_EQ(t.active(), 1u);
}

TEST_P(ExtremeTime, ActiveTimeoutFromTheEarliestStart) {
  FlowTableConfig c = config(GetParam());
  c.idle_timeout_ns = kMax;  // never idle: only the active timeout can cut the flow
  CollectSink sink;
  FlowTable t(c, sink);
  const auto m = pkt("10.0.0.1", 1000, "10.0.0.2", 80, 17);
  t.update(m, kMin, 60);
  t.update(m, kMax, 60);
  ASSERT_EQ(sink.recs.size(), 1u);
  EXPECT_EQ(sink.recs[0].reason, FlowEndReason::active_timeout);
  t.expire(kMax);  // nothing is idle for longer than "forever"
  EXPECT_EQ(sink.recs.size(), 1u);
}

TEST_P(ExtremeTime, BatchPathAgreesWithExtremes) {
  CollectSink sink;
  FlowTable t(config(GetParam()), sink);
  PacketMeta metas[4] = {pkt("10.0.0.1", 1000, "10.0.0.2", 80, 17), pkt("10.0.0.1", 1000, "10.0.0.2", 80, 17),
                         pkt("10.0.0.3", 1000, "10.0.0.2", 80, 6, ACK), pkt("10.0.0.3", 1000, "10.0.0.2", 80, 6, ACK)};
  PacketView views[4];
  const TimestampNs ts[4] = {kMin, kMax, kMax, kMin};
  for (int i = 0; i < 4; ++i) views[i].ts_ns = ts[i], views[i].wirelen = 60;
  t.update_batch(metas, views, 4);
  ASSERT_EQ(sink.recs.size(), 1u);
  EXPECT_EQ(sink.recs[0].reason, FlowEndReason::idle_timeout);
  t.flush_all();
  EXPECT_EQ(sink.recs.size(), 3u);
}

// 0: exact LRU (every packet may move its flow); 1 s: the fast path with its fast_until bound.
INSTANTIATE_TEST_SUITE_P(Granules, ExtremeTime, ::testing::Values(TimestampNs{0}, sec(1)));

}  // namespace
}  // namespace riptide
