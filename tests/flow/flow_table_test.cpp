#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <vector>

#include "flow_test_util.hpp"
#include "riptide/flow/flow_table.hpp"

namespace riptide {
namespace {
using namespace flowtest;

FlowTableConfig cfg(std::uint32_t max_flows = 1024, double idle_s = 60, double active_s = 1800) {
  FlowTableConfig c;
  c.max_flows = max_flows;
  c.idle_timeout_ns = sec(idle_s);
  c.active_timeout_ns = sec(active_s);
  c.lru_granularity_ns = 0;  // exact LRU unless a test says otherwise
  c.closed_timeout_ns = sec(2);
  return c;
}

TEST(FlowTable, CountsPerDirectionClientIsFirstSender) {
  CollectSink sink;
  FlowTable t(cfg(), sink);
  auto c2s = pkt("10.0.0.9", 5000, "10.0.0.1", 53, 17);  // client has the higher address
  c2s.ip_len = 60;
  auto s2c = reversed(c2s);
  s2c.ip_len = 200;
  t.update(c2s, sec(1), 74);
  t.update(s2c, sec(1.5), 214);
  t.update(c2s, sec(2), 74);
  EXPECT_EQ(t.active(), 1u);
  t.flush_all();
  ASSERT_EQ(sink.recs.size(), 1u);
  const FlowRecord& r = sink.recs[0];
  EXPECT_EQ(r.src_ip, ip("10.0.0.9"));
  EXPECT_EQ(r.src_port, 5000);
  EXPECT_EQ(r.dest_ip, ip("10.0.0.1"));
  EXPECT_EQ(r.dest_port, 53);
  EXPECT_EQ(r.proto, 17);
  EXPECT_EQ(r.ip_version, 4);
  EXPECT_EQ(r.toserver.pkts, 2u);
  EXPECT_EQ(r.toserver.bytes, 148u);
  EXPECT_EQ(r.toserver.ip_bytes, 120u);
  EXPECT_EQ(r.toclient.pkts, 1u);
  EXPECT_EQ(r.toclient.bytes, 214u);
  EXPECT_EQ(r.toclient.ip_bytes, 200u);
  EXPECT_EQ(r.toserver.first_ns, sec(1));
  EXPECT_EQ(r.toserver.last_ns, sec(2));
  EXPECT_EQ(r.toclient.first_ns, sec(1.5));
  EXPECT_EQ(r.toclient.last_ns, sec(1.5));
  EXPECT_EQ(r.start_ns, sec(1));
  EXPECT_EQ(r.end_ns, sec(2));
  EXPECT_EQ(r.reason, FlowEndReason::end_of_input);
  EXPECT_EQ(t.stats().ended(FlowEndReason::end_of_input), 1u);
  EXPECT_EQ(t.active(), 0u);
}

TEST(FlowTable, TcpFlagsOredPerDirection) {
  CollectSink sink;
  FlowTable t(cfg(), sink);
  const auto c = pkt("10.0.0.1", 40000, "10.0.0.2", 80, 6, SYN);
  t.update(c, sec(1), 60);
  t.update(pkt("10.0.0.2", 80, "10.0.0.1", 40000, 6, SYN | ACK), sec(1), 60);
  t.update(pkt("10.0.0.1", 40000, "10.0.0.2", 80, 6, ACK | PSH), sec(1), 60);
  t.flush_all();
  ASSERT_EQ(sink.recs.size(), 1u);
  EXPECT_EQ(sink.recs[0].toserver.tcp_flags, SYN | ACK | PSH);
  EXPECT_EQ(sink.recs[0].toclient.tcp_flags, SYN | ACK);
}

TEST(FlowTable, SynAckFirstMakesItsReceiverTheClient) {
  CollectSink sink;
  FlowTable t(cfg(), sink);
  t.update(pkt("10.0.0.2", 80, "10.0.0.1", 40000, 6, SYN | ACK), sec(1), 60);
  t.update(pkt("10.0.0.1", 40000, "10.0.0.2", 80, 6, ACK), sec(1), 60);
  t.flush_all();
  ASSERT_EQ(sink.recs.size(), 1u);
  EXPECT_EQ(sink.recs[0].src_ip, ip("10.0.0.1"));
  EXPECT_EQ(sink.recs[0].dest_port, 80);
  EXPECT_EQ(sink.recs[0].toserver.tcp_flags, ACK);
  EXPECT_EQ(sink.recs[0].toclient.tcp_flags, SYN | ACK);
}

TEST(FlowTable, LateSynMovesTheClientAndItsCounters) {
  CollectSink sink;
  FlowTable t(cfg(), sink);
  // Capture starts with a stray server packet, then the real connection opener arrives.
  t.update(pkt("10.0.0.2", 81, "10.0.0.1", 40001, 6, ACK), sec(2), 70);
  t.update(pkt("10.0.0.1", 40001, "10.0.0.2", 81, 6, SYN), sec(3), 80);
  t.update(pkt("10.0.0.1", 40001, "10.0.0.2", 81, 6, SYN), sec(4), 80);  // retransmit: no flip back
  t.flush_all();
  ASSERT_EQ(sink.recs.size(), 1u);
  const FlowRecord r = sink.recs[0];  // a copy: the sink grows below
  EXPECT_EQ(r.src_ip, ip("10.0.0.1"));
  EXPECT_EQ(r.src_port, 40001);
  EXPECT_EQ(r.toserver.pkts, 2u);
  EXPECT_EQ(r.toserver.bytes, 160u);
  EXPECT_EQ(r.toclient.pkts, 1u);
  EXPECT_EQ(r.toclient.bytes, 70u);
}

TEST(FlowTable, IdleTimeoutByExpire) {
  CollectSink sink;
  FlowTable t(cfg(16, 10), sink);
  t.update(pkt("10.0.0.1", 1, "10.0.0.2", 2, 17), sec(100), 60);
  t.update(pkt("10.0.0.3", 1, "10.0.0.4", 2, 17), sec(105), 60);
  t.expire(sec(110));  // exactly 10 s idle: not more than the timeout
  EXPECT_TRUE(sink.recs.empty());
  t.expire(sec(110.5));
  ASSERT_EQ(sink.recs.size(), 1u);
  EXPECT_EQ(sink.recs[0].src_ip, ip("10.0.0.1"));
  EXPECT_EQ(sink.recs[0].reason, FlowEndReason::idle_timeout);
  t.expire(sec(200));
  ASSERT_EQ(sink.recs.size(), 2u);
  EXPECT_EQ(t.stats().ended(FlowEndReason::idle_timeout), 2u);
  EXPECT_EQ(t.active(), 0u);
}

TEST(FlowTable, IdleTimeoutOnNextPacketWithoutExpire) {
  CollectSink sink;
  FlowTable t(cfg(16, 10), sink);
  const auto m = pkt("10.0.0.1", 1, "10.0.0.2", 2, 17);
  t.update(m, sec(1), 60);
  t.update(m, sec(30), 60);
  ASSERT_EQ(sink.recs.size(), 1u);
  EXPECT_EQ(sink.recs[0].reason, FlowEndReason::idle_timeout);
  EXPECT_EQ(sink.recs[0].pkts(), 1u);
  t.flush_all();
  ASSERT_EQ(sink.recs.size(), 2u);
  EXPECT_EQ(sink.recs[1].start_ns, sec(30));
  EXPECT_NE(sink.recs[0].flow_id, sink.recs[1].flow_id);
}

TEST(FlowTable, ActiveTimeoutExportsAndRestartsKeepingTheClient) {
  CollectSink sink;
  FlowTable t(cfg(16, 60, 100), sink);
  const auto c = pkt("10.0.0.1", 40000, "10.0.0.2", 80, 6, ACK);
  const auto s = reversed(c);
  for (int i = 0; i <= 100; i += 10) {
    t.update(c, sec(i), 100);
    t.update(s, sec(i + 1), 200);
  }
  // At t=101 the flow is 101 s old: that packet (server -> client) starts the new flow.
  ASSERT_EQ(sink.recs.size(), 1u);
  const FlowRecord r = sink.recs[0];  // a copy: the sink grows below
  EXPECT_EQ(r.reason, FlowEndReason::active_timeout);
  EXPECT_EQ(r.toserver.pkts, 11u);
  EXPECT_EQ(r.toclient.pkts, 10u);
  EXPECT_EQ(r.start_ns, sec(0));
  EXPECT_EQ(r.end_ns, sec(100));
  t.update(c, sec(102), 100);
  t.flush_all();
  ASSERT_EQ(sink.recs.size(), 2u);
  const auto& r2 = sink.recs[1];
  EXPECT_EQ(r2.src_ip, ip("10.0.0.1"));  // the restart did not make the server the client
  EXPECT_EQ(r2.toclient.pkts, 1u);
  EXPECT_EQ(r2.toserver.pkts, 1u);
  EXPECT_EQ(r2.start_ns, sec(101));
  EXPECT_NE(r2.flow_id, r.flow_id);
  EXPECT_EQ(t.stats().flows_created, 2u);
  EXPECT_EQ(t.stats().ended(FlowEndReason::active_timeout), 1u);
}

TEST(FlowTable, ActiveTimeoutZeroDisables) {
  CollectSink sink;
  FlowTable t(cfg(16, 60, 0), sink);
  const auto m = pkt("10.0.0.1", 1, "10.0.0.2", 2, 17);
  for (int i = 0; i < 1000; ++i) t.update(m, sec(i * 30), 60);
  EXPECT_TRUE(sink.recs.empty());
}

// A normal close: FIN, FIN, last ACK. The last ACK belongs to the connection.
TEST(FlowTable, FinInBothDirectionsKeepsTheFinalAckInTheFlow) {
  CollectSink sink;
  FlowTable t(cfg(), sink);
  t.update(pkt("10.0.0.1", 40000, "10.0.0.2", 80, 6, SYN), sec(1), 60);
  t.update(pkt("10.0.0.2", 80, "10.0.0.1", 40000, 6, SYN | ACK), sec(1), 60);
  t.update(pkt("10.0.0.1", 40000, "10.0.0.2", 80, 6, FIN | ACK), sec(2), 60);
  t.update(pkt("10.0.0.1", 40000, "10.0.0.2", 80, 6, FIN | ACK), sec(2), 60);  // retransmitted FIN
  EXPECT_EQ(t.closing(), 0u) << "one side's FINs do not close the flow";
  t.update(pkt("10.0.0.2", 80, "10.0.0.1", 40000, 6, FIN | ACK), sec(3), 60);
  EXPECT_TRUE(sink.recs.empty()) << "the second FIN starts the grace period, it does not end the flow";
  EXPECT_EQ(t.closing(), 1u);
  t.update(pkt("10.0.0.1", 40000, "10.0.0.2", 80, 6, ACK), sec(3.5), 60);  // the last ACK
  t.expire(sec(5.5));  // exactly 2 s after the last packet: not over yet
  EXPECT_TRUE(sink.recs.empty());
  EXPECT_EQ(t.active(), 1u);
  t.expire(sec(5.5) + 1);
  ASSERT_EQ(sink.recs.size(), 1u);
  EXPECT_EQ(sink.recs[0].reason, FlowEndReason::tcp_fin);
  EXPECT_EQ(sink.recs[0].pkts(), 6u);
  EXPECT_EQ(sink.recs[0].toserver.pkts, 4u);
  EXPECT_EQ(sink.recs[0].end_ns, sec(3.5));
  EXPECT_EQ(t.active(), 0u);
  EXPECT_EQ(t.closing(), 0u);
  EXPECT_EQ(t.stats().ended(FlowEndReason::tcp_fin), 1u);
  EXPECT_EQ(t.stats().flows_created, 1u);
}

TEST(FlowTable, DefaultClosedTimeout) {
  CollectSink sink;
  FlowTable t(FlowTableConfig{}, sink);
  EXPECT_EQ(t.config().closed_timeout_ns, sec(10)) << "documented default";
}

// A FIN resent with exponential backoff (its ACK was lost) stays in the flow: the grace
// period counts from the flow's last packet, not from the moment it closed.
TEST(FlowTable, EveryPacketRestartsTheGracePeriod) {
  CollectSink sink;
  FlowTable t(cfg(), sink);
  const auto fin = pkt("10.0.0.1", 40000, "10.0.0.2", 80, 6, FIN | ACK);
  t.update(reversed(fin), sec(1), 60);
  t.update(fin, sec(1), 60);
  t.update(pkt("10.0.0.5", 1, "10.0.0.6", 2, 17), sec(1.5), 60);
  t.update(pkt("10.0.0.7", 40000, "10.0.0.8", 80, 6, RST), sec(1.5), 60);  // closes after the first
  for (double at : {2.5, 4.0, 5.5}) t.update(fin, sec(at), 60);          // gaps 1.5 s each
  t.expire(sec(7.5));
  ASSERT_EQ(sink.recs.size(), 1u) << "only the RST flow (idle since 1.5) is over";
  EXPECT_EQ(sink.recs[0].reason, FlowEndReason::tcp_rst);
  t.expire(sec(7.5) + 1);
  ASSERT_EQ(sink.recs.size(), 2u);
  EXPECT_EQ(sink.recs[1].reason, FlowEndReason::tcp_fin);
  EXPECT_EQ(sink.recs[1].pkts(), 5u);
  EXPECT_EQ(t.active(), 1u);
}

TEST(FlowTable, PacketAfterTheGracePeriodStartsANewFlow) {
  CollectSink sink;
  FlowTable t(cfg(), sink);
  const auto c = pkt("10.0.0.1", 40000, "10.0.0.2", 80, 6, FIN | ACK);
  t.update(c, sec(1), 60);
  t.update(reversed(c), sec(1.1), 60);
  t.update(pkt("10.0.0.1", 40000, "10.0.0.2", 80, 6, ACK), sec(4), 60);  // 2.9 s later, no expire() between
  ASSERT_EQ(sink.recs.size(), 1u);
  EXPECT_EQ(sink.recs[0].reason, FlowEndReason::tcp_fin);
  EXPECT_EQ(sink.recs[0].pkts(), 2u);
  t.flush_all();
  ASSERT_EQ(sink.recs.size(), 2u);
  EXPECT_EQ(sink.recs[1].reason, FlowEndReason::end_of_input);
  EXPECT_EQ(sink.recs[1].pkts(), 1u);
}

// Port reuse: a new connection's SYN during the grace period is not part of the old one.
TEST(FlowTable, PureSynDuringClosingStartsANewFlow) {
  CollectSink sink;
  FlowTable t(cfg(), sink);
  t.update(pkt("10.0.0.1", 40000, "10.0.0.2", 80, 6, SYN), sec(1), 60);
  t.update(pkt("10.0.0.2", 80, "10.0.0.1", 40000, 6, FIN | ACK), sec(1.2), 60);
  t.update(pkt("10.0.0.1", 40000, "10.0.0.2", 80, 6, FIN | ACK), sec(1.3), 60);
  t.update(pkt("10.0.0.1", 40000, "10.0.0.2", 80, 6, SYN | ACK), sec(1.4), 60);  // not a pure SYN: same flow
  EXPECT_TRUE(sink.recs.empty());
  t.update(pkt("10.0.0.1", 40000, "10.0.0.2", 80, 6, SYN), sec(1.5), 60);
  ASSERT_EQ(sink.recs.size(), 1u);
  const FlowRecord old = sink.recs[0];
  EXPECT_EQ(old.reason, FlowEndReason::tcp_fin);
  EXPECT_EQ(old.pkts(), 4u);
  EXPECT_EQ(t.active(), 1u);
  EXPECT_EQ(t.closing(), 0u);
  t.update(pkt("10.0.0.2", 80, "10.0.0.1", 40000, 6, SYN | ACK), sec(1.6), 60);
  t.flush_all();
  ASSERT_EQ(sink.recs.size(), 2u);
  EXPECT_EQ(sink.recs[1].reason, FlowEndReason::end_of_input);
  EXPECT_EQ(sink.recs[1].start_ns, sec(1.5));
  EXPECT_EQ(sink.recs[1].src_port, 40000);
  EXPECT_EQ(sink.recs[1].toserver.pkts, 1u);
  EXPECT_EQ(sink.recs[1].toclient.pkts, 1u);
  EXPECT_NE(sink.recs[1].flow_id, old.flow_id);
}

TEST(FlowTable, RstClosesAndLaterSegmentsStillCount) {
  CollectSink sink;
  FlowTable t(cfg(), sink);
  t.update(pkt("10.0.0.1", 40000, "10.0.0.2", 80, 6, SYN), sec(1), 60);
  t.update(pkt("10.0.0.2", 80, "10.0.0.1", 40000, 6, RST | ACK), sec(1), 60);
  EXPECT_TRUE(sink.recs.empty());
  EXPECT_EQ(t.closing(), 1u);
  t.update(pkt("10.0.0.2", 80, "10.0.0.1", 40000, 6, RST), sec(1.5), 60);  // a second RST: still one flow
  t.update(pkt("10.0.0.1", 40000, "10.0.0.2", 80, 6, FIN | ACK), sec(1.6), 60);
  t.flush_all();  // a closing flow keeps its reason at flush
  ASSERT_EQ(sink.recs.size(), 1u);
  EXPECT_EQ(sink.recs[0].reason, FlowEndReason::tcp_rst);
  EXPECT_EQ(sink.recs[0].toclient.tcp_flags, RST | ACK);
  EXPECT_EQ(sink.recs[0].src_port, 40000);
  EXPECT_EQ(sink.recs[0].pkts(), 4u);
  EXPECT_EQ(t.stats().ended(FlowEndReason::tcp_rst), 1u);
  EXPECT_EQ(t.stats().ended(FlowEndReason::end_of_input), 0u);
  EXPECT_EQ(t.active(), 0u);
}

TEST(FlowTable, ClosedTimeoutZeroEndsOnTheClosingPacket) {
  CollectSink sink;
  FlowTableConfig c = cfg();
  c.closed_timeout_ns = 0;
  FlowTable t(c, sink);
  t.update(pkt("10.0.0.1", 40000, "10.0.0.2", 80, 6, FIN | ACK), sec(1), 60);
  t.update(pkt("10.0.0.2", 80, "10.0.0.1", 40000, 6, FIN | ACK), sec(1), 60);
  ASSERT_EQ(sink.recs.size(), 1u);
  EXPECT_EQ(sink.recs[0].reason, FlowEndReason::tcp_fin);
  t.update(pkt("10.0.0.1", 40000, "10.0.0.2", 80, 6, ACK), sec(1), 60);
  EXPECT_EQ(t.active(), 1u) << "the final ACK starts a new flow";
}

TEST(FlowTable, ClosedTimeoutIsCappedByTheIdleTimeout) {
  CollectSink sink;
  FlowTableConfig c = cfg(16, 10);
  c.closed_timeout_ns = sec(30);
  FlowTable t(c, sink);
  EXPECT_EQ(t.config().closed_timeout_ns, sec(10));
  t.update(pkt("10.0.0.1", 40000, "10.0.0.2", 80, 6, RST), sec(1), 60);
  t.expire(sec(11.5));
  ASSERT_EQ(sink.recs.size(), 1u);
  EXPECT_EQ(sink.recs[0].reason, FlowEndReason::tcp_rst);
}

// A full table ends a finished (closing) connection before it evicts a live flow.
TEST(FlowTable, FullTableEndsClosingFlowsBeforeEvicting) {
  CollectSink sink;
  FlowTable t(cfg(2), sink);
  t.update(pkt("10.0.0.1", 1, "10.0.0.2", 2, 17), sec(1), 60);  // least recently seen, open
  t.update(pkt("10.0.0.3", 40000, "10.0.0.4", 80, 6, RST), sec(2), 60);
  t.update(pkt("10.0.0.5", 1, "10.0.0.6", 2, 17), sec(3), 60);
  ASSERT_EQ(sink.recs.size(), 1u);
  EXPECT_EQ(sink.recs[0].reason, FlowEndReason::tcp_rst);
  EXPECT_EQ(t.stats().evictions, 0u);
  t.update(pkt("10.0.0.7", 1, "10.0.0.8", 2, 17), sec(4), 60);
  ASSERT_EQ(sink.recs.size(), 2u);
  EXPECT_EQ(sink.recs[1].reason, FlowEndReason::evicted);
  EXPECT_EQ(sink.recs[1].src_ip, ip("10.0.0.1"));
  EXPECT_EQ(t.stats().evictions, 1u);
}

// Closing flows leave the LRU list; expire() ends them by closing time, independently of
// the idle order of the open ones.
TEST(FlowTable, ClosingFlowsExpireInClosingOrder) {
  CollectSink sink;
  FlowTable t(cfg(16, 60), sink);
  t.update(pkt("10.0.0.9", 1, "10.0.0.10", 2, 17), sec(0), 60);  // open, idle much later
  for (int i = 1; i <= 3; ++i)
    t.update(pkt("10.0.0." + std::to_string(i), 40000, "10.0.1.1", 80, 6, RST), sec(i), 60);
  std::uint64_t ids[8];
  EXPECT_EQ(t.lru_order(ids, 8), 1u);
  EXPECT_EQ(t.closing(), 3u);
  t.expire(sec(4.5));
  ASSERT_EQ(sink.recs.size(), 2u);
  EXPECT_EQ(sink.recs[0].src_ip, ip("10.0.0.1"));
  EXPECT_EQ(sink.recs[1].src_ip, ip("10.0.0.2"));
  EXPECT_EQ(t.active(), 2u);
  t.flush_all();
  ASSERT_EQ(sink.recs.size(), 4u);
  EXPECT_EQ(sink.recs[2].reason, FlowEndReason::tcp_rst);
  EXPECT_EQ(sink.recs[3].reason, FlowEndReason::end_of_input);
}

// Fragments: every fragment of a datagram counts in its 5-tuple flow, with the unfragmented
// packets of the same conversation (frag_table_test.cpp has the fragment table's own rules).
TEST(FlowTable, AllFragmentsOfADatagramInItsFlow) {
  CollectSink sink;
  FlowTable t(cfg(), sink);
  auto first = pkt("10.0.0.1", 5000, "10.0.0.2", 53, 17);
  first.flags |= kMetaIsFragment | kMetaFirstFragment | kMetaMoreFragments;
  first.frag_id = 9;
  first.l3_off = 14;
  first.l4_off = 34;
  first.ip_len = 1500;
  auto rest = pkt("10.0.0.1", 0, "10.0.0.2", 0, 17);
  rest.flags = kMetaHasL3 | kMetaIsFragment;  // the last fragment
  rest.frag_id = 9;
  rest.frag_offset = 1480;
  rest.l3_off = 14;
  rest.payload_off = 34;
  rest.l4_payload_len = 280;
  rest.ip_len = 300;
  t.update(first, sec(1), 1514);
  t.update(rest, sec(1), 314);
  t.update(pkt("10.0.0.2", 53, "10.0.0.1", 5000, 17), sec(1.1), 100);  // the unfragmented reply
  t.flush_all();
  ASSERT_EQ(sink.recs.size(), 1u);
  const FlowRecord& r = sink.recs[0];
  EXPECT_EQ(r.src_ip, ip("10.0.0.1"));
  EXPECT_EQ(r.src_port, 5000);
  EXPECT_EQ(r.dest_port, 53);
  EXPECT_EQ(r.toserver.pkts, 2u);
  EXPECT_EQ(r.toserver.bytes, 1514u + 314u);
  EXPECT_EQ(r.toclient.pkts, 1u);
  EXPECT_EQ(t.stats().frag.attributed, 2u);
  EXPECT_EQ(t.stats().frag.active, 0u);  // complete: the entry is gone
}

TEST(FlowTable, UdpFlagsAreIgnored) {
  CollectSink sink;
  FlowTable t(cfg(), sink);
  auto m = pkt("10.0.0.1", 1, "10.0.0.2", 2, 17);
  m.tcp_flags = RST;  // garbage in a non-TCP packet must not end anything
  t.update(m, sec(1), 60);
  EXPECT_TRUE(sink.recs.empty());
}

TEST(FlowTable, EvictsLeastRecentlySeenWhenFull) {
  CollectSink sink;
  FlowTable t(cfg(3), sink);
  auto flow = [](int i) { return pkt("10.0.0." + std::to_string(i), 1000, "10.1.0.1", 80, 17); };
  t.update(flow(1), sec(1), 60);
  t.update(flow(2), sec(2), 60);
  t.update(flow(3), sec(3), 60);
  t.update(flow(1), sec(4), 60);  // 1 is now the freshest; 2 the least recent
  t.update(flow(4), sec(5), 60);
  ASSERT_EQ(sink.recs.size(), 1u);
  EXPECT_EQ(sink.recs[0].reason, FlowEndReason::evicted);
  EXPECT_EQ(sink.recs[0].src_ip, ip("10.0.0.2"));
  t.update(flow(5), sec(6), 60);
  ASSERT_EQ(sink.recs.size(), 2u);
  EXPECT_EQ(sink.recs[1].src_ip, ip("10.0.0.3"));
  EXPECT_EQ(t.stats().evictions, 2u);
  EXPECT_EQ(t.stats().ended(FlowEndReason::evicted), 2u);
  EXPECT_EQ(t.active(), 3u);
  EXPECT_EQ(t.stats().peak_flows, 3u);
}

TEST(FlowTable, LruOrderFollowsLastUpdate) {
  CollectSink sink;
  FlowTable t(cfg(8), sink);
  auto flow = [](int i) { return pkt("10.0.0." + std::to_string(i), 1000, "10.1.0.1", 80, 17); };
  for (int i = 1; i <= 5; ++i) t.update(flow(i), sec(i), 60);  // flow ids 1..5
  t.update(reversed(flow(2)), sec(6), 60);  // the reverse direction refreshes too
  t.update(flow(4), sec(7), 60);
  t.update(flow(1), sec(8), 60);
  std::uint64_t ids[8];
  const auto n = t.lru_order(ids, 8);
  ASSERT_EQ(n, 5u);
  EXPECT_EQ(std::vector<std::uint64_t>(ids, ids + n), (std::vector<std::uint64_t>{3, 5, 2, 4, 1}));
  // expire pops from the head only, in that order.
  t.expire(sec(5) + sec(60) + 1);
  ASSERT_EQ(sink.recs.size(), 2u);
  EXPECT_EQ(sink.recs[0].flow_id, 3u);
  EXPECT_EQ(sink.recs[1].flow_id, 5u);
  t.flush_all();
  ASSERT_EQ(sink.recs.size(), 5u);
  EXPECT_EQ(sink.recs[2].flow_id, 2u);
  EXPECT_EQ(sink.recs[3].flow_id, 4u);
  EXPECT_EQ(sink.recs[4].flow_id, 1u);
}

TEST(FlowTable, LruGranularityBoundsExpiryLatenessAndEvictionChoice) {
  CollectSink sink;
  FlowTableConfig c = cfg(2, 10);
  c.lru_granularity_ns = sec(1);
  FlowTable t(c, sink);
  const auto a = pkt("10.0.0.1", 1, "10.0.0.2", 2, 17);
  const auto b = pkt("10.0.0.3", 1, "10.0.0.4", 2, 17);
  t.update(a, sec(0), 60);
  t.update(b, sec(0.5), 60);
  t.update(a, sec(0.9), 60);  // within the granule: a stays at the head
  std::uint64_t ids[2];
  ASSERT_EQ(t.lru_order(ids, 2), 2u);
  EXPECT_EQ(ids[0], 1u);
  // b is idle first (last seen 0.5) but sits behind a (last seen 0.9): never exported early,
  // and late by less than the granule.
  t.expire(sec(10.6));
  EXPECT_TRUE(sink.recs.empty());
  t.expire(sec(10.95));
  ASSERT_EQ(sink.recs.size(), 2u);
  EXPECT_EQ(sink.recs[0].src_ip, ip("10.0.0.1"));
  EXPECT_EQ(sink.recs[0].end_ns, sec(0.9));  // the record's times stay exact
  EXPECT_EQ(sink.recs[1].end_ns, sec(0.5));
  // Past the granule an update does move the flow.
  t.update(a, sec(20), 60);
  t.update(b, sec(20.5), 60);
  t.update(a, sec(21.5), 60);
  ASSERT_EQ(t.lru_order(ids, 2), 2u);
  EXPECT_EQ(ids[1], sink.recs.size() + 1u);  // a (flow id 3) is now the freshest
  const auto evict = pkt("10.0.0.5", 1, "10.0.0.6", 2, 17);
  t.update(evict, sec(22), 60);
  ASSERT_EQ(sink.recs.size(), 3u);
  EXPECT_EQ(sink.recs[2].reason, FlowEndReason::evicted);
  EXPECT_EQ(sink.recs[2].src_ip, ip("10.0.0.3"));
}

TEST(FlowTable, BoundedMemoryEveryPacketAccounted) {
  constexpr std::uint32_t kMax = 1000;
  std::uint64_t record_pkts = 0, records = 0;
  std::set<std::uint64_t> ids;
  bool ids_unique = true;
  auto fn = [&](const FlowRecord& r) {
    record_pkts += r.pkts();
    ++records;
    ids_unique &= ids.insert(r.flow_id).second;
  };
  CallbackFlowSink<decltype(fn)> sink(fn);
  FlowTable t(cfg(kMax), sink);
  std::uint64_t fed = 0;
  std::uint32_t max_active = 0;
  // 10x max_flows distinct flows, two packets each, interleaved with a revisit of an older flow.
  for (std::uint32_t i = 0; i < 10 * kMax; ++i) {
    const auto a = static_cast<std::uint16_t>(i & 0xffff);
    auto m = pkt("10." + std::to_string(i >> 16) + "." + std::to_string((a >> 8) & 0xff) + "." + std::to_string(a & 0xff),
                 1000, "172.16.0.1", 443, 6, ACK);
    t.update(m, sec(i * 0.001), 60);
    t.update(reversed(m), sec(i * 0.001), 60);
    fed += 2;
    if (i % 7 == 0 && i >= 10) {
      auto old = pkt("10.0." + std::to_string(((i - 10) >> 8) & 0xff) + "." + std::to_string((i - 10) & 0xff), 1000,
                     "172.16.0.1", 443, 6, ACK);
      t.update(old, sec(i * 0.001), 60);
      ++fed;
    }
    max_active = std::max(max_active, t.active());
  }
  t.update(arp(), sec(100), 60);
  ++fed;
  EXPECT_EQ(max_active, kMax);
  EXPECT_EQ(t.stats().peak_flows, kMax);
  EXPECT_GE(t.stats().evictions, 9u * kMax);
  t.flush_all();
  EXPECT_EQ(t.active(), 0u);
  EXPECT_EQ(t.stats().packets, fed);
  EXPECT_EQ(t.stats().non_ip, 1u);
  EXPECT_EQ(record_pkts + t.stats().non_ip, fed);
  EXPECT_EQ(records, t.stats().flows_created);
  EXPECT_TRUE(ids_unique);
  std::uint64_t ended = 0;
  for (auto c : t.stats().flows_ended) ended += c;
  EXPECT_EQ(ended, records);
  EXPECT_EQ(t.stats().evictions, t.stats().ended(FlowEndReason::evicted));
}

TEST(FlowTable, ManyFlowsInOneBucketChainStayFindable) {
  // Removing flows in an order unrelated to insertion unlinks entries from the middle and
  // ends of bucket chains; the survivors must still be found and aggregated.
  CollectSink sink;
  FlowTable t(cfg(64, 10), sink);
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 64; ++i) t.update(pkt("10.0.0.1", static_cast<std::uint16_t>(i), "10.0.0.2", 9, 17), sec(round * 100 + i * 0.01), 60);
    // End every other flow out of order, then confirm the rest still aggregate.
    for (int i = 1; i < 64; i += 2) {
      t.update(pkt("10.0.0.1", static_cast<std::uint16_t>(i), "10.0.0.2", 9, 17), sec(round * 100 + 1), 60);
    }
    EXPECT_EQ(t.active(), 64u);
    EXPECT_EQ(t.stats().evictions, 0u);
    t.expire(sec(round * 100 + 50));
  }
  EXPECT_EQ(t.active(), 0u);
  ASSERT_EQ(sink.recs.size(), 3u * 64u);
  for (const auto& r : sink.recs) EXPECT_EQ(r.pkts(), (r.src_port % 2) ? 2u : 1u);
}

