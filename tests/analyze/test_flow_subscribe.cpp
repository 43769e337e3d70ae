// Flow records for analyzers, against the fake context: the flow meter publishes every record
// it finishes (the same ones its outputs get), and an analyzer subscribes in on_start.
#include <gtest/gtest.h>

#include <vector>

#include "analyze/fake_context.hpp"
#include "flow/flow_test_util.hpp"
#include "riptide/analyze/flow_meter_analyzer.hpp"

namespace riptide {
namespace {

TEST(FlowSubscribe, TheFlowMeterPublishesEveryRecordItFinishes) {
  FlowMeterConfig cfg;
  cfg.idle_timeout_ns = flowtest::sec(1);
  auto f = FlowMeterFactory::create(cfg, std::string());
  ASSERT_TRUE(f) << f.error().message;
  auto a = (*f)->create(0);
  test::FakeContext ctx;
  a->on_start(ctx);
  // 3 batches of 50 new UDP flows, 10 s apart: each batch ends the previous one's flows by
  // idle timeout; the last 50 end at on_stop.
  constexpr int kBatches = 3, kFlows = 50;
  std::vector<PacketMeta> metas(kFlows);
  std::vector<PacketView> views(kFlows);
  for (int b = 0; b < kBatches; ++b) {
    const TimestampNs ts = flowtest::sec(1000 + 10.0 * b);
    for (std::size_t i = 0; i < kFlows; ++i) {
      metas[i] = flowtest::pkt("10.0.0.1", static_cast<std::uint16_t>(1000 + b * kFlows + static_cast<int>(i)), "10.0.0.2", 53, 17);
      views[i].ts_ns = ts;
      views[i].wirelen = views[i].caplen = 114;
    }
    a->on_packets(metas, views);
    a->on_batch_end(ts);
    EXPECT_EQ(ctx.published_flows.size(), static_cast<std::size_t>(b * kFlows)) << "published at the end of each batch";
  }
  a->on_stop();
  (*f)->finish();
  ASSERT_EQ(ctx.published_flows.size(), static_cast<std::size_t>(kBatches * kFlows));
  std::uint64_t pkts = 0, bytes = 0;
  for (const auto& r : ctx.published_flows) {
    pkts += r.pkts();
    bytes += r.bytes();
  }
  EXPECT_EQ(pkts, static_cast<std::uint64_t>(kBatches * kFlows));
  EXPECT_EQ(bytes, 114u * kBatches * kFlows);
  EXPECT_EQ(ctx.published_flows.back().reason, FlowEndReason::end_of_input);
}

// A user's analyzer: bytes per server port from finished flows, no flow table of its own.
class PortBytes final : public Analyzer {
 public:
  std::string_view name() const noexcept override { return "port-bytes"; }
  void on_start(AnalyzerContext& ctx) override { subscribed = ctx.subscribe_flows(); }
  void on_packet(const PacketMeta&, const PacketView&) override {}
  void on_flows(std::span<const FlowRecord> recs) override {
    for (const auto& r : recs)
      if (r.dest_port == 53) dns_bytes += r.bytes();
  }
  bool subscribed = false;
  std::uint64_t dns_bytes = 0;
};

TEST(FlowSubscribe, AnAnalyzerSubscribesThroughItsContext) {
  test::FakeContext ctx;
  PortBytes a;
  a.on_start(ctx);
  EXPECT_TRUE(a.subscribed);
  EXPECT_TRUE(ctx.flows_subscribed);
  FlowRecord r;
  r.dest_port = 53;
  r.toserver.bytes = 100;
  r.toclient.bytes = 300;
  std::vector<FlowRecord> recs{r, r};
  recs[1].dest_port = 80;
  a.on_flows(recs);
  EXPECT_EQ(a.dns_bytes, 400u);

  test::FakeContext refusing;
  refusing.flows_ok = false;
  PortBytes b;
  b.on_start(refusing);
  EXPECT_FALSE(b.subscribed);
}

}  // namespace
}  // namespace riptide
