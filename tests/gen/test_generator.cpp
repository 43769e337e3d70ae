#include <gtest/gtest.h>

#include <vector>

#include "riptide/gen/generator.hpp"
#include "riptide/gen/seq_tracker.hpp"

namespace riptide::gen {
namespace {

// Keeps what it is given; optionally refuses every k-th call.
class RecordingSink final : public FrameSink {
 public:
  std::size_t send(std::span<const std::span<const std::uint8_t>> frames,
                   std::span<const std::int64_t> stamps) noexcept override {
    ++calls;
    for (std::size_t i = 0; i < frames.size(); ++i) {
      sizes.push_back(std::uint32_t(frames[i].size()));
      ts.push_back(stamps[i]);
      auto g = parse_gen_payload(frames[i]);
      if (g) payloads.push_back(*g);
    }
    return frames.size();
  }
  std::uint64_t failed() const noexcept override { return 0; }
  std::uint64_t calls = 0;
  std::vector<std::uint32_t> sizes;
  std::vector<std::int64_t> ts;
  std::vector<GenPayload> payloads;
};

TEST(Generator, CountFlowsSeqAndTimestampsOnVirtualClock) {
  FrameSpec spec;
  spec.flows = 7;
  auto b = FrameBuilder::create(spec);
  ASSERT_TRUE(b.ok());
  GenOptions o;
  o.count = 10'001;
  o.rate_pps = 1e6;
  o.spread_timestamps = true;
  auto g = Generator::create(*b, SizeMix::uniform(64, 800, 3), o);
  ASSERT_TRUE(g.ok()) << g.error().message;
  RecordingSink sink;
  VirtualClock clk(1'000'000'000'000);
  GenReport r = g->run(sink, clk);
  EXPECT_EQ(r.attempted, 10'001u);
  EXPECT_EQ(r.sent, 10'001u);
  ASSERT_EQ(sink.payloads.size(), 10'001u);
  EXPECT_EQ(sink.calls, (10'001u + 63) / 64);
  SeqTracker t(7);
  for (std::size_t i = 0; i < sink.payloads.size(); ++i) {
    EXPECT_EQ(sink.payloads[i].flow, i % 7);
    // 64 and 65 B frames have no room for the timestamp (18 + 4 < 24 payload bytes).
    EXPECT_EQ(sink.payloads[i].send_ts_ns, sink.sizes[i] >= 66 ? sink.ts[i] : 0) << sink.sizes[i];
    t.feed(sink.payloads[i].flow, sink.payloads[i].seq);
  }
  auto c = t.counts();
  EXPECT_EQ(c.unique, 10'001u);
  EXPECT_EQ(c.lost + c.duplicates + c.reordered, 0u);
  // Evenly spread at 1 us.
  for (std::size_t i = 1; i < sink.ts.size(); ++i) EXPECT_EQ(sink.ts[i] - sink.ts[i - 1], 1000) << i;
  std::uint64_t bytes = 0;
  for (auto s : sink.sizes) {
    EXPECT_GE(s, 64u);
    EXPECT_LE(s, 800u);
    bytes += s;
  }
  EXPECT_EQ(r.bytes, bytes);
  EXPECT_NEAR(r.elapsed_s, 0.010001, 0.0001);
}

TEST(Generator, DurationStopsOnTheClock) {
  auto b = FrameBuilder::create({});
  ASSERT_TRUE(b.ok());
  GenOptions o;
  o.duration_s = 0.5;
  o.rate_pps = 10'000;
  auto g = Generator::create(*b, SizeMix::fixed(60), o);
  ASSERT_TRUE(g.ok());
  RecordingSink sink;
  VirtualClock clk;
  GenReport r = g->run(sink, clk);
  EXPECT_NEAR(double(r.sent), 5000, 64);
}

TEST(Generator, RandomFlowOrderIsSeeded) {
  FrameSpec spec;
  spec.flows = 1000;
  auto b = FrameBuilder::create(spec);
  ASSERT_TRUE(b.ok());
  GenOptions o;
  o.count = 2000;
  o.order = FlowOrder::random;
  o.seed = 99;
  auto run = [&] {
    auto g = Generator::create(*b, SizeMix::fixed(100), o);
    RecordingSink sink;
    VirtualClock clk;
    (void)g->run(sink, clk);
    std::vector<std::uint32_t> flows;
    for (auto& p : sink.payloads) flows.push_back(p.flow);
    return flows;
  };
  auto a = run(), c = run();
  EXPECT_EQ(a, c);
  o.seed = 100;
  EXPECT_NE(run(), a);
}

TEST(Generator, RejectsSizesThatDoNotFit) {
  FrameSpec spec;
  spec.ipv6 = true;
  auto b = FrameBuilder::create(spec);
  ASSERT_TRUE(b.ok());
  auto g = Generator::create(*b, SizeMix::fixed(60), {});
  ASSERT_FALSE(g.ok());
  EXPECT_NE(g.error().message.find("78"), std::string::npos) << g.error().message;
  EXPECT_FALSE(Generator::create(*b, SizeMix::fixed(9019), {}).ok());
}

}  // namespace
}  // namespace riptide::gen