TEST(FlowTable, CapacityOneStillWorks) {
  CollectSink sink;
  FlowTableConfig c = cfg(0);  // clamped to 1
  FlowTable t(c, sink);
  EXPECT_EQ(t.capacity(), 1u);
  t.update(pkt("10.0.0.1", 1, "10.0.0.2", 2, 17), sec(1), 60);
  t.update(pkt("10.0.0.1", 3, "10.0.0.2", 2, 17), sec(1), 60);
  t.update(pkt("10.0.0.1", 3, "10.0.0.2", 2, 17), sec(1), 60);
  EXPECT_EQ(sink.recs.size(), 1u);
  t.flush_all();
  ASSERT_EQ(sink.recs.size(), 2u);
  EXPECT_EQ(sink.recs[1].pkts(), 2u);
}

TEST(FlowTable, IcmpTypesKeptPerDirection) {
  CollectSink sink;
  FlowTable t(cfg(), sink);
  t.update(pkt("10.0.0.1", 8, "10.0.0.2", 0, 1), sec(1), 98);
  t.update(pkt("10.0.0.2", 0, "10.0.0.1", 0, 1), sec(1), 98);
  t.update(pkt("10.0.0.1", 8, "10.0.0.2", 0, 1), sec(2), 98);
  t.flush_all();
  ASSERT_EQ(sink.recs.size(), 1u);
  const FlowRecord r = sink.recs[0];  // a copy: the sink grows below
  EXPECT_EQ(r.src_ip, ip("10.0.0.1"));
  EXPECT_EQ(r.toserver.icmp_type, 8);
  EXPECT_EQ(r.toclient.icmp_type, 0);
  EXPECT_EQ(r.toserver.pkts, 2u);
  EXPECT_EQ(r.src_port, 0);
}

