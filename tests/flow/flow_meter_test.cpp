#include <gtest/gtest.h>

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "flow_test_util.hpp"
#include "riptide/analyze/flow_meter_analyzer.hpp"
#include "riptide/flow/flow_meter.hpp"

namespace riptide {
namespace {
using namespace flowtest;

PacketView view(TimestampNs ts, std::uint32_t wirelen) {
  PacketView v;
  v.ts_ns = ts;
  v.wirelen = wirelen;
  v.caplen = wirelen < 96 ? wirelen : 96;  // snaplen-truncated: bytes still count in full
  return v;
}

TEST(FlowMeter, PacketsBatchesAndFinish) {
  CollectSink sink;
  FlowMeterConfig c;
  c.max_flows = 16;
  c.idle_timeout_ns = sec(5);
  FlowMeter meter(c, sink);
  const auto a = pkt("192.0.2.1", 1111, "198.51.100.7", 53, 17);
  const auto b = pkt("2001:db8::1", 2222, "2001:db8::7", 443, 6, SYN);
  meter.on_packet(a, view(sec(1), 1500));
  meter.on_packet(arp(), view(sec(1), 60));
  meter.on_packet(b, view(sec(2), 80));
  meter.on_batch_end(sec(2));
  EXPECT_TRUE(sink.recs.empty());
  meter.on_packet(b, view(sec(6.5), 80));
  meter.on_batch_end(sec(6.5));  // a idle for 5.5 s
  ASSERT_EQ(sink.recs.size(), 1u);
  EXPECT_EQ(sink.recs[0].toserver.bytes, 1500u);
  EXPECT_EQ(sink.recs[0].reason, FlowEndReason::idle_timeout);
  meter.finish();
  ASSERT_EQ(sink.recs.size(), 2u);
  EXPECT_EQ(sink.recs[1].reason, FlowEndReason::end_of_input);
  EXPECT_EQ(sink.recs[1].ip_version, 6);
  EXPECT_EQ(sink.recs[1].toserver.pkts, 2u);

  const FlowMeterStats& s = meter.stats();
  EXPECT_EQ(s.packets, 4u);
  EXPECT_EQ(s.non_ip, 1u);
  EXPECT_EQ(s.flows_created, 2u);
  EXPECT_EQ(s.ended(FlowEndReason::idle_timeout), 1u);
  EXPECT_EQ(s.ended(FlowEndReason::end_of_input), 1u);
  EXPECT_EQ(s.active_flows, 0u);
  EXPECT_EQ(s.peak_flows, 2u);
  EXPECT_EQ(s.evictions, 0u);
}

TEST(FlowMeter, OwnsItsSink) {
  int calls = 0;
  auto fn = [&calls](const FlowRecord&) { ++calls; };
  {
    FlowMeter meter(FlowMeterConfig{}, std::make_unique<CallbackFlowSink<decltype(fn)>>(fn));
    meter.on_packet(pkt("10.0.0.1", 1, "10.0.0.2", 2, 17), view(1, 60));
    meter.finish();
  }
  EXPECT_EQ(calls, 1);
}

}  // namespace
}  // namespace riptide

namespace riptide {
namespace {
using namespace flowtest;

// The analyzer's batch hook must account exactly like one on_packet per packet.
TEST(FlowMeterAnalyzer, BatchHookEqualsOnePacketAtATime) {
  FlowMeterConfig c;
  c.max_flows = 8;  // small: evictions happen inside the batch
  auto one_f = FlowMeterFactory::create(c, "");
  auto many_f = FlowMeterFactory::create(c, "");
  ASSERT_TRUE(one_f);
  ASSERT_TRUE(many_f);
  auto one = (*one_f)->create(0);
  auto many = (*many_f)->create(0);
  std::vector<PacketMeta> metas;
  std::vector<PacketView> views;
  for (int i = 0; i < 300; ++i) {
    metas.push_back(i % 17 == 0 ? arp() : pkt("10.0.0." + std::to_string(i % 23), 1000, "10.1.0.1", 80, 6, i % 5 == 0 ? SYN : ACK));
    views.push_back(view(sec(1) + i, 100));
  }
  for (std::size_t i = 0; i < metas.size(); ++i) one->on_packet(metas[i], views[i]);
  many->on_packets(std::span<const PacketMeta>(metas), std::span<const PacketView>(views));
  std::vector<AnalyzerCounter> a, b;
  one->counters(a);
  many->counters(b);
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].name, b[i].name);
    EXPECT_EQ(a[i].value, b[i].value) << a[i].name;
  }
  EXPECT_GT(b[0].value, 8u) << "flows were created and evicted";
}

}  // namespace
}  // namespace riptide
