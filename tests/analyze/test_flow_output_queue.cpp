// The flow meter on a live capture with an output that does not keep up: the records its
// queue cannot take are dropped and counted (flow_output_queue_full), each output reports
// them as not written with the reason, and the packets are all metered all the same.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "analyze/fake_context.hpp"
#include "flow/flow_test_util.hpp"
#include "riptide/analyze/flow_meter_analyzer.hpp"

namespace riptide {
namespace {

// write() holds the output thread until the test opens the gate: a stuck disk or collector.
class GateSink final : public FlowRecordSink {
 public:
  std::string_view name() const noexcept override { return "gate"; }
  std::string target() const override { return "<test>"; }
  void write(std::span<const FlowRecord> recs) noexcept override {
    while (!open.load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    n.fetch_add(recs.size());
  }
  void close() noexcept override { closed.store(true); }
  SinkStatus status() const noexcept override { return {n.load(), 0, {}}; }
  std::atomic<bool> open{false}, closed{false};
  std::atomic<std::uint64_t> n{0};
};

TEST(FlowOutputQueue, LiveRecordsTheQueueCannotTakeAreCountedAndNamed) {
  auto gate = std::make_unique<GateSink>();
  GateSink* g = gate.get();
  std::vector<std::unique_ptr<FlowRecordSink>> sinks;
  sinks.push_back(std::move(gate));
  FlowMeterConfig cfg;
  cfg.idle_timeout_ns = flowtest::sec(1);
  FlowOutputConfig oc;
  oc.queue_records = 64;
  auto f = FlowMeterFactory::create(cfg, std::move(sinks), oc);
  ASSERT_TRUE(f) << f.error().message;
  auto a = (*f)->create(0);
  test::FakeContext ctx;
  ctx.live_ = true;
  a->on_start(ctx);
  // 10 batches of 100 new UDP flows, 10 s apart: each batch ends the previous one's flows.
  constexpr int kBatches = 10, kFlows = 100;
  std::vector<PacketMeta> metas(kFlows);
  std::vector<PacketView> views(kFlows);
  const auto t0 = std::chrono::steady_clock::now();
  for (int b = 0; b < kBatches; ++b) {
    const TimestampNs ts = flowtest::sec(1000 + 10.0 * b);
    for (int i = 0; i < kFlows; ++i) {
      metas[static_cast<std::size_t>(i)] = flowtest::pkt("10.0.0.1", static_cast<std::uint16_t>(1000 + b * kFlows + i), "10.0.0.2", 53, 17);
      views[static_cast<std::size_t>(i)].ts_ns = ts;
      views[static_cast<std::size_t>(i)].wirelen = views[static_cast<std::size_t>(i)].caplen = 114;
    }
    a->on_packets(metas, views);
    a->on_batch_end(ts);
  }
  const auto capture_time = std::chrono::steady_clock::now() - t0;
  g->open.store(true);
  a->on_stop();  // the last 100 flows: capture is over, these wait for room
  (*f)->finish();
  EXPECT_TRUE(g->closed.load());
  EXPECT_LT(capture_time, std::chrono::seconds(2)) << "the packet thread waited for the stuck output";

  const std::uint64_t created = (*f)->totals().flows_created;
  ASSERT_EQ(created, static_cast<std::uint64_t>(kBatches * kFlows));
  const std::uint64_t refused = (*f)->queue_full();
  EXPECT_GT(refused, 0u);
  EXPECT_EQ(g->n.load() + refused, created) << "a record neither written nor counted";
  std::vector<OutputStatus> outs;
  (*f)->outputs(outs);
  ASSERT_EQ(outs.size(), 1u);
  EXPECT_EQ(outs[0].name, "gate");
  EXPECT_EQ(outs[0].written, g->n.load());
  EXPECT_EQ(outs[0].dropped, refused);
  EXPECT_NE(outs[0].error.find("flow output queue full"), std::string::npos) << outs[0].error;
  std::vector<OutputCounter> cs;
  (*f)->output_counters(cs);
  bool named = false;
  for (const auto& c : cs)
    if (c.name == "flow_output_queue_full") {
      named = true;
      EXPECT_EQ(c.value, refused);
      EXPECT_TRUE(c.drop);
      EXPECT_FALSE(c.advice.empty());
    }
  EXPECT_TRUE(named);
}

}  // namespace
}  // namespace riptide