TEST(FlowTable, VlansSeparateFlowsAndAreReported) {
  CollectSink sink;
  FlowTable t(cfg(), sink);
  const auto m = pkt("10.0.0.1", 1, "10.0.0.2", 2, 17);
  t.update(with_vlans(m, 10), sec(1), 60);
  t.update(with_vlans(reversed(m), 10), sec(1), 60);
  t.update(with_vlans(m, 20, 2, 30), sec(1), 60);
  t.update(m, sec(1), 60);
  EXPECT_EQ(t.active(), 3u);
  t.flush_all();
  ASSERT_EQ(sink.recs.size(), 3u);
  EXPECT_EQ(sink.recs[0].vlan_count, 1);
  EXPECT_EQ(sink.recs[0].vlan_ids[0], 10);
  EXPECT_EQ(sink.recs[0].pkts(), 2u);
  EXPECT_EQ(sink.recs[1].vlan_count, 2);
  EXPECT_EQ(sink.recs[1].vlan_ids[1], 30);
  EXPECT_EQ(sink.recs[2].vlan_count, 0);
}

// update_batch() against update() packet by packet: same records, same order, same counters.
// `hosts` client addresses (x 3 ports) against one server; `max_flows` below that forces
// evictions. About one packet in `fin_mod` is a FIN; every 37th packet is `late_s` late. The
// LRU is exact unless `lru_granularity_s` is given: only then can a packet take the
// established-flow shortcut (a flow must stay put in the LRU list between packets).
// Returns the peak of live flows.
std::uint64_t expect_batch_equals_one_by_one(std::uint32_t max_flows, std::uint32_t hosts, int packets,
                                             std::uint32_t fin_mod = 64, double late_s = 0.005,
                                             double lru_granularity_s = 0) {
  CollectSink one, many;
  FlowTableConfig c = cfg(max_flows, 1);
  c.lru_granularity_ns = sec(lru_granularity_s);
  FlowTable a(c, one), b(c, many);
  std::vector<PacketMeta> metas;
  std::vector<PacketView> views;
  std::uint32_t x = 12345;
  for (int i = 0; i < packets; ++i) {
    x = x * 1103515245u + 12345u;
    const std::uint32_t h = (x >> 8) % hosts;
    auto m = pkt("10.0." + std::to_string(h / 250) + "." + std::to_string(h % 250), static_cast<std::uint16_t>(1000 + (x >> 16) % 3),
                 "10.1.0.1", 80, 6,
                 static_cast<std::uint8_t>((x >> 20) % fin_mod == 0 ? FIN
                                           : (x >> 20) % 97 == 0 ? RST
                                           : (x >> 20) % 89 == 0 ? SYN
                                                                 : ACK));
    if ((x >> 24) % 2) m = reversed(m);
    if (i % 101 == 0) m = arp();
    PacketView v;
    // Out of order: such a packet may move its direction's first packet back, which only the
    // full path does.
    v.ts_ns = sec(i * 0.002 - (i % 37 == 0 ? late_s : 0.0));
    v.wirelen = 60 + (x % 1400);
    metas.push_back(m);
    views.push_back(v);
  }
  for (std::size_t i = 0; i < metas.size(); ++i) a.update(metas[i], views[i].ts_ns, views[i].wirelen);
  // Batches of every size from 1 to 256 in turn: short ones never fill the pipeline, long ones
  // run it full; both must equal the one-by-one path.
  for (std::size_t i = 0, len = 1; i < metas.size(); i += len, len = len % 256 + 1) {
    len = std::min<std::size_t>(len, metas.size() - i);
    b.update_batch(&metas[i], &views[i], len);
  }
  const std::uint64_t peak = b.stats().peak_flows;
  a.flush_all();
  b.flush_all();
  EXPECT_EQ(one.recs.size(), many.recs.size());
  if (max_flows < 3 * hosts) {
    EXPECT_GT(a.stats().evictions, 0u);
  }
  for (std::size_t i = 0; i < std::min(one.recs.size(), many.recs.size()); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(one.recs[i].flow_id, many.recs[i].flow_id);
    EXPECT_EQ(one.recs[i].reason, many.recs[i].reason);
    EXPECT_EQ(one.recs[i].src_ip, many.recs[i].src_ip);
    EXPECT_EQ(one.recs[i].toserver.bytes, many.recs[i].toserver.bytes);
    EXPECT_EQ(one.recs[i].toclient.pkts, many.recs[i].toclient.pkts);
    EXPECT_EQ(one.recs[i].end_ns, many.recs[i].end_ns);
    EXPECT_EQ(one.recs[i].start_ns, many.recs[i].start_ns);
    EXPECT_EQ(one.recs[i].toserver.pkts, many.recs[i].toserver.pkts);
    EXPECT_EQ(one.recs[i].toclient.bytes, many.recs[i].toclient.bytes);
    EXPECT_EQ(one.recs[i].toserver.first_ns, many.recs[i].toserver.first_ns);
    EXPECT_EQ(one.recs[i].toclient.tcp_flags, many.recs[i].toclient.tcp_flags);
    if (::testing::Test::HasFailure()) break;  // the first difference is the one to read
  }
  EXPECT_EQ(a.stats().packets, b.stats().packets);
  EXPECT_EQ(a.stats().non_ip, b.stats().non_ip);
  EXPECT_EQ(a.stats().evictions, b.stats().evictions);
  EXPECT_EQ(a.stats().flows_ended, b.stats().flows_ended);
  return peak;
}

// A small full table: most packets of a batch evict or re-create a flow that another packet
// of the same batch was prefetched for.
TEST(FlowTable, UpdateBatchEqualsUpdateOneByOne) {
  EXPECT_EQ(expect_batch_equals_one_by_one(50, 80, 5000), 50u);
}

// Few flows that all stay: most packets take the established-flow shortcut of update_batch(),
// interleaved with FINs (one in six), SYNs, RSTs and packets 0.3 s out of order, each of
// which must leave the shortcut for the full path.
TEST(FlowTable, UpdateBatchShortcutEqualsUpdateOneByOne) {
  EXPECT_EQ(expect_batch_equals_one_by_one(64, 8, 20000, 6, 0.3, 0.05), 24u);
}

// Thousands of live flows over buckets grown several times: chains of two or more, where the
// pipeline prefetches the neighbour behind a head whose tag differs.
TEST(FlowTable, UpdateBatchPipelineEqualsUpdateOneByOne) {
  EXPECT_GT(expect_batch_equals_one_by_one(6000, 3400, 120000), 4096u);
  // The same with the default LRU granularity, where most packets take the shortcut.
  EXPECT_GT(expect_batch_equals_one_by_one(6000, 3400, 120000, 64, 0.005, 1), 4096u);
}

TEST(FlowTable, BucketArrayGrowsAndKeepsEveryFlow) {
  // 20,000 flows in a table reserved for 100,000: the buckets start at 1,024 and double
  // whenever the flows outnumber half of them: at 513, 1,025, 2,049, 4,097, 8,193 and 16,385. Every flow must still be found after
  // each split (the reply of each lands in it), and removal must find the right chain.
  CollectSink sink;
  FlowTable t(cfg(100000, 10), sink);
  constexpr int kFlows = 20000;
  auto flow = [](int f) {
    return pkt("10." + std::to_string(f / 65536) + "." + std::to_string((f / 256) % 256) + "." + std::to_string(f % 256),
               static_cast<std::uint16_t>(1024 + f % 50000), "192.0.2.1", 443, 6, ACK);
  };
  for (int f = 0; f < kFlows; ++f) t.update(flow(f), sec(1), 60);
  EXPECT_EQ(t.stats().bucket_doublings, 6u);
  for (int f = 0; f < kFlows; ++f) t.update(reversed(flow(f)), sec(2), 1500);
  EXPECT_EQ(t.stats().flows_created, static_cast<std::uint64_t>(kFlows));
  EXPECT_EQ(t.active(), static_cast<std::uint32_t>(kFlows));
  t.expire(sec(13));  // every flow idle for more than 10 s: each is unlinked from its chain
  EXPECT_EQ(t.active(), 0u);
  ASSERT_EQ(sink.recs.size(), static_cast<std::size_t>(kFlows));
  for (const FlowRecord& r : sink.recs) {
    ASSERT_EQ(r.toserver.pkts, 1u);
    ASSERT_EQ(r.toclient.pkts, 1u);
    ASSERT_EQ(r.reason, FlowEndReason::idle_timeout);
  }
  // The emptied table finds nothing old: a packet of an ended flow starts a new one.
  t.update(flow(7), sec(14), 60);
  EXPECT_EQ(t.stats().flows_created, static_cast<std::uint64_t>(kFlows) + 1);
  EXPECT_EQ(t.active(), 1u);
}

TEST(FlowTable, FastPathDecidesTimeoutsLikeTheFullCheck) {
  // With a coarse LRU granule most packets skip the timeout checks (Entry::fast_until). The
  // flows exported must be exactly those of a table that checks every packet (granule 0):
  // same ids, packets, bytes, start, end and reason, with idle, active and TCP endings and
  // timestamps that sometimes go backwards. Only the LRU order may differ, so records are
  // compared by flow id.
  auto config = [](TimestampNs gran) {
    FlowTableConfig c = cfg(100000, 1.0, 3.0);
    c.closed_timeout_ns = sec(0.5);
    c.lru_granularity_ns = gran;
    return c;
  };
  CollectSink exact_sink, fast_sink;
  FlowTable exact(config(0), exact_sink), fast(config(sec(1)), fast_sink);
  std::uint32_t x = 777;
  TimestampNs ts = sec(100);
  for (int i = 0; i < 40000; ++i) {
    x = x * 1103515245u + 12345u;
    const std::uint32_t r = x >> 8;
    const auto flags = static_cast<std::uint8_t>(r % 211 == 0 ? FIN : r % 509 == 0 ? RST : r % 101 == 0 ? SYN : ACK);
    auto m = pkt("10.0.0." + std::to_string(r % 40), static_cast<std::uint16_t>(2000 + (r >> 6) % 4), "10.9.0.1", 80,
                 r % 3 == 0 ? 17 : 6, flags);
    if ((r >> 12) % 2) m = reversed(m);
    ts += static_cast<TimestampNs>((r >> 14) % 7) * 1'000'000;  // 0-6 ms steps: ~120 s in all
    // One packet in 50 is up to 20 ms late; one in 2000 comes after a 1.5 s lull.
    TimestampNs t = (r >> 3) % 50 == 0 ? ts - static_cast<TimestampNs>((r >> 9) % 20) * 1'000'000 : ts;
    if ((r >> 2) % 2000 == 0) ts += sec(1.5);
    exact.update(m, t, 60 + r % 1000);
    fast.update(m, t, 60 + r % 1000);
  }
  exact.flush_all();
  fast.flush_all();
  auto by_id = [](std::vector<FlowRecord> v) {
    std::sort(v.begin(), v.end(), [](const FlowRecord& a, const FlowRecord& b) { return a.flow_id < b.flow_id; });
    return v;
  };
  const auto a = by_id(exact_sink.recs), b = by_id(fast_sink.recs);
  ASSERT_EQ(a.size(), b.size());
  EXPECT_GT(exact.stats().ended(FlowEndReason::idle_timeout), 0u);
  EXPECT_GT(exact.stats().ended(FlowEndReason::active_timeout), 0u);
  EXPECT_GT(exact.stats().ended(FlowEndReason::tcp_fin) + exact.stats().ended(FlowEndReason::tcp_rst), 0u);
  for (std::size_t i = 0; i < a.size(); ++i) {
    SCOPED_TRACE(i);
    ASSERT_EQ(a[i].flow_id, b[i].flow_id);
    EXPECT_EQ(a[i].reason, b[i].reason);
    EXPECT_EQ(a[i].start_ns, b[i].start_ns);
    EXPECT_EQ(a[i].end_ns, b[i].end_ns);
    EXPECT_EQ(a[i].toserver.pkts, b[i].toserver.pkts);
    EXPECT_EQ(a[i].toclient.pkts, b[i].toclient.pkts);
    EXPECT_EQ(a[i].toserver.bytes, b[i].toserver.bytes);
    EXPECT_EQ(a[i].toclient.first_ns, b[i].toclient.first_ns);
  }
}

TEST(FlowEndReason, Names) {
  EXPECT_EQ(to_string(FlowEndReason::idle_timeout), "idle_timeout");
  EXPECT_EQ(to_string(FlowEndReason::active_timeout), "active_timeout");
  EXPECT_EQ(to_string(FlowEndReason::tcp_fin), "tcp_fin");
  EXPECT_EQ(to_string(FlowEndReason::tcp_rst), "tcp_rst");
  EXPECT_EQ(to_string(FlowEndReason::end_of_input), "end_of_input");
  EXPECT_EQ(to_string(FlowEndReason::evicted), "evicted");
}

}  // namespace
}  // namespace riptide
